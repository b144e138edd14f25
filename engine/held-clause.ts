// Plan evaluation for status reasons: which clause of the deactivation condition held for one
// user, read from the rule's traced closure (no second evaluator). Returns the clause's source text.

import type { Expr, Span } from '../dsl/ast.ts';
import type { EvalContext } from '../dsl/types.ts';
import type { PlanRule } from './plan.ts';

/** What `heldClause` reads of a compiled condition (a `PlanRule` is one). */
export type ConditionRule = Pick<PlanRule, 'source' | 'ast' | 'traced'>;

/**
 * Kinds whose value a traced closure reports (dsl/compile.ts `CompileOptions.traced`). A path,
 * literal or list reports nothing: its truth is read from whether the `or` evaluated its right.
 */
const REPORTED: ReadonlySet<Expr['kind']> = new Set(['Compare', 'Logical', 'Not', 'In', 'Present', 'Call', 'Coalesce']);

const at = (span: Span): string => `${span.start}:${span.end}`;
const unwrap = (expr: Expr): Expr => (expr.kind === 'Group' ? unwrap(expr.inner) : expr);

/**
 * The clause that made `rule` hold for `ctx.root`, as written in the tenant file, or undefined
 * when the condition does not hold. The clause of a top-level `or` (parentheses and nested
 * `or`s flattened) is its first disjunct that holds, refined again when that disjunct is itself
 * an `or`; any other condition (`and`, `not`, a comparison) is its own clause, whole: every
 * part of a conjunction is needed for it to hold. When two adjacent disjuncts are bare
 * attributes or literals (whose values the trace does not report) and the first cannot be told
 * apart from the second, the clause is the `or` of both.
 */
export function heldClause(rule: ConditionRule, ctx: Omit<EvalContext, 'trace'>): string | undefined {
  // Top-level disjuncts are evaluated once each; a node inside a value filter may report many
  // times, but it is never a disjunct.
  const reported = new Map<string, unknown>();
  const trace = (span: Span, value: unknown) => {
    if (!reported.has(at(span))) reported.set(at(span), value);
  };
  if (rule.traced()({ ...ctx, trace }) !== true) return undefined;
  let clause = unwrap(rule.ast);
  while (clause.kind === 'Logical' && clause.op === 'or') {
    const left = holds(unwrap(clause.left), unwrap(clause.right), reported);
    if (left === undefined) break;
    clause = unwrap(left ? clause.left : clause.right);
  }
  return rule.source.slice(clause.span.start, clause.span.end);
}

/** Whether the left operand of an `or` that held was true; undefined when the trace cannot tell. */
function holds(left: Expr, right: Expr, reported: ReadonlyMap<string, unknown>): boolean | undefined {
  if (reported.has(at(left.span))) return reported.get(at(left.span)) === true;
  // `left || right`: the right side runs exactly when the left one was false.
  if (reported.has(at(right.span))) return false;
  return REPORTED.has(right.kind) ? true : undefined;
}
