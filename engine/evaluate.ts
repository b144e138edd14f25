// Plan evaluation: one SCIM user at one moment -> key, profile, deactivation and groups.
// Pure and synchronous; the server calls it inside its transaction, the CLI for explain/test.

import type { Span } from '../dsl/ast.ts';
import { compileExpression } from '../dsl/compile.ts';
import type { Compiled, EvalContext, Scope } from '../dsl/types.ts';
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
  const trace: TraceEntry[] = [];
  const run = (clause: string, rule: PlanRule, root: Readonly<Record<string, unknown>>, scope: Scope, expect: 'condition' | 'value') => {
    if (!options.trace) return rule.run({ root, now, timezone: plan.timezone });
    const parts: { source: string; value: unknown }[] = [];
    const ctx: EvalContext = {
      root,
      now,
      timezone: plan.timezone,
      trace: (span: Span, value: unknown) => parts.push({ source: rule.source.slice(span.start, span.end), value }),
    };
    const value = traced(rule, scope, expect)(ctx);
    trace.push({ clause, source: rule.source, value, parts });
    return value;
  };

  const key = toKey(run('key', plan.key, user, plan.userScope, 'value'));

  const profile: Record<string, ProfileValue> = {};
  for (const rule of plan.profile) {
    const value = toScalar(run(`profile.${rule.field}`, rule, user, plan.userScope, 'value'));
    Object.defineProperty(profile, rule.field, { value, enumerable: true, writable: true, configurable: true });
  }

  const deactivated = plan.deactivate ? run('deactivate.when', plan.deactivate, user, plan.userScope, 'condition') === true : false;

  const groups: string[] = [];
  plan.groups.forEach((rule, index) => {
    const holds = run(`groups[${index}] ${rule.group}`, rule, profile, plan.profileScope, 'condition') === true;
    if (holds && !groups.includes(rule.group)) groups.push(rule.group);
  });

  return { key, profile, deactivated, groups, trace };
}

const tracedClosures = new WeakMap<PlanRule, Compiled>();

function traced(rule: PlanRule, scope: Scope, expect: 'condition' | 'value'): Compiled {
  const cached = tracedClosures.get(rule);
  if (cached) return cached;
  const closure: Compiled = compileExpression(rule.ast, scope, expect, { traced: true });
  tracedClosures.set(rule, closure);
  return closure;
}
