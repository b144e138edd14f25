// Strictness of expressions in one attribute: whether a value is null, or a clause false, on
// every user who does not send that attribute. Used by condition-model.ts for opaque clauses.

import type { Expr, LiteralExpr } from './ast.ts';
import type { Analysis } from './check.ts';
import type { ResolvedPath } from './resolve.ts';
import { visit, type ExprVisitor } from './walk.ts';

/** The identity of an attribute path without filters: extension URN and step names, lowercased. */
export function variableKey(r: ResolvedPath): string {
  return `${r.urn ?? ''}:${r.steps.map((s) => s.name).join('.')}`.toLowerCase();
}

function unwrap(expr: Expr): Expr {
  return expr.kind === 'Group' ? unwrap(expr.inner) : expr;
}

type Missing = { readonly key: string; readonly paths: Analysis['paths'] };

const nullIfAny = (args: readonly Expr[], m: Missing) => args.some((a) => nullWhenMissing(a, m));
/** Functions whose result is null when one of these argument positions is null (functions.ts). */
const strictArguments: Readonly<Record<string, readonly number[]>> = {
  lower: [0],
  upper: [0],
  trim: [0],
  substring: [0, 1],
  replace: [0, 1, 2],
  split: [0, 1],
  date: [0],
  adddays: [0, 1],
};

/** Whether a value is null whenever the attribute `m.key` is missing, whatever the others hold. */
const nullRules: ExprVisitor<boolean, Missing> = {
  Path: (e, m) => {
    const r = m.paths.get(e);
    return r !== undefined && !r.steps.some((s) => s.filter) && variableKey(r) === m.key;
  },
  Group: (e, m) => nullWhenMissing(e.inner, m),
  Coalesce: (e, m) => nullWhenMissing(e.left, m) && nullWhenMissing(e.right, m),
  Call: (e, m) => {
    const name = e.name.toLowerCase();
    if (name === 'coalesce') return e.args.length > 0 && e.args.every((a) => nullWhenMissing(a, m));
    const strict = strictArguments[name];
    return strict !== undefined && nullIfAny(strict.flatMap((i) => (e.args[i] ? [e.args[i]!] : [])), m);
  },
  Literal: () => false,
  List: () => false,
  Compare: () => false,
  Present: () => false,
  Logical: () => false,
  Not: () => false,
  In: () => false,
  Error: () => false,
};

function nullWhenMissing(expr: Expr, m: Missing): boolean {
  return visit(expr, nullRules, m);
}

/** Whether a clause is false whenever `m.key` is missing: an order or text comparison, `pr` or `in` on a value null then. */
const falseRules: ExprVisitor<boolean, Missing> = {
  Compare: (e, m) => {
    if (e.op === 'ne') return false;
    if (e.op !== 'eq') return nullWhenMissing(e.left, m) || nullWhenMissing(e.right, m);
    // null eq null holds: `eq` is false only against a value that is never null.
    const value = (x: Expr) => {
      const u = unwrap(x);
      return u.kind === 'Literal' && u.value !== null;
    };
    return (nullWhenMissing(e.left, m) && value(e.right)) || (nullWhenMissing(e.right, m) && value(e.left));
  },
  Present: (e, m) => nullWhenMissing(e.operand, m),
  In: (e, m) => {
    const list = unwrap(e.list);
    // null equals a null item: only a list of non-null literals is never hit by a missing value.
    const nonNull = list.kind === 'List' && list.items.every((i) => unwrap(i).kind === 'Literal' && (unwrap(i) as LiteralExpr).value !== null);
    return !e.negated && nonNull && nullWhenMissing(e.operand, m);
  },
  Group: (e, m) => clauseFalse(e.inner, m),
  Path: () => false,
  Literal: () => false,
  List: () => false,
  Logical: () => false,
  Not: () => false,
  Coalesce: () => false,
  Call: () => false,
  Error: () => false,
};

function clauseFalse(expr: Expr, m: Missing): boolean {
  return visit(expr, falseRules, m);
}

/**
 * Whether the clause `expr` is false on every user without the attribute `key` (a variable key,
 * see `variableKey`), whatever the other attributes hold. A safe under-approximation: false
 * means "not known", never "it can hold".
 */
export function falseWhenMissing(expr: Expr, key: string, paths: Analysis['paths']): boolean {
  return clauseFalse(expr, { key, paths });
}

