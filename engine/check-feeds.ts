// Stage 4 for `feeds:`: type-checks each feed's mapping (value expressions over the source
// columns, target paths over the SCIM user) and its collapse rank, and the rules a feed must
// keep (E011). Returns where each mapping writes plus the diagnostics; analyses join the config's.

import { analyzeExpression, type Analysis } from '../dsl/check.ts';
import type { DslDiagnostic } from '../dsl/diagnostic.ts';
import { printExpression } from '../dsl/print.ts';
import type { AttributeDef, Scope, Type } from '../dsl/types.ts';
import { catalog, type Code } from './catalog.ts';
import type { RawConfig } from './config.ts';
import type { Diagnostic, FileSpan } from './diagnostic.ts';
import type { FeedTarget } from './feed-plan.ts';
import type { LoadedFile } from './load-yaml.ts';
import { simpleMatch } from './login.ts';
import { fromDsl, type ParsedExpression, type ParsedFeed } from './parse-expressions.ts';
import { buildProfileScope } from './scim-schemas.ts';

/** What checkFeeds hands to compilePlan, per feed index: the target of each mapping that checked. */
export type CheckedFeeds = ReadonlyMap<number, ReadonlyMap<string, FeedTarget>>;

export function checkFeeds(
  loaded: LoadedFile,
  config: RawConfig,
  feeds: readonly ParsedFeed[],
  userScope: Scope,
  keyAttribute: string,
  analyses: Map<ParsedExpression, Analysis>,
): { feeds: CheckedFeeds; diagnostics: Diagnostic[] } {
  const file = loaded.file;
  const diagnostics: Diagnostic[] = [];
  const out = new Map<number, ReadonlyMap<string, FeedTarget>>();
  const report = (code: Code, span: FileSpan | undefined, message: string, extra: Partial<Diagnostic> = {}) =>
    diagnostics.push({ code, severity: catalog[code].severity, message, file, ...(span ? { span } : {}), ...extra });
  const analyse = (expr: ParsedExpression | undefined, scope: Scope): Analysis | undefined => {
    if (!expr || expr.broken) return undefined;
    const analysis = analyzeExpression(expr.ast, scope, 'value');
    analyses.set(expr, analysis);
    // the language calls the names of a non-SCIM scope profile fields; here they are columns
    const words = (d: DslDiagnostic): DslDiagnostic =>
      scope.kind === 'profile' && d.code === 'E201' ? { ...d, message: d.message.replace('unknown profile field', 'unknown source column') } : d;
    for (const d of analysis.diagnostics) diagnostics.push(fromDsl(words(d), expr.source, file));
    return analysis;
  };

  const firstByName = new Map<string, number>();
  for (const feed of feeds) {
    const raw = config.feeds![feed.index]!;
    const nameSpan = loaded.spanAt(['feeds', feed.index, 'name']);
    const earlier = firstByName.get(feed.name);
    if (earlier !== undefined) {
      const first = loaded.spanAt(['feeds', earlier, 'name']);
      report('E011', nameSpan, `feed \`${feed.name}\` is declared twice`, {
        ...(first ? { labels: [{ span: first, message: 'first here' }] } : {}),
        help: 'give each feed its own name: it is the URL segment and the `FEED` of `scimplan import`',
      });
    } else {
      firstByName.set(feed.name, feed.index);
    }
    const type = raw.format?.type;
    if (type === 'scim-bulk') {
      for (const part of ['columns', 'mapping', 'collapse'] as const) {
        if (raw[part] === undefined) continue;
        report('E011', loaded.spanAt(['feeds', feed.index, part], 'key'), `a \`scim-bulk\` feed takes SCIM users as they are: \`${part}\` is not used`, {
          help: `remove \`${part}\`, or use \`format: { type: csv }\` or \`jsonl\` for a source that is not SCIM`,
        });
      }
      continue;
    }
    if (raw.columns === undefined || raw.mapping === undefined) {
      const missing = raw.columns === undefined ? 'columns' : 'mapping';
      report('E011', nameSpan, `feed \`${feed.name}\` has no \`${missing}\``, {
        help: missing === 'columns'
          ? 'list the source columns, e.g. `columns: [medewerker, voornaam, achternaam]`: they are the names the mapping can use'
          : 'map the source columns onto SCIM attributes, e.g. `mapping: { externalId: medewerker, name.givenName: voornaam }`',
      });
      continue;
    }
    const columns = buildProfileScope(
      raw.columns.map((name) => ({ name, def: column(name) })),
      [],
    );
    const targets = new Map<string, FeedTarget>();
    let setsKey = false;
    for (const m of feed.mapping) {
      const valueType = analyse(m.expr, columns)?.type;
      if (!m.path || m.path.broken) continue;
      const analysis = analyse(m.path, userScope);
      if (!analysis || analysis.diagnostics.some((d) => catalog[d.code as Code]?.severity === 'error')) continue;
      const span = (node: { span: { start: number; end: number } }) => m.path!.source.fileSpan(node.span.start, node.span.end);
      const target = targetOf(m.path, analysis);
      if ('problem' in target) {
        report('E011', span(target.node), target.problem, { help: target.help });
        continue;
      }
      if (printExpression(m.path.ast).toLowerCase() === keyAttribute.toLowerCase()) setsKey = true;
      const resolved = analysis.paths.get(m.path.ast as never);
      if (valueType && resolved && m.expr && !fits(valueType, resolved.def)) {
        report('E204', m.expr.source.fileSpan(m.expr.ast.span.start, m.expr.ast.span.end), `this gives ${typeName(valueType)}, \`${target.written}\` takes ${defName(resolved.def)}`, {
          help: resolved.def.type === 'dateTime' ? 'read the text as a date, e.g. `parseDate(einddatum, "dd-MM-yyyy")`' : 'map a value of the attribute\'s type',
        });
        continue;
      }
      targets.set(m.target, target);
    }
    if (!setsKey) {
      report('E011', loaded.spanAt(['feeds', feed.index, 'mapping'], 'key'), `feed \`${feed.name}\` does not set the key \`${keyAttribute}\``, {
        notes: ['each row is matched to its account by the tenant\'s key, as a SCIM request is'],
        help: `map the source's stable identifier onto it, e.g. \`${keyAttribute}: ${raw.columns[0] ?? 'medewerker'}\``,
      });
    }
    analyse(feed.collapse, columns);
    out.set(feed.index, targets);
  }
  return { feeds: out, diagnostics };
}

