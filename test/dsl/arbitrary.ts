// fast-check generators for the expression language: ASTs shaped like parser output (Group
// nodes where precedence needs them), filter-syntax trees, and token soups of the grammar.

import fc from 'fast-check';
import type { CompareOp, Expr, PathExpr, PathStep } from '../../dsl/ast.ts';

const S = { start: 0, end: 0 };

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'pr', 'true', 'false', 'null', 'eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

export const nameArb: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,7}$/)
  .filter((n) => !KEYWORDS.has(n.toLowerCase()));

const URNS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:ietf:params:scim:schemas:extension:acme:2.0:User',
];

const opArb: fc.Arbitrary<CompareOp> = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');

export const literalArb: fc.Arbitrary<Expr> = fc.oneof(
  fc.string({ maxLength: 8 }).map((value): Expr => ({ kind: 'Literal', value, span: S })),
  fc.string({ unit: 'binary', maxLength: 6 }).map((value): Expr => ({ kind: 'Literal', value, span: S })),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map((value): Expr => ({ kind: 'Literal', value, span: S })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value): Expr => ({ kind: 'Literal', value, span: S })),
  fc.constantFrom(true, false, null).map((value): Expr => ({ kind: 'Literal', value, span: S })),
);

function pathArb(filterArb: fc.Arbitrary<Expr> | undefined): fc.Arbitrary<PathExpr> {
  const stepName = (first: boolean) => (first ? nameArb : fc.oneof({ weight: 5, arbitrary: nameArb }, { weight: 1, arbitrary: fc.constant('$ref') }));
  const step = (first: boolean): fc.Arbitrary<PathStep> =>
    filterArb === undefined
      ? stepName(first).map((name) => ({ name, span: S }))
      : fc
          .tuple(stepName(first), fc.option(filterArb, { freq: 3 }))
          .map(([name, filter]) => (filter === null ? { name, span: S } : { name, span: S, filter }));
  return fc
    .tuple(fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(...URNS) }), step(true), fc.array(step(false), { maxLength: 2 }))
    .map(([urn, first, rest]): PathExpr =>
      urn === null ? { kind: 'Path', steps: [first, ...rest], span: S } : { kind: 'Path', urn, steps: [first, ...rest], span: S },
    );
}

/** Trees that keep to filter syntax: what a value filter `[...]` or filter mode accepts. */
export const filterArb: fc.Arbitrary<Expr> = fc.letrec<{ filter: Expr }>((tie) => {
  const simplePath = pathArb(undefined);
  return {
    filter: fc.oneof(
      { maxDepth: 3, depthIdentifier: 'filter' },
      fc.tuple(simplePath, opArb, literalArb).map(([left, op, right]): Expr => ({ kind: 'Compare', op, left, right, opText: op, opSpan: S, span: S })),
      simplePath.map((operand): Expr => ({ kind: 'Present', operand, span: S })),
      fc
        .tuple(fc.constantFrom('and' as const, 'or' as const), tie('filter'), tie('filter'))
        .map(([op, left, right]): Expr => ({ kind: 'Logical', op, left, right, opSpan: S, span: S })),
      tie('filter').map((operand): Expr => ({ kind: 'Not', operand, span: S })),
      tie('filter').map((inner): Expr => ({ kind: 'Group', inner, span: S })),
    ),
  };
}).filter.map((e) => normalize(e));

/** PATCH paths: attribute paths with at most one value filter. */
export const patchPathArb: fc.Arbitrary<Expr> = pathArb(filterArb)
  .filter((p) => p.steps.filter((s) => s.filter !== undefined).length <= 1)
  .map((p) => normalize(p));

