// Stage 3 of the tenant-file pipeline: parses every expression of a shape-valid config and
// maps the parser's spans into the file. Returns the ASTs plus E1xx diagnostics.

import type { Expr } from '../dsl/ast.ts';
import type { DslDiagnostic } from '../dsl/diagnostic.ts';
import type { ParseMode } from '../dsl/parse.ts';
import { parseCached, type CheckCache } from './check-cache.ts';
import { catalog, type Code } from './catalog.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { ExpressionSource } from './expression-source.ts';
import type { LoadedFile } from './load-yaml.ts';
import type { RawConfig } from './config.ts';

/** One expression of the tenant file, parsed, with its place in the file. */
export interface ParsedExpression {
  readonly path: readonly (string | number)[];
  readonly source: ExpressionSource;
  readonly ast: Expr;
  /** True when the parser reported an error (E101-E103): later stages skip its checks. */
  readonly broken: boolean;
}

export interface ParsedConfig {
  readonly key?: ParsedExpression;
  readonly profile: readonly { readonly field: string; readonly expr?: ParsedExpression }[];
  readonly deactivate?: ParsedExpression;
  readonly groups: readonly { readonly group: string; readonly index: number; readonly expr?: ParsedExpression }[];
  /** `sso.claims`: claim name -> the SCIM attribute path it fills, parsed in `path` mode. */
  readonly sso?: readonly { readonly claim: string; readonly expr?: ParsedExpression }[];
  readonly feeds: readonly ParsedFeed[];
}

/** One `feeds:` entry's expressions: each mapping's target path and value, and the collapse rank. */
export interface ParsedFeed {
  readonly name: string;
  readonly index: number;
  readonly mapping: readonly { readonly target: string; readonly path?: ParsedExpression; readonly expr?: ParsedExpression }[];
  readonly collapse?: ParsedExpression;
}

/** Turns an expression-language diagnostic into a file diagnostic at the exact token. */
export function fromDsl(d: DslDiagnostic, source: ExpressionSource, file: string): Diagnostic {
  return {
    code: d.code,
    severity: catalog[d.code as Code]?.severity ?? 'error',
    message: d.message,
    file,
    span: source.fileSpan(d.span.start, d.span.end),
    ...(d.labels?.length
      ? { labels: d.labels.map((l) => ({ span: source.fileSpan(l.span.start, l.span.end), message: l.message })) }
      : {}),
    ...(d.notes?.length ? { notes: d.notes } : {}),
    ...(d.help ? { help: d.help } : {}),
  };
}

export function parseExpressions(
  loaded: LoadedFile,
  config: RawConfig,
  cache?: CheckCache,
): { parsed: ParsedConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  /** The expression at `path`: a value (`at: 'value'`), or the YAML key itself (a feed mapping's target). */
  const parseAt = (path: readonly (string | number)[], mode: ParseMode, expect: 'value' | 'condition', at: 'value' | 'key' = 'value'): ParsedExpression | undefined => {
    const source = at === 'key' ? loaded.keyExpressionAt(path) : loaded.expressionAt(path);
    if (!source) return undefined;
    const result = parseCached(cache, source.text, mode, expect);
    for (const d of result.diagnostics) diagnostics.push(fromDsl(d, source, loaded.file));
    // An expression with a syntax error gets its parse diagnostics only: even foreign syntax
    // (E102) is only a guess at what was meant (`a || b` in a mapping is `??`, not `or`), and
    // errors found in a guessed tree send the reader after problems that are not there.
    const broken = result.diagnostics.some((d) => catalog[d.code as Code]?.severity === 'error');
    return { path, source, ast: result.ast, broken };
  };
  // Guards: a file with shape errors hands on only its usable parts (validate-shape.ts), and
  // group items keep their index so that YAML paths stay right.
  const groups: ParsedConfig['groups'][number][] = [];
  (config.groups ?? []).forEach((rule, index) => {
    const usable = typeof rule === 'object' && rule !== null && typeof rule.group === 'string' && typeof rule.when === 'string';
    if (usable) groups.push({ group: rule.group, index, expr: parseAt(['groups', index, 'when'], 'expression', 'condition') });
  });
  const feeds: ParsedFeed[] = [];
  (config.feeds ?? []).forEach((feed, index) => {
    if (typeof feed !== 'object' || feed === null || typeof feed.name !== 'string') return;
    const at = ['feeds', index] as const;
    const mapping = typeof feed.mapping === 'object' && feed.mapping !== null ? Object.keys(feed.mapping) : [];
    feeds.push({
      name: feed.name,
      index,
      mapping: mapping.map((target) => ({ target, path: parseAt([...at, 'mapping', target], 'path', 'value', 'key'), expr: parseAt([...at, 'mapping', target], 'expression', 'value') })),
      ...(typeof feed.collapse?.by === 'string' ? { collapse: parseAt([...at, 'collapse', 'by'], 'expression', 'value') } : {}),
    });
  });
  const parsed: ParsedConfig = {
    key: typeof config.key === 'string' ? parseAt(['key'], 'path', 'value') : undefined,
    profile: Object.keys(config.profile ?? {}).map((field) => ({ field, expr: parseAt(['profile', field], 'expression', 'value') })),
    deactivate: typeof config.deactivate?.when === 'string' ? parseAt(['deactivate', 'when'], 'expression', 'condition') : undefined,
    groups,
    ...(config.sso && typeof config.sso.claims === 'object' && config.sso.claims !== null
      ? { sso: Object.keys(config.sso.claims).map((claim) => ({ claim, expr: parseAt(['sso', 'claims', claim], 'path', 'value') })) }
      : {}),
    feeds,
  };
  return { parsed, diagnostics };
}
