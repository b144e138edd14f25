// Name resolution of the expression language: an attribute path in a Scope -> the attribute
// definitions it names (canonical names, extension URN, static type) or one E201/E206/E501.

import type { Expr, PathExpr, Span } from './ast.ts';
import type { DslCode, DslDiagnostic } from './diagnostic.ts';
import { foreignAttributeHelp } from './foreign-attributes.ts';
import { didYouMean } from './suggest.ts';
import type { AttributeDef, Namespace, Scope, Type } from './types.ts';

export interface ResolvedStep {
  /** Canonical attribute name (as in the AttributeDef), the runtime key tried first. */
  readonly name: string;
  readonly def: AttributeDef;
  readonly span: Span;
  readonly filter?: Expr;
}

/**
 * A path that names an attribute. Invariants: `steps` is non-empty and in written order;
 * `urn`, when set, is the canonical URN of an extension namespace whose values live at
 * runtime under `root[urn]` (never set for the core schema); `def` is the last step's def.
 */
export interface ResolvedPath {
  readonly ok: true;
  readonly urn?: string;
  readonly namespace?: Namespace;
  readonly steps: readonly ResolvedStep[];
  readonly def: AttributeDef;
  /** The path's type as a value (see `Type`: multi, picked, media). */
  readonly type: Type;
}

export interface UnresolvedPath {
  readonly ok: false;
  readonly diagnostic: DslDiagnostic;
  /** Names that were valid where resolution failed. */
  readonly candidates: readonly string[];
}

