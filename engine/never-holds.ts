// Finds group-rule conditions that can never hold (W502): a conjunction no profile can satisfy
// under SCIM semantics, an `or` whose every branch is one. Returns the clauses to point at.

import type { Expr } from '../dsl/ast.ts';
import type { Analysis } from '../dsl/check.ts';
import { modelConjunction, satisfiable } from '../dsl/condition-model.ts';
import { printExpression } from '../dsl/print.ts';
import { visit, type ExprVisitor } from '../dsl/walk.ts';

export interface NeverHolds {
  readonly node: Expr;
  readonly reason: string;
}

/**
 * The parts of `analysis.expr` (a checked condition) that can never hold. Non-empty only when
 * the whole condition can never hold: no value of its fields (missing included) satisfies it.
 * Decided exactly over `eq`/`ne`/`in`/`not in`/`pr`/`not`/`and`/`or` against literals
 * (case-insensitive unless caseExact); any other clause counts as free, so a rule is never
 * reported that some profile satisfies. A conjunction points at its first conjunct that makes
 * the ones before it unsatisfiable; an `or` at the parts of every branch.
 */
export function findNeverHolds(analysis: Analysis): NeverHolds[] {
  return neverIn(analysis, analysis.expr);
}

function neverIn(analysis: Analysis, expr: Expr): NeverHolds[] {
  return visit(expr, neverRules, analysis);
}

const atom = (expr: Expr, analysis: Analysis): NeverHolds[] => {
  if (unsatisfiable(analysis, [expr]) !== true) return [];
  if (expr.kind === 'Literal') return [{ node: expr, reason: `it is always \`${String(expr.value)}\`` }];
  if (expr.kind === 'In' && !expr.negated && expr.list.kind === 'List' && expr.list.items.length === 0) return [{ node: expr, reason: 'the list is empty' }];
  return [{ node: expr, reason: 'no value satisfies it' }];
};

const neverRules: ExprVisitor<NeverHolds[], Analysis> = {
  Group: (expr, analysis) => neverIn(analysis, expr.inner),
  Logical: (expr, analysis) => {
    if (expr.op === 'or') {
      const left = neverIn(analysis, expr.left);
      const right = neverIn(analysis, expr.right);
      return left.length > 0 && right.length > 0 ? [...left, ...right] : [];
    }
    return conjunction(analysis, flattenAnd(expr));
  },
  Not: atom,
  Compare: atom,
  In: atom,
  Present: atom,
  Literal: atom,
  Path: atom,
  List: atom,
  Coalesce: atom,
  Call: atom,
  Error: () => [],
};

function conjunction(analysis: Analysis, conjuncts: readonly Expr[]): NeverHolds[] {
  if (unsatisfiable(analysis, conjuncts) !== true) return [];
  for (let k = 0; k < conjuncts.length; k++) {
    const culprit = conjuncts[k]!;
    const alone = neverIn(analysis, culprit);
    if (alone.length > 0) return alone;
    if (unsatisfiable(analysis, conjuncts.slice(0, k + 1)) !== true) continue;
    const partner = conjuncts.slice(0, k).find((c) => unsatisfiable(analysis, [c, culprit]) === true);
    const reason = partner
      ? `it contradicts \`${printExpression(partner)}\``
      : `it contradicts \`${conjuncts.slice(0, k).map(printExpression).join(' and ')}\``;
    return [{ node: culprit, reason }];
  }
  return [];
}

/** True when no point of the model satisfies every one of `conjuncts`; undefined beyond the search budget. */
function unsatisfiable(analysis: Analysis, conjuncts: readonly Expr[]): boolean | undefined {
  const verdict = satisfiable(modelConjunction(analysis, conjuncts).model);
  return verdict === 'unknown' ? undefined : verdict === 'no';
}

function flattenAnd(expr: Expr): Expr[] {
  if (expr.kind === 'Group') return flattenAnd(expr.inner);
  if (expr.kind === 'Logical' && expr.op === 'and') return [...flattenAnd(expr.left), ...flattenAnd(expr.right)];
  return [expr];
}
