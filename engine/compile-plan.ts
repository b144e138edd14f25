// The tenant-file pipeline end to end: parseYaml -> validateShape -> parseExpressions ->
// checkConfig -> compilePlan. Returns a frozen Plan when the file has no errors, and always
// the diagnostics sorted by position.

import { createHash } from 'node:crypto';
import { compileChecked } from '../dsl/compile.ts';
import { compileNextChange } from '../dsl/next-change.ts';
import { buildAttributeModel } from './attribute-model.ts';
import { checkConfig, type CheckedConfig } from './check-config.ts';
import type { Diagnostic } from './diagnostic.ts';
import { parseYaml } from './load-yaml.ts';
import { parseExpressions, type ParsedConfig } from './parse-expressions.ts';
import type { Plan, PlanRule, TestCase } from './plan.ts';
import { checkTests } from './check-tests.ts';
import { parseDuration } from './duration.ts';
import { sortDiagnostics } from './sort-diagnostics.ts';
import type { RawConfig } from './config.ts';
import { validateShape } from './validate-shape.ts';
import { compileFeeds } from './compile-feeds.ts';

export interface CompileResult {
  /** Present exactly when no diagnostic is an error. */
  readonly plan?: Plan;
  readonly config?: RawConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileTenantFile(file: string, text: string): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const done = (plan?: Plan, config?: RawConfig): CompileResult => ({
    ...(plan ? { plan } : {}),
    ...(config ? { config } : {}),
    diagnostics: sortDiagnostics(diagnostics),
  });

  const yaml = parseYaml(file, text);
  diagnostics.push(...yaml.diagnostics);
  if (yaml.diagnostics.some((d) => d.code === 'E001')) return done();

  const shape = validateShape(yaml.loaded);
  diagnostics.push(...shape.diagnostics);
  const config = shape.config;
  if (!config) return done();

  const parsed = parseExpressions(yaml.loaded, config);
  diagnostics.push(...parsed.diagnostics);
  const checked = checkConfig(yaml.loaded, config, parsed.parsed);
  diagnostics.push(...checked.diagnostics);
  diagnostics.push(...checkTests(yaml.loaded, config, parsed.parsed));

  if (diagnostics.some((d) => d.severity === 'error')) return done(undefined, config);
  const hash = createHash('sha256').update(text).digest('hex');
  return done(compilePlan(file, hash, config, parsed.parsed, checked.checked), config);
}

/** Compiles a checked config into closures. Callers guarantee there are no errors. */
export function compilePlan(file: string, hash: string, config: RawConfig, parsed: ParsedConfig, checked: CheckedConfig): Plan {
  const { profileScope } = checked;
  const model = buildAttributeModel(checked.userScope, profileScope.attributes);
  const rule = (expr: ParsedConfig['key']): PlanRule => {
    const analysis = expr ? checked.analyses.get(expr) : undefined;
    if (!expr || !analysis) throw new Error('compilePlan called on a config with a missing expression');
    return Object.freeze({ source: expr.source.text, ast: expr.ast, analysis, run: compileChecked(analysis), traced: once(() => compileChecked(analysis, { traced: true })) });
  };
  const plan: Plan = {
    tenant: config.tenant,
    hash,
    file,
    timezone: config.timezone ?? 'UTC',
    tokens: Object.freeze(config.tokens.map((t) => Object.freeze({ ...t }))),
    key: rule(parsed.key),
    keyAttribute: checked.keyAttribute,
    profile: Object.freeze(parsed.profile.map((p) => Object.freeze({ ...rule(p.expr), field: p.field }))),
    ...(parsed.deactivate
      ? { deactivate: deactivateRule(rule(parsed.deactivate), config.deactivate?.reactivate ?? true) }
      : {}),
    onDelete: config.onDelete ?? 'keep',
    applyOnChange: config.applyOnChange ?? 'next-sync',
    safety: Object.freeze({
      maxDeactivations: config.safety?.maxDeactivations ?? 25,
      per: config.safety?.per ?? '1h',
      perMs: parseDuration(config.safety?.per ?? '1h') ?? 3_600_000,
    }),
    limits: rateLimit(config.limits),
    groups: Object.freeze(
      parsed.groups.map((g, i) => Object.freeze({ ...rule(g.expr), group: g.group, firstOfGroup: parsed.groups.findIndex((h) => h.group === g.group) === i })),
    ),
    schemas: Object.freeze((config.schemas ?? []).map((s) => Object.freeze({ ...s }))),
    userScope: model.user,
    profileScope,
    model,
    tests: Object.freeze((config.tests ?? []) as readonly TestCase[]),
    feeds: compileFeeds(config, parsed, checked, rule),
  };
  return Object.freeze(plan);
}

/** Requests per second when the tenant file sets none: four times the 25 per tenant Microsoft requires of Entra gallery apps. */
export const DEFAULT_REQUESTS_PER_SECOND = 100;

function rateLimit(limits: RawConfig['limits']): Plan['limits'] {
  const requestsPerSecond = limits?.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
  return Object.freeze({ requestsPerSecond, burst: limits?.burst ?? 2 * requestsPerSecond });
}

/** The deactivation rule; its next-change function only when the condition depends on the clock. */
function deactivateRule(rule: PlanRule, reactivate: boolean): NonNullable<Plan['deactivate']> {
  const nextChange = compileNextChange(rule.analysis);
  return Object.freeze({ ...rule, reactivate, ...(nextChange ? { nextChange } : {}) });
}

/** `make()` on the first call, the same value afterwards (state of one closure, not of the module). */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
