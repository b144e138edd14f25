// A checked tenant file -> its frozen Plan of closures. Pure (no hashing, no file system): the
// CLI and the server name the plan by the sha256 of its text (compile-plan.ts); the browser
// playground compiles with the same function.

import { compileChecked } from '../dsl/compile.ts';
import { compileNextChange } from '../dsl/next-change.ts';
import { buildAttributeModel } from './attribute-model.ts';
import { compileSso } from './login.ts';
import { compileFeeds } from './compile-feeds.ts';
import type { CheckCache } from './check-cache.ts';
import type { CheckedConfig } from './check-config.ts';
import type { TenantFileCheck } from './check-tenant-file.ts';
import type { ParsedConfig } from './parse-expressions.ts';
import type { Plan, PlanRule, TestCase } from './plan.ts';
import { parseDuration } from './duration.ts';
import type { RawConfig } from './config.ts';

/** The plan of a checked file, named `hash`; undefined when the file has errors (or no usable shape). */
export function planOfCheck(file: string, check: TenantFileCheck, hash: () => string, cache?: CheckCache): Plan | undefined {
  const { config, parsed, checked, diagnostics } = check;
  if (!config || !parsed || !checked || diagnostics.some((d) => d.severity === 'error')) return undefined;
  return compilePlan(file, hash(), config, parsed, checked, cache);
}

/**
 * Compiles a checked config into closures. Callers guarantee there are no errors. With `cache`
 * (the one the file was checked with), an analysis compiled before keeps its closures.
 */
export function compilePlan(file: string, hash: string, config: RawConfig, parsed: ParsedConfig, checked: CheckedConfig, cache?: CheckCache): Plan {
  const { profileScope } = checked;
  const model = buildAttributeModel(checked.userScope, profileScope.attributes);
  const rule = (expr: ParsedConfig['key']): PlanRule => {
    const analysis = expr ? checked.analyses.get(expr) : undefined;
    if (!expr || !analysis) throw new Error('compilePlan called on a config with a missing expression');
    const make = (): PlanRule =>
      Object.freeze({ source: expr.source.text, ast: expr.ast, analysis, run: compileChecked(analysis), traced: once(() => compileChecked(analysis, { traced: true })) });
    // The same analysis is the same tree, so the same text: its closures are the same.
    return cache ? cache.rules.get(analysis, make) : make();
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
    ...(config.sso && parsed.sso ? { sso: compileSso(config.sso, parsed.sso, checked.analyses, parsed.profile) } : {}),
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
