// The one traversal of the syntax tree: `children` lists a node's sub-expressions, `visit`
// dispatches on `kind` through a visitor record, and `walk` / `someNode` go down the tree.

import type { Expr } from './ast.ts';

/** The node type of one `kind`. */
export type ExprOf<K extends Expr['kind']> = Extract<Expr, { kind: K }>;

/**
 * One handler per node kind (kysely's `OperationNodeVisitor` shape): a new kind fails to
 * compile wherever a visitor does not handle it. `C` is a context passed through unchanged.
 */
export type ExprVisitor<R, C = void> = { readonly [K in Expr['kind']]: (node: ExprOf<K>, context: C) => R };

/** Calls the visitor's handler for `expr.kind`. */
export function visit<R, C>(expr: Expr, visitor: ExprVisitor<R, C>, context: C): R;
export function visit<R>(expr: Expr, visitor: ExprVisitor<R, void>): R;
export function visit<R, C>(expr: Expr, visitor: ExprVisitor<R, C>, context?: C): R {
  const handler = visitor[expr.kind] as (node: Expr, context: C) => R;
  return handler(expr, context as C);
}

const none: readonly Expr[] = [];

const childrenVisitor: ExprVisitor<readonly Expr[]> = {
  Path: (e) => e.steps.flatMap((s) => (s.filter ? [s.filter] : none)),
  Literal: () => none,
  List: (e) => e.items,
  Compare: (e) => [e.left, e.right],
  Present: (e) => [e.operand],
  Logical: (e) => [e.left, e.right],
  Not: (e) => [e.operand],
  In: (e) => [e.operand, e.list],
  Coalesce: (e) => [e.left, e.right],
  Call: (e) => e.args,
  Group: (e) => [e.inner],
  Error: () => none,
};

/** The direct sub-expressions of a node, in source order (value-path filters of a path included). */
export function children(expr: Expr): readonly Expr[] {
  return visit(expr, childrenVisitor);
}

/**
 * Visits `expr` and its descendants in pre-order. Returning `false` from `enter` skips the
 * node's children (for example to leave value-path filters, which have their own scope).
 */
export function walk(expr: Expr, enter: (node: Expr) => boolean | void): void {
  if (enter(expr) === false) return;
  for (const child of children(expr)) walk(child, enter);
}

/** Whether `expr` or any descendant satisfies `test`. */
export function someNode(expr: Expr, test: (node: Expr) => boolean): boolean {
  if (test(expr)) return true;
  return children(expr).some((child) => someNode(child, test));
}
