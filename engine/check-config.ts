// Stage 4 of the tenant-file pipeline: type-checks every expression against the SCIM schemas
// (key, profile, deactivate) or the profile fields (groups), and applies the product rules
// of SPEC §1 that a type alone cannot: what a profile may store, what a key must be, what
// group rules may name. Returns the types plus E2xx-I6xx diagnostics.

import type { Expr, PathExpr } from '../dsl/ast.ts';
import type { Analysis } from '../dsl/check.ts';
import { analyzeCached, neverHoldsCached, scopeCached, type CheckCache } from './check-cache.ts';
import { printExpression } from '../dsl/print.ts';
import { visit, walk, type ExprVisitor } from '../dsl/walk.ts';
import type { DslDiagnostic } from '../dsl/diagnostic.ts';
import { writtenPath } from '../dsl/resolve.ts';
import type { AttributeDef, Scope, Type } from '../dsl/types.ts';
import { catalog, type Code } from './catalog.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { LoadedFile } from './load-yaml.ts';
import { checkStorable } from './check-storable.ts';
import { checkPreferences, checkSso } from './check-sso.ts';
import { fromDsl, type ParsedConfig, type ParsedExpression } from './parse-expressions.ts';
import { absenceOf } from './absence-rule.ts';
import { buildProfileScope, buildUserScope } from './scim-schemas.ts';
import type { RawConfig } from './config.ts';
import { checkFeeds, type CheckedFeeds } from './check-feeds.ts';

/**
 * What the checker learned, handed to compilePlan. Invariants: `analyses` holds the one
 * Analysis of every expression that parsed (key, profile, deactivate, groups), keyed by its
 * ParsedExpression; compile and next-change read it instead of analysing again.
 */
export interface CheckedConfig {
  readonly userScope: Scope;
  readonly profileScope: Scope;
  readonly keyAttribute: string;
  readonly analyses: ReadonlyMap<ParsedExpression, Analysis>;
  /** Per feed index, where each of its mappings writes (check-feeds.ts). */
  readonly feeds: CheckedFeeds;
}

/** Core and enterprise attributes that a directory keeps stable for the life of an account. */
const stableKeys = new Set(['externalid', 'id', 'employeenumber']);

