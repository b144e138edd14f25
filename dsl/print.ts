// Printing stage of the expression language: AST -> canonical source text (word operators,
// double-quoted strings). parseExpression(printExpression(ast)) gives the same tree modulo
// spans, operator spellings (`==` prints as `eq`) and `bare` (unquoted values print quoted).

import type { Expr } from './ast.ts';
import { visit, type ExprVisitor } from './walk.ts';

// Binding strength, weakest first; mirrors grammar.ts.
const OR = 1;
const AND = 2;
const NOT = 3;
const COMPARE = 4;
const COALESCE = 5;
const PRIMARY = 6;

const levels: ExprVisitor<number> = {
  Logical: (e) => (e.op === 'or' ? OR : AND),
  Not: () => NOT,
  Compare: () => COMPARE,
  Present: () => COMPARE,
  In: () => COMPARE,
  Coalesce: () => COALESCE,
  Path: () => PRIMARY,
  Literal: () => PRIMARY,
  List: () => PRIMARY,
  Call: () => PRIMARY,
  Group: () => PRIMARY,
  Error: () => PRIMARY,
};

function printNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/**
 * Canonical source of `expr`. A tree that came from the parser prints without added
 * parentheses (its `Group` nodes carry them); a hand-built tree gets parentheses where the
 * precedence needs them. An `Error` node prints as `<error>`, which does not parse.
 */
export function printExpression(expr: Expr): string {
  return print(expr, OR);
}

function print(expr: Expr, min: number): string {
  const text = visit(expr, printer);
  return visit(expr, levels) < min ? `(${text})` : text;
}

const printer: ExprVisitor<string> = {
  Logical: (e) => (e.op === 'or' ? `${print(e.left, OR)} or ${print(e.right, AND)}` : `${print(e.left, AND)} and ${print(e.right, NOT)}`),
  Not: (e) => `not ${print(e.operand, NOT)}`,
  Compare: (e) => `${print(e.left, COALESCE)} ${e.op} ${print(e.right, COALESCE)}`,
  Present: (e) => `${print(e.operand, COALESCE)} pr`,
  In: (e) => `${print(e.operand, COALESCE)} ${e.negated ? 'not in' : 'in'} ${print(e.list, COALESCE)}`,
  Coalesce: (e) => `${print(e.left, PRIMARY)} ?? ${print(e.right, COALESCE)}`,
  Literal: (e) => {
    const v = e.value;
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number') return printNumber(v);
    return String(v);
  },
  List: (e) => `[${e.items.map((item) => print(item, OR)).join(', ')}]`,
  Call: (e) => `${e.name}(${e.args.map((arg) => print(arg, OR)).join(', ')})`,
  Group: (e) => `(${print(e.inner, OR)})`,
  Path: (e) => {
    const steps = e.steps.map((s) => (s.filter ? `${s.name}[${print(s.filter, OR)}]` : s.name)).join('.');
    return e.urn === undefined ? steps : `${e.urn}:${steps}`;
  },
  Error: () => '<error>',
};

const IGNORED_KEYS = new Set(['span', 'opSpan', 'nameSpan', 'opText', 'bare']);

/**
 * A deep copy of `expr` without positions and spellings (`span`, `opSpan`, `nameSpan`,
 * `opText`, `bare`): what "the same tree" means for parse/print round trips.
 */
export function stripSpans(expr: Expr): unknown {
  return strip(expr);
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (IGNORED_KEYS.has(key) || v === undefined) continue;
      out[key] = strip(v);
    }
    return out;
  }
  return value;
}

/** Structural equality modulo spans and spellings (see `stripSpans`). */
export function sameTree(a: Expr, b: Expr): boolean {
  return JSON.stringify(stripSpans(a)) === JSON.stringify(stripSpans(b));
}
