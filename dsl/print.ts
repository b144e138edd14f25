// Printing stage of the expression language: AST -> canonical source text (word operators,
// double-quoted strings). parseExpression(printExpression(ast)) gives the same tree modulo
// spans, operator spellings (`==` prints as `eq`) and `bare` (unquoted values print quoted).

import { assertNever, type Expr } from './ast.ts';

// Binding strength, weakest first; mirrors grammar.ts.
const OR = 1;
const AND = 2;
const NOT = 3;
const COMPARE = 4;
const COALESCE = 5;
const PRIMARY = 6;

function level(expr: Expr): number {
  switch (expr.kind) {
    case 'Logical':
      return expr.op === 'or' ? OR : AND;
    case 'Not':
      return NOT;
    case 'Compare':
    case 'Present':
    case 'In':
      return COMPARE;
    case 'Coalesce':
      return COALESCE;
    default:
      return PRIMARY;
  }
}

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
  const text = printBare(expr);
  return level(expr) < min ? `(${text})` : text;
}

function printBare(expr: Expr): string {
  switch (expr.kind) {
    case 'Logical':
      return expr.op === 'or'
        ? `${print(expr.left, OR)} or ${print(expr.right, AND)}`
        : `${print(expr.left, AND)} and ${print(expr.right, NOT)}`;
    case 'Not':
      return `not ${print(expr.operand, NOT)}`;
    case 'Compare':
      return `${print(expr.left, COALESCE)} ${expr.op} ${print(expr.right, COALESCE)}`;
    case 'Present':
      return `${print(expr.operand, COALESCE)} pr`;
    case 'In':
      return `${print(expr.operand, COALESCE)} ${expr.negated ? 'not in' : 'in'} ${print(expr.list, COALESCE)}`;
    case 'Coalesce':
      return `${print(expr.left, PRIMARY)} ?? ${print(expr.right, COALESCE)}`;
    case 'Literal': {
      const v = expr.value;
      if (typeof v === 'string') return JSON.stringify(v);
      if (typeof v === 'number') return printNumber(v);
      return String(v);
    }
    case 'List':
      return `[${expr.items.map((item) => print(item, OR)).join(', ')}]`;
    case 'Call':
      return `${expr.name}(${expr.args.map((arg) => print(arg, OR)).join(', ')})`;
    case 'Group':
      return `(${print(expr.inner, OR)})`;
    case 'Path': {
      const steps = expr.steps.map((s) => (s.filter ? `${s.name}[${print(s.filter, OR)}]` : s.name)).join('.');
      return expr.urn === undefined ? steps : `${expr.urn}:${steps}`;
    }
    case 'Error':
      return '<error>';
    default:
      return assertNever(expr);
  }
}

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
