// The part of an expression's syntax tree under a cursor: a function name, or one step of an
// attribute path. Read from the parser's tree with the shared walker.

import type { CallExpr, PathExpr } from '../../dsl/ast.ts';
import { walk } from '../../dsl/walk.ts';
import type { ParsedExpression } from '../parse-expressions.ts';

export type NodeAt =
  | { readonly kind: 'function'; readonly call: CallExpr }
  | { readonly kind: 'step'; readonly path: PathExpr; readonly index: number };

const holds = (span: { start: number; end: number }, at: number) => span.start <= at && at <= span.end && span.end > span.start;

/** The innermost function name or path step at offset `at` of the expression's text. */
export function nodeAt(expr: ParsedExpression, at: number): NodeAt | undefined {
  let found: NodeAt | undefined;
  walk(expr.ast, (node) => {
    if (!holds(node.span, at)) return false;
    if (node.kind === 'Call' && holds(node.nameSpan, at)) found = { kind: 'function', call: node };
    if (node.kind === 'Path') {
      const index = node.steps.findIndex((s) => holds(s.span, at));
      if (index >= 0) found = { kind: 'step', path: node, index };
    }
    return true;
  });
  return found;
}
