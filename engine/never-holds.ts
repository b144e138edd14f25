// Finds group-rule conditions that can never hold: a literal false, `x in []`, and
// conjunctions that demand two different values of one field (`a eq "x" and a eq "y"`).

import type { CompareExpr, Expr } from '../dsl/ast.ts';
import { printExpression } from '../dsl/print.ts';
import { visit, type ExprVisitor } from '../dsl/walk.ts';

export interface NeverHolds {
  readonly node: Expr;
  readonly reason: string;
}

export function findNeverHolds(expr: Expr): NeverHolds[] {
  const found: NeverHolds[] = [];
  visit(expr, neverRules, found);
  return found;
}

const nothing = (): void => undefined;

const neverRules: ExprVisitor<void, NeverHolds[]> = {
  Literal: (expr, found) => {
    if (expr.value === false || expr.value === null) found.push({ node: expr, reason: `it is always \`${String(expr.value)}\`` });
  },
  In: (expr, found) => {
    if (!expr.negated && expr.list.kind === 'List' && expr.list.items.length === 0) {
      found.push({ node: expr, reason: 'the list is empty' });
    }
  },
  Group: (expr, found) => visit(expr.inner, neverRules, found),
  Logical: (expr, found) => {
    if (expr.op === 'or') {
      const left = findNeverHolds(expr.left);
      const right = findNeverHolds(expr.right);
      if (left.length > 0 && right.length > 0) found.push(...left, ...right);
      return;
    }
    const conjuncts = flattenAnd(expr);
    const contradiction = contradictoryEquals(conjuncts);
    if (contradiction) {
      found.push(contradiction);
      return;
    }
    for (const c of conjuncts) visit(c, neverRules, found);
  },
  Path: nothing,
  List: nothing,
  Compare: nothing,
  Present: nothing,
  Not: nothing,
  Coalesce: nothing,
  Call: nothing,
  Error: nothing,
};

function flattenAnd(expr: Expr): Expr[] {
  if (expr.kind === 'Group') return flattenAnd(expr.inner);
  if (expr.kind === 'Logical' && expr.op === 'and') return [...flattenAnd(expr.left), ...flattenAnd(expr.right)];
  return [expr];
}

function contradictoryEquals(conjuncts: readonly Expr[]): NeverHolds | undefined {
  const equals = new Map<string, { value: string; node: CompareExpr }>();
  for (const c of conjuncts) {
    if (c.kind !== 'Compare' || c.op !== 'eq') continue;
    const [path, literal] = c.left.kind === 'Path' ? [c.left, c.right] : [c.right, c.left];
    if (path.kind !== 'Path' || literal.kind !== 'Literal' || literal.value === null) continue;
    const field = printExpression(path).toLowerCase();
    const value = String(literal.value).toLowerCase();
    const earlier = equals.get(field);
    if (earlier && earlier.value !== value) {
      return { node: c, reason: `\`${printExpression(path)}\` cannot equal two different values at once` };
    }
    equals.set(field, { value, node: c });
  }
  return undefined;
}