/** The static type of one attribute's value (one element of a multi-valued one). */
export function attributeType(def: AttributeDef): Type {
  if (def.untyped) return { kind: 'any' };
  switch (def.type) {
    case 'string':
      return def.caseExact ? { kind: 'string', caseExact: true } : { kind: 'string' };
    case 'reference':
      return { kind: 'reference' };
    case 'binary':
      return { kind: 'binary' };
    case 'dateTime':
      return { kind: 'dateTime' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'decimal':
    case 'integer':
      return { kind: 'number' };
    case 'complex':
      return { kind: 'complex', attribute: def };
  }
}

function pathType(steps: readonly ResolvedStep[]): Type {
  const last = steps[steps.length - 1]!;
  let media: 'photo' | 'certificate' | undefined;
  for (const s of steps) media = media ?? s.def.media;
  let pickedAt = -1;
  for (let i = 0; i < steps.length - 1; i++) if (steps[i]!.filter) pickedAt = i;
  let multi = false;
  let picked = false;
  if (pickedAt >= 0) {
    picked = true;
    for (let i = pickedAt + 1; i < steps.length; i++) if (steps[i]!.def.multiValued) multi = true;
    if (multi) picked = false;
  } else {
    multi = steps.some((s) => s.def.multiValued);
  }
  const base = attributeType(last.def) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  if (multi) out.multi = true;
  if (picked) out.picked = true;
  if (media && (base.kind === 'string' || base.kind === 'reference' || base.kind === 'binary' || base.kind === 'complex')) out.media = media;
  return out as Type;
}

/**
 * The definition named `name` among `list`: the exact name first, then ignoring case (SCIM
 * attribute names are case-insensitive). The one lookup by name of the dsl and the engine.
 */
export function findAttribute(list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  if (!list) return undefined;
  const lower = name.toLowerCase();
  return list.find((a) => a.name === name) ?? list.find((a) => a.name.toLowerCase() === lower);
}

/** A dsl diagnostic, with `help` only when there is one. */
export function diag(code: DslCode, span: Span, message: string, help?: string): DslDiagnostic {
  return help === undefined ? { code, span, message } : { code, span, message, help };
}

/** A path as written: `name.givenName`, `urn:...:User:department`. */
export function writtenPath(path: PathExpr): string {
  const names = path.steps.map((s) => s.name).join('.');
  return path.urn ? `${path.urn}:${names}` : names;
}

function aliasesOf(scope: Scope): string[] {
  const out: string[] = [];
  for (const n of scope.namespaces) out.push(...n.aliases);
  return out;
}

/** The namespace one of whose aliases is `name` (case-insensitively), as paths resolve it. */
export function namespaceByAlias(scope: Scope, name: string): Namespace | undefined {
  const lower = name.toLowerCase();
  return scope.namespaces.find((n) => n.aliases.some((a) => a.toLowerCase() === lower));
}

/**
 * The scope of a value filter on the complex attribute `def` (`emails[type eq "work"]`): its
 * sub-attributes, with each element as the root. The server compiles PATCH and projection value
 * filters over the same scope. `scope.urn` is kept, so a full URN path inside resolves as at the top.
 */
export function filterScope(def: AttributeDef, scope?: Scope): Scope {
  return { kind: 'scim', ...(scope?.urn !== undefined ? { urn: scope.urn } : {}), attributes: def.subAttributes ?? [], namespaces: [] };
}

/**
 * Resolves `path` in `scope` (attribute names, aliases and URNs case-insensitively). Filters are
 * not checked here, only carried along. Failure gives one E201 (or E501 in a profile scope).
 */
export function resolvePath(path: PathExpr, scope: Scope): ResolvedPath | UnresolvedPath {
  const first = path.steps[0];
  if (!first) return fail(diag('E201', path.span, 'empty attribute path'), []);
  if (scope.kind === 'profile') return resolveProfile(path, scope);

  let namespace: Namespace | undefined;
  let attributes: readonly AttributeDef[] = scope.attributes;
  let index = 0;
  if (path.urn !== undefined) {
    const lower = path.urn.toLowerCase();
    if (scope.urn === undefined || lower !== scope.urn.toLowerCase()) {
      namespace = scope.namespaces.find((n) => n.urn.toLowerCase() === lower);
      if (!namespace) {
        const urns = scope.namespaces.map((n) => n.urn);
        const span = { start: path.span.start, end: Math.min(path.span.start + path.urn.length, path.span.end) };
        return fail(diag('E201', span, `unknown schema \`${path.urn}\``, didYouMean(path.urn, urns)), urns);
      }
      attributes = namespace.attributes;
    }
  } else if (!findAttribute(scope.attributes, first.name)) {
    namespace = namespaceByAlias(scope, first.name);
    if (!namespace) {
      const candidates = [...scope.attributes.map((a) => a.name), ...aliasesOf(scope)];
      // A name that lives in an extension (`department`) needs its alias (`enterprise.department`).
      const home = scope.namespaces.find((n) => n.aliases.length > 0 && findAttribute(n.attributes, first.name));
      const help = home
        ? `\`${first.name}\` is in the extension \`${home.urn}\`: write \`${home.aliases[0]}.${findAttribute(home.attributes, first.name)!.name}\``
        : path.steps.length === 1
          ? (foreignAttributeHelp(first.name) ?? didYouMean(first.name, candidates))
          : (didYouMean(first.name, candidates) ?? prefixHelp(path, scope));
      const what = path.steps.length > 1 ? 'schema alias or attribute' : 'attribute';
      return fail(diag('E201', first.span, `unknown ${what} \`${first.name}\``, help), candidates);
    }
    attributes = namespace.attributes;
    index = 1;
    if (path.steps.length === 1) {
      const example = namespace.attributes[0]?.name;
      return fail(
        diag('E201', first.span, `\`${first.name}\` is a schema, not an attribute`, example ? `name one of its attributes, e.g. \`${first.name}.${example}\`` : undefined),
        namespace.attributes.map((a) => a.name),
      );
    }
    if (first.filter) {
      return fail(diag('E206', first.filter.span, `\`${first.name}\` is a schema and cannot be filtered`), []);
    }
  }
  return resolveSteps(path, index, attributes, namespace);
}

/** `woongoed.x`: the alias whose extension has `x`, or the aliases there are. */
function prefixHelp(path: PathExpr, scope: Scope): string | undefined {
  const second = path.steps[1]!.name;
  const rest = path.steps.slice(1).map((s) => s.name).join('.');
  const holders = scope.namespaces.filter((n) => n.aliases.length > 0 && findAttribute(n.attributes, second));
  if (holders.length > 0) return didYouMeanList(holders.map((n) => `${n.aliases[0]}.${rest}`));
  const aliases = aliasesOf(scope);
  if (aliases.length === 0) return undefined;
  return `the schema aliases are ${listed(aliases)}`;
}

function listed(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

function didYouMeanList(names: readonly string[]): string {
  const quoted = names.slice(0, 4).map((n) => `\`${n}\``);
  return `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`}?`;
}

function resolveSteps(path: PathExpr, index: number, attributes: readonly AttributeDef[], namespace: Namespace | undefined): ResolvedPath | UnresolvedPath {
  const steps: ResolvedStep[] = [];
  let level = attributes;
  let parent: AttributeDef | undefined;
  for (let i = index; i < path.steps.length; i++) {
    const step = path.steps[i]!;
    if (parent && parent.type !== 'complex') {
      return fail(diag('E201', step.span, `\`${parent.name}\` is a ${parent.type} and has no sub-attribute \`${step.name}\``), []);
    }
    const def = findAttribute(level, step.name);
    if (!def) {
      const candidates = level.map((a) => a.name);
      if (!parent && namespace) return fail(unknownInExtension(step.name, step.span, namespace, path), candidates);
      const message = parent ? `unknown attribute \`${step.name}\` in \`${parent.name}\`` : `unknown attribute \`${step.name}\``;
      return fail(diag('E201', step.span, message, didYouMean(step.name, candidates)), candidates);
    }
    steps.push(step.filter ? { name: def.name, def, span: step.span, filter: step.filter } : { name: def.name, def, span: step.span });
    parent = def;
    level = def.subAttributes ?? [];
  }
  const resolved: ResolvedPath = {
    ok: true,
    steps,
    def: steps[steps.length - 1]!.def,
    type: pathType(steps),
    ...(namespace ? { urn: namespace.urn, namespace } : {}),
  };
  return resolved;
}