export function checkConfig(
  loaded: LoadedFile,
  config: RawConfig,
  parsed: ParsedConfig,
  cache?: CheckCache,
): { checked: CheckedConfig; diagnostics: Diagnostic[] } {
  const file = loaded.file;
  const diagnostics: Diagnostic[] = [];
  const userScope = scopeCached(cache, 'user', config.schemas ?? [], () => buildUserScope(config.schemas ?? []));
  const analyses = new Map<ParsedExpression, Analysis>();

  const check = (expr: ParsedExpression | undefined, scope: Scope, expect: 'condition' | 'value'): Type | undefined => {
    if (!expr || expr.broken) return undefined;
    const analysis = analyzeCached(cache, expr.ast, scope, expect);
    analyses.set(expr, analysis);
    for (const d of analysis.diagnostics) diagnostics.push(fromDsl(inTenantFileTerms(d, expr.ast, scope, config), expr.source, file));
    return analysis.type;
  };
  const at = (expr: ParsedExpression, node: { span: { start: number; end: number } }) =>
    expr.source.fileSpan(node.span.start, node.span.end);
  const report = (code: Code, expr: ParsedExpression, node: { span: { start: number; end: number } }, message: string, extra: Partial<Diagnostic> = {}) =>
    diagnostics.push({ code, severity: catalog[code].severity, message, file, span: at(expr, node), ...extra });

  // The mapping key.
  let keyAttribute = String(config.key ?? '');
  const keyType = check(parsed.key, userScope, 'value');
  // A key that does not resolve already has its error (and help); W402 would contradict it.
  if (parsed.key && keyType && !hasError(analyses.get(parsed.key))) {
    const ast = parsed.key.ast;
    if (ast.kind !== 'Path') {
      report('E401', parsed.key, ast, 'the mapping key must be one attribute path');
    } else {
      keyAttribute = printExpression(ast);
      const isList = ('multi' in keyType && keyType.multi && !('picked' in keyType && keyType.picked)) || keyType.kind === 'list';
      if (keyType.kind === 'complex' || isList) {
        const subs = keyType.kind === 'complex' ? (keyType.attribute?.subAttributes ?? []).filter((a) => !a.multiValued && a.type !== 'complex') : [];
        report('E401', parsed.key, ast, `the mapping key \`${keyAttribute}\` is not single-valued`, {
          help:
            subs.length > 0
              ? `key on \`externalId\`, or on one sub-attribute such as ${subs.slice(0, 2).map((a) => `\`${keyAttribute}.${a.name}\``).join(' or ')}`
              : 'key on `externalId` (Entra ID sends its objectId there), or pick one value such as `emails[type eq "work"].value`',
        });
      } else if (!stableKeys.has(lastName(ast).toLowerCase()) && !isDeclaredExtension(ast, config)) {
        report('W402', parsed.key, ast, `the mapping key \`${keyAttribute}\` can change in the directory`, {
          notes: [
            'when a key value changes, the account can no longer be found: the next create makes a duplicate account, and updates and logins fail',
          ],
          help: 'key on a value that never changes, such as Entra ID\'s objectId sent as `externalId`',
        });
      }
    }
  }

  // Profile mappings.
  const fields: { name: string; def: AttributeDef }[] = [];
  for (const { field, expr } of parsed.profile) {
    const type = check(expr, userScope, 'value');
    // A mapping with errors has no known type: group rules over it are not checked against a guess.
    const analysis = expr && analyses.get(expr);
    const failed = !expr || !type || hasError(analysis);
    fields.push({ name: field, def: failed ? { ...profileFieldDef(field, undefined), untyped: true } : profileFieldDef(field, type) });
    if (expr && analysis) checkStorable(expr, analysis, report);
  }
  const names = scimNames(userScope);
  const profileScope = scopeCached(cache, 'profile', [fields, names], () => buildProfileScope(fields, names));

  // Deactivation.
  if (parsed.deactivate) {
    const type = check(parsed.deactivate, userScope, 'condition');
    const analysis = analyses.get(parsed.deactivate);
    const endDate = declaredDate(config);
    const absence = type && analysis && !analysis.diagnostics.some((d) => d.code.startsWith('E')) ? absenceOf(analysis, endDate) : undefined;
    if (absence) report('E603', parsed.deactivate, absence.clause, absence.message, { notes: absence.notes, help: absence.help });
    if (!parsed.deactivate.broken) {
      const activeFalse = findActiveFalse(parsed.deactivate.ast);
      if (activeFalse) {
        // The tenant file does not say which identity provider sends it, so no one provider's
        // behaviour is claimed; a condition that already acts on a date needs no date proposed.
        const analysis = analyses.get(parsed.deactivate);
        const onDate = analysis !== undefined && (analysis.timeDependent || [...analysis.paths.values()].some((p) => p.type.kind === 'dateTime'));
        report('I601', parsed.deactivate, activeFalse, 'identity providers also send `active: false` when a user is only unassigned from the app', {
          notes: [
            'identity providers such as Entra ID and Okta send it when a user is unassigned from the app or leaves the provisioning scope, not only when the account is disabled; such users are deactivated here too, although they may still work for the organisation',
          ],
          ...(onDate
            ? {}
            : {
                help: endDate
                  ? `if that is not intended, deactivate on an end-of-employment date that the directory sends, e.g. \`${endDate} le now()\``
                  : 'if that is not intended, deactivate on an end-of-employment date that the directory sends, e.g. declare an extension attribute `employmentEndDate: dateTime` and write `<alias>.employmentEndDate le now()`',
              }),
        });
      }
    }
  }

  // Group rules.
  const seen = new Map<string, { index: number; expr: ParsedExpression }>();
  for (const { group, expr } of parsed.groups) {
    const type = check(expr, profileScope, 'condition');
    if (!expr || !type || expr.broken) continue;
    const signature = `${group.toLowerCase()}\u0000${printExpression(expr.ast)}`;
    const first = seen.get(signature);
    if (first) {
      report('W503', expr, expr.ast, `group \`${group}\` has this rule twice`, {
        labels: [{ span: at(first.expr, first.expr.ast), message: 'first here' }],
        help: 'remove one of the two rules',
      });
    } else {
      seen.set(signature, { index: 0, expr });
    }
    const analysis = analyses.get(expr);
    const clean = analysis !== undefined && !analysis.diagnostics.some((d) => d.code.startsWith('E'));
    for (const never of clean ? neverHoldsCached(cache, analysis) : []) {
      report('W502', expr, never.node, `this rule can never hold: ${never.reason}`, {
        help: `users are never added to \`${group}\` through it; check the values, or use \`or\``,
      });
    }
  }

  // Login-time sync: claim name -> SCIM attribute path.
  checkSso(parsed, keyAttribute, (expr) => check(expr, userScope, 'value'), (expr) => analyses.get(expr), report);
  diagnostics.push(...checkPreferences(loaded, config, parsed, (expr) => analyses.get(expr)));

  const feeds = checkFeeds(loaded, config, parsed.feeds, userScope, keyAttribute, analyses);
  diagnostics.push(...feeds.diagnostics);
  return { checked: { userScope, profileScope, keyAttribute, analyses, feeds: feeds.feeds }, diagnostics };
}

