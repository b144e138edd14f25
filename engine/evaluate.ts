// Plan evaluation: one SCIM user at one moment -> key, profile, deactivation and groups.
// Pure and synchronous; the server calls it inside its transaction, the CLI for explain/test.

import type { Span } from '../dsl/ast.ts';
import type { EvalContext } from '../dsl/types.ts';
import type { Evaluation, Plan, PlanRule, TraceEntry } from './plan.ts';

export type ProfileValue = string | number | boolean | null;

/** Reduces a mapped value to what a profile field stores: the first of a picked list, a scalar. */
export function toScalar(value: unknown): ProfileValue {
  if (Array.isArray(value)) return value.length === 0 ? null : toScalar(value[0]);
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  return null;
}

/**
 * What a profile field stores for a mapped value: `toScalar`, except that an empty or
 * whitespace-only string stores no value (null), so `concat(name.givenName, " ", name.familyName)`
 * of a user without names is null rather than `" "`. The one place this rule lives.
 */
export function toProfileValue(value: unknown): ProfileValue {
  const scalar = typeof value === 'string' ? value : toScalar(value);
  // `\S` is what `trim` keeps; the test stops at the first such character, without a copy.
  return typeof scalar === 'string' && !NOT_BLANK.test(scalar) ? null : scalar;
}

const NOT_BLANK = /\S/;

/** The key value as stored: a non-empty string, or null when the user has none. */
export function toKey(value: unknown): string | null {
  const scalar = toScalar(value);
  if (scalar === null) return null;
  const text = String(scalar);
  return text === '' ? null : text;
}

export interface EvaluateOptions {
  /** Record each clause and its sub-expressions (explain). Slower: closures report every node. */
  readonly trace?: boolean;
}

/**
 * Evaluates the plan for one user. Invariants: deterministic for (plan, user, now); never
 * throws on any JSON user; groups are listed once each, in rule order.
 */
export function evaluatePlan(
  plan: Plan,
  user: Readonly<Record<string, unknown>>,
  now: Date,
  options: EvaluateOptions = {},
): Evaluation {
  if (options.trace) return evaluateTraced(plan, user, now);
  const userCtx: EvalContext = { root: user, now, timezone: plan.timezone };
  const key = toKey(plan.key.run(userCtx));
  // Field names match ^[A-Za-z][A-Za-z0-9_]*$ (tenant schema), so plain assignment is safe.
  // Group rules read fields by index from `folded` (plan.profile is in scope order).
  const profile: Record<string, ProfileValue> = {};
  const folded: ProfileValue[] = new Array<ProfileValue>(plan.profile.length);
  for (let i = 0; i < plan.profile.length; i++) {
    const rule = plan.profile[i]!;
    const value = toProfileValue(rule.run(userCtx));
    profile[rule.field] = value;
    folded[i] = typeof value === 'string' ? value.toLowerCase() : value;
  }
  const deactivated = plan.deactivate !== undefined && plan.deactivate.run(userCtx) === true;
  const profileCtx: EvalContext = { root: profile, now, timezone: plan.timezone, folded };
  const groups: string[] = [];
  for (let i = 0; i < plan.groups.length; i++) {
    const rule = plan.groups[i]!;
    if (rule.run(profileCtx) === true && (rule.firstOfGroup || !groups.includes(rule.group))) groups.push(rule.group);
  }
  return { key, profile, deactivated, groups, trace: noTrace };
}

/** The mapping key of one user, as evaluatePlan gives it, without the rest of the plan (to find the account). */
export function evaluateKey(plan: Plan, user: Readonly<Record<string, unknown>>, now: Date): string | null {
  return toKey(plan.key.run({ root: user, now, timezone: plan.timezone }));
}

/** The same evaluation with traced closures: every clause and sub-expression is recorded. */
function evaluateTraced(plan: Plan, user: Readonly<Record<string, unknown>>, now: Date): Evaluation {
  const trace: TraceEntry[] = [];
  const run = (clause: string, rule: PlanRule, root: Readonly<Record<string, unknown>>) => {
    const parts: { source: string; value: unknown }[] = [];
    const ctx: EvalContext = {
      root,
      now,
      timezone: plan.timezone,
      trace: (span: Span, value: unknown) => parts.push({ source: rule.source.slice(span.start, span.end), value }),
    };
    const value = rule.traced()(ctx);
    trace.push({ clause, source: rule.source, value, parts });
    return value;
  };
  const key = toKey(run('key', plan.key, user));
  const profile: Record<string, ProfileValue> = {};
  for (const rule of plan.profile) profile[rule.field] = toProfileValue(run(`profile.${rule.field}`, rule, user));
  const deactivated = plan.deactivate ? run('deactivate.when', plan.deactivate, user) === true : false;
  const groups: string[] = [];
  plan.groups.forEach((rule, index) => {
    const holds = run(`groups[${index}] ${rule.group}`, rule, profile) === true;
    if (holds && !groups.includes(rule.group)) groups.push(rule.group);
  });
  return { key, profile, deactivated, groups, trace };
}

const noTrace: readonly TraceEntry[] = Object.freeze([]);