/** Whole-language trees. */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => {
  const path = pathArb(filterArb);
  return {
    expr: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'expr' },
      literalArb,
      path,
      fc.tuple(tie('expr'), opArb, tie('expr')).map(([left, op, right]): Expr => ({ kind: 'Compare', op, left, right, opText: op, opSpan: S, span: S })),
      tie('expr').map((operand): Expr => ({ kind: 'Present', operand, span: S })),
      fc
        .tuple(fc.constantFrom('and' as const, 'or' as const), tie('expr'), tie('expr'))
        .map(([op, left, right]): Expr => ({ kind: 'Logical', op, left, right, opSpan: S, span: S })),
      tie('expr').map((operand): Expr => ({ kind: 'Not', operand, span: S })),
      fc
        .tuple(fc.boolean(), tie('expr'), fc.array(tie('expr'), { maxLength: 3 }))
        .map(([negated, operand, items]): Expr => ({ kind: 'In', negated, operand, list: { kind: 'List', items, span: S }, span: S })),
      fc.tuple(tie('expr'), tie('expr')).map(([left, right]): Expr => ({ kind: 'Coalesce', left, right, span: S })),
      fc.tuple(nameArb, fc.array(tie('expr'), { maxLength: 3 })).map(([name, args]): Expr => ({ kind: 'Call', name, nameSpan: S, args, span: S })),
      fc.array(tie('expr'), { maxLength: 3 }).map((items): Expr => ({ kind: 'List', items, span: S })),
      tie('expr').map((inner): Expr => ({ kind: 'Group', inner, span: S })),
    ),
  };
}).expr.map((e) => normalize(e));

const OR = 1;
const AND = 2;
const NOT = 3;
const COALESCE = 5;
const PRIMARY = 6;

function level(e: Expr): number {
  switch (e.kind) {
    case 'Logical':
      return e.op === 'or' ? OR : AND;
    case 'Not':
      return NOT;
    case 'Compare':
    case 'Present':
    case 'In':
      return 4;
    case 'Coalesce':
      return COALESCE;
    default:
      return PRIMARY;
  }
}

function isBareName(e: Expr): boolean {
  return e.kind === 'Path' && e.urn === undefined && e.steps.length === 1 && e.steps[0]!.filter === undefined;
}

/**
 * Makes a tree look like parser output: `Group` nodes where precedence needs parentheses,
 * and no one-name list outside `in` (the parser reads `[dept]` as Entra syntax).
 */
export function normalize(e: Expr, min = OR, listOfIn = false): Expr {
  const n = normalizeInner(e, listOfIn);
  return level(n) < min ? { kind: 'Group', inner: n, span: S } : n;
}

function normalizeInner(e: Expr, listOfIn: boolean): Expr {
  switch (e.kind) {
    case 'Logical':
      return e.op === 'or'
        ? { ...e, left: normalize(e.left, OR), right: normalize(e.right, AND) }
        : { ...e, left: normalize(e.left, AND), right: normalize(e.right, NOT) };
    case 'Not':
      return { ...e, operand: normalize(e.operand, NOT) };
    case 'Compare':
      return { ...e, left: normalize(e.left, COALESCE), right: normalize(e.right, COALESCE) };
    case 'Present':
      return { ...e, operand: normalize(e.operand, COALESCE) };
    case 'In':
      return { ...e, operand: normalize(e.operand, COALESCE), list: normalize(e.list, COALESCE, true) };
    case 'Coalesce':
      return { ...e, left: normalize(e.left, PRIMARY), right: normalize(e.right, COALESCE) };
    case 'List': {
      const items = e.items.map((i) => normalize(i, OR));
      if (!listOfIn && items.length === 1 && isBareName(items[0]!)) items.push({ kind: 'Literal', value: 1, span: S });
      return { ...e, items };
    }
    case 'Call':
      return { ...e, args: e.args.map((a) => normalize(a, OR)) };
    case 'Group':
      return { ...e, inner: normalize(e.inner, OR) };
    case 'Path':
      return { ...e, steps: e.steps.map((s) => (s.filter ? { ...s, filter: normalize(s.filter, OR) } : s)) };
    case 'Literal':
    case 'Error':
      return e;
  }
}

const SOUP = [
  'userName', 'emails', 'value', 'type', 'members', '$ref', '__proto__', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  'urn:', 'eq', 'EQ', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not', 'in', 'true', 'null', 'false',
  '==', '!=', '<', '<=', '>', '>=', '===', '!==', '=', '&&', '||', '!', '??', '(', ')', '[', ']', ',', '.', '$', '$.',
  '"x"', "'y'", '"unterminated', '"\\q"', '1', '-2.5e3', '1e999', '2015-10-10T14:38:21Z', 'O\'Malley', 'f', '#', '@', ' ', '\n',
];

/** Grammar-token soup: sequences of the language's tokens and near misses. */
export const soupArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.constantFrom(...SOUP), { maxLength: 25 }), fc.constantFrom(' ', ''))
  .map(([parts, sep]) => parts.join(sep));