function hasError(analysis: Analysis | undefined): boolean {
  return analysis?.diagnostics.some((d) => catalog[d.code as Code]?.severity === 'error') ?? false;
}

function lastName(path: PathExpr): string {
  return path.steps[path.steps.length - 1]?.name ?? '';
}

/** Names of a date that ends employment (`contractEnd`, `leaveDate`), not a hire or birth date. */
const END_DATE = /end|leav|exit|termin|until|expir|lastday|last_day/i;

/** The first end-of-employment dateTime the tenant declares under `schemas:`, as written (`hr.contractEnd`). */
function declaredDate(config: RawConfig): string | undefined {
  for (const s of config.schemas ?? []) {
    const name = Object.entries(s.attributes ?? {}).find(([name, type]) => type === 'dateTime' && END_DATE.test(name))?.[0];
    if (name !== undefined) return s.alias !== undefined ? `${s.alias}.${name}` : `${s.urn}:${name}`;
  }
  return undefined;
}

function isDeclaredExtension(path: PathExpr, config: RawConfig): boolean {
  const first = path.steps[0]?.name.toLowerCase();
  return (config.schemas ?? []).some(
    (s) => (path.urn !== undefined && s.urn.toLowerCase() === path.urn.toLowerCase()) || (s.alias !== undefined && s.alias.toLowerCase() === first),
  );
}

function scimNames(scope: Scope): string[] {
  return [...scope.attributes.map((a) => a.name), ...scope.namespaces.flatMap((n) => n.aliases)];
}

/** The attribute a profile field offers to group rules: a single scalar of the mapped type. */
function profileFieldDef(name: string, type: Type | undefined): AttributeDef {
  const scalar = !type ? 'string' : type.kind === 'number' ? 'decimal' : type.kind === 'boolean' ? 'boolean' : 'string';
  return { name, type: scalar, multiValued: false, caseExact: false, mutability: 'readOnly', uniqueness: 'none' };
}

const isActive = (e: Expr): boolean => e.kind === 'Path' && !e.urn && e.steps.length === 1 && e.steps[0]!.name.toLowerCase() === 'active';
const isBool = (e: Expr, v: boolean): boolean => e.kind === 'Literal' && (e.value === v || (typeof e.value === 'string' && e.value.toLowerCase() === String(v)));
const none = (): undefined => undefined;

