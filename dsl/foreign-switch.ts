// Checking of `switch` calls written as Entra ID writes them: `Switch(source, default, key1,
// value1, ...)` puts the default second, scimplan's `switch(value, key1, result1, ..., default)`
// last, so the same call computes something else. Returns the W208 warning for such a call.

import type { Expr, Span } from './ast.ts';
import { printExpression } from './print.ts';

export interface ForeignSwitch {
  readonly span: Span;
  readonly message: string;
  readonly help: string;
}

/**
 * W208 for a `switch` call that reads as Entra's `Switch`: the name is spelled other than
 * scimplan's lowercase `switch` (Entra's `Switch`, or any other capitals) and the call has
 * Entra's shape, an even number of at least 4 arguments (source, default, then key-value
 * pairs). An odd count cannot be Entra's form (Entra always takes the default), and a
 * lowercase `switch` is scimplan's own spelling: neither is reported. The help shows the call
 * rewritten in scimplan's order, and that writing `switch` in lowercase keeps the order as it is.
 */
export function foreignSwitch(expr: Extract<Expr, { kind: 'Call' }>): ForeignSwitch | undefined {
  const args = expr.args;
  if (expr.name === 'switch' || expr.name.toLowerCase() !== 'switch') return undefined;
  if (args.length < 4 || args.length % 2 !== 0) return undefined;
  const [source, fallback, ...pairs] = args.map(printExpression);
  const rewritten = `switch(${[source, ...pairs, fallback].join(', ')})`;
  return {
    span: expr.nameSpan,
    message: `\`${expr.name}\` is spelled as in Entra ID, where the default comes second; scimplan's \`switch\` takes it last and reads \`${fallback}\` as the first key`,
    help: `in Entra ID's order, write \`${rewritten}\`; if the order is already scimplan's, write the name in lowercase: \`switch\``,
  };
}