/** A source column: text, as a CSV cell is (jsonl values are read as they come). */
function column(name: string): AttributeDef {
  return { name, type: 'string', multiValued: false, caseExact: true, mutability: 'readOnly', uniqueness: 'none' };
}

type Node = { readonly span: { readonly start: number; readonly end: number } };

function targetOf(expr: ParsedExpression, analysis: Analysis): FeedTarget | { problem: string; help: string; node: Node } {
  const ast = expr.ast;
  const written = printExpression(ast);
  const resolved = ast.kind === 'Path' ? analysis.paths.get(ast) : undefined;
  if (ast.kind !== 'Path' || !resolved) return { problem: 'a mapping target must be one attribute path', help: 'write the SCIM attribute to set, e.g. `name.givenName`', node: ast };
  if (resolved.def.mutability === 'readOnly') {
    return { problem: `\`${written}\` is read-only: the server sets it`, help: 'map onto an attribute the directory sends, such as `externalId` or `userName`', node: ast };
  }
  const steps: FeedTarget['steps'][number][] = [];
  for (const [i, step] of resolved.steps.entries()) {
    const node = ast.steps[i] ?? ast;
    if (step.def.multiValued && !step.filter) {
      return { problem: `\`${step.name}\` holds a list: a mapping sets one element`, help: `pick the element, e.g. \`${step.name}[type eq "work"].value\``, node };
    }
    if (step.filter) {
      const match = simpleMatch(step.filter);
      if (!match) return { problem: 'a mapping target picks its element with one `eq` on a text value', help: `write e.g. \`${step.name}[type eq "work"].value\``, node: step.filter };
      steps.push({ name: step.name, match });
    } else {
      steps.push({ name: step.name });
    }
  }
  if (resolved.def.type === 'complex') {
    const sub = resolved.def.subAttributes?.[0]?.name ?? 'value';
    return { problem: `\`${written}\` has sub-attributes: a mapping sets one of them`, help: `write e.g. \`${written}.${sub}\``, node: ast };
  }
  return { written, ...(resolved.urn ? { urn: resolved.urn } : {}), steps };
}

function fits(value: Type, def: AttributeDef): boolean {
  if (value.kind === 'any' || value.kind === 'null') return true;
  if (value.kind === 'list' || ('multi' in value && value.multi && !('picked' in value && value.picked))) return false;
  const wants = def.type === 'integer' || def.type === 'decimal' ? 'number' : def.type;
  if (value.kind === 'string' || value.kind === 'reference') return wants !== 'complex';
  return value.kind === wants || wants === 'string';
}

function typeName(t: Type): string {
  return t.kind === 'dateTime' ? 'a date-time' : t.kind === 'list' ? 'a list' : t.kind === 'boolean' ? 'a boolean' : t.kind === 'number' ? 'a number' : `a ${t.kind}`;
}

function defName(def: AttributeDef): string {
  return def.type === 'dateTime' ? 'a date-time' : def.type === 'integer' || def.type === 'decimal' ? 'a number' : `a ${def.type}`;
}