/** The comparison that makes a deactivation condition fire on `active` false, if any. */
const activeFalseRules: ExprVisitor<Expr | undefined> = {
  Compare: (expr) => {
    const [path, lit] = isActive(expr.left) ? [expr.left, expr.right] : [expr.right, expr.left];
    if (!isActive(path)) return undefined;
    if ((expr.op === 'eq' && isBool(lit, false)) || (expr.op === 'ne' && isBool(lit, true))) return expr;
    return undefined;
  },
  Logical: (expr) => findActiveFalse(expr.left) ?? findActiveFalse(expr.right),
  Group: (expr) => findActiveFalse(expr.inner),
  Not: (expr) =>
    expr.operand.kind === 'Path' && expr.operand.steps.length === 1 && expr.operand.steps[0]!.name.toLowerCase() === 'active' ? expr : undefined,
  Path: none,
  Literal: none,
  List: none,
  Present: none,
  In: none,
  Coalesce: none,
  Call: none,
  Error: none,
};

function findActiveFalse(expr: Expr): Expr | undefined {
  return visit(expr, activeFalseRules);
}

/**
 * The language speaks of scopes and extensions; the tenant file of group rules, `profile:`
 * mappings and `schemas:`. E501 (a SCIM attribute where only profile fields exist, which in a
 * tenant file means a group rule) gets the file's words and the mapping to write; E201 for an
 * attribute an extension lacks says how to declare one.
 */
function inTenantFileTerms(d: DslDiagnostic, ast: Expr, scope: Scope, config: RawConfig): DslDiagnostic {
  if (d.code === 'E201') return withDeclareHelp(d, ast, scope, config);
  if (d.code !== 'E501') return d;
  let path: PathExpr | undefined;
  walk(ast, (node) => {
    if (node.kind === 'Path' && node.span.start === d.span.start && node.span.end === d.span.end) path = node;
  });
  if (!path) return d;
  const written = writtenPath(path);
  const field = path.steps[path.steps.length - 1]!.name;
  return {
    ...d,
    message: `group rules can only use profile fields, \`${written}\` is a SCIM attribute`,
    help: `map it to a profile field first, e.g. \`profile: { ${field}: ${written} }\`, then use \`${field}\``,
  };
}

/** `enterprise.costcentre`: the E201 at the first attribute after an extension's alias or URN. */
function withDeclareHelp(d: DslDiagnostic, ast: Expr, scope: Scope, config: RawConfig): DslDiagnostic {
  let found: { name: string; urn: string } | undefined;
  walk(ast, (node) => {
    if (node.kind !== 'Path' || found) return;
    const lower = (s: string) => s.toLowerCase();
    const ns = node.urn !== undefined
      ? scope.namespaces.find((n) => lower(n.urn) === lower(node.urn!))
      : scope.namespaces.find((n) => n.aliases.some((a) => lower(a) === lower(node.steps[0]?.name ?? '')));
    const step = node.steps[node.urn !== undefined ? 0 : 1];
    if (ns && step && step.span.start === d.span.start && step.span.end === d.span.end) found = { name: step.name, urn: ns.urn };
  });
  if (!found) return d;
  const { name, urn } = found;
  const declared = (config.schemas ?? []).some((s) => s.urn.toLowerCase() === urn.toLowerCase());
  const declare = declared
    ? `if the directory sends \`${name}\` in this extension, declare it under \`schemas:\` in the \`attributes\` of \`${urn}\`, e.g. \`${name}: string\``
    : `if the directory sends \`${name}\` in an extension of its own, declare that extension under \`schemas:\` with its \`urn\`, an \`alias\` and \`attributes: { ${name}: string }\`, then write \`<alias>.${name}\``;
  return { ...d, help: d.help ? `${d.help} Otherwise, ${declare}` : declare };
}