/** E201 for `enterprise.costcentre`: what the extension has (at most ten names), and near names. */
function unknownInExtension(name: string, span: Span, namespace: Namespace, path: PathExpr): DslDiagnostic {
  const shownAs = path.urn === undefined ? `\`${path.steps[0]!.name}\`` : `\`${namespace.urn}\``;
  const names = namespace.attributes.map((a) => a.name);
  const has = names.length === 0 ? 'no attributes' : names.length <= 10 ? listed(names) : `${names.slice(0, 10).map((n) => `\`${n}\``).join(', ')} and ${names.length - 10} more`;
  const help = didYouMean(name, names);
  return {
    code: 'E201',
    span,
    message: `the extension ${shownAs} has no attribute \`${name}\``,
    notes: [`\`${namespace.urn}\` has ${has}`],
    ...(help ? { help } : {}),
  };
}

function resolveProfile(path: PathExpr, scope: Scope): ResolvedPath | UnresolvedPath {
  const first = path.steps[0]!;
  if (path.urn === undefined && findAttribute(scope.attributes, first.name)) {
    return resolveSteps(path, 0, scope.attributes, undefined);
  }
  const written = writtenPath(path);
  const lowerFirst = first.name.toLowerCase();
  const lowerWritten = written.toLowerCase();
  const scim = scope.scimAttributes ?? [];
  const isScim =
    path.urn !== undefined ||
    scim.some((n) => n.toLowerCase() === lowerFirst || n.toLowerCase() === lowerWritten) ||
    namespaceByAlias(scope, first.name) !== undefined;
  const fields = scope.attributes.map((a) => a.name);
  if (isScim) {
    const field = path.steps[path.steps.length - 1]!.name;
    return fail(
      diag(
        'E501',
        path.span,
        `only profile fields can be used here, \`${written}\` is a SCIM attribute`,
        `map it to a profile field first, then use \`${field}\``,
      ),
      fields,
    );
  }
  return fail(diag('E201', first.span, `unknown profile field \`${first.name}\``, didYouMean(first.name, fields)), fields);
}

function fail(diagnostic: DslDiagnostic, candidates: readonly string[]): UnresolvedPath {
  return { ok: false, diagnostic, candidates };
}
