// Whether an expression depends on the clock: a call of now() or today() anywhere in the
// tree, value filters included. The checker records it in the Analysis.

import type { Expr } from './ast.ts';
import { someNode } from './walk.ts';

/** True when `expr` calls now() or today() anywhere, filters included. */
export function dependsOnTime(expr: Expr): boolean {
  return someNode(expr, (node) => {
    if (node.kind !== 'Call') return false;
    const name = node.name.toLowerCase();
    return name === 'now' || name === 'today';
  });
}
