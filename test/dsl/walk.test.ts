// The shared tree walker: children in source order, visitor dispatch, pre-order walk.

import { describe, expect, it } from 'vitest';
import type { Expr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { printExpression } from '../../dsl/print.ts';
import { children, someNode, visit, walk, type ExprVisitor } from '../../dsl/walk.ts';

const parse = (source: string): Expr => parseExpression(source).ast;

describe('walk', () => {
  it('lists children in source order, value-path filters included', () => {
    const e = parse('concat(emails[type eq "work"].value, "x") ?? userName');
    expect(children(e).map(printExpression)).toEqual(['concat(emails[type eq "work"].value, "x")', 'userName']);
    const call = children(e)[0]!;
    const path = children(call)[0]!;
    expect(children(path).map(printExpression)).toEqual(['type eq "work"']);
  });

  it('walks in pre-order and can skip a subtree', () => {
    const e = parse('a eq 1 and not (b[c pr] pr)');
    const all: string[] = [];
    walk(e, (n) => void all.push(n.kind));
    expect(all).toEqual(['Logical', 'Compare', 'Path', 'Literal', 'Not', 'Group', 'Present', 'Path', 'Present', 'Path']);
    const outer: string[] = [];
    walk(e, (n) => (outer.push(n.kind), n.kind !== 'Path'));
    expect(outer).toEqual(['Logical', 'Compare', 'Path', 'Literal', 'Not', 'Group', 'Present', 'Path']);
  });

  it('someNode finds a descendant', () => {
    expect(someNode(parse('lower(x) eq now()'), (n) => n.kind === 'Call' && n.name === 'now')).toBe(true);
    expect(someNode(parse('lower(x) eq "a"'), (n) => n.kind === 'Call' && n.name === 'now')).toBe(false);
  });

  it('visit dispatches on kind with a context', () => {
    const depth: ExprVisitor<number, number> = {
      Path: (_, d) => d,
      Literal: (_, d) => d,
      List: (_, d) => d,
      Compare: (n, d) => Math.max(visit(n.left, depth, d + 1), visit(n.right, depth, d + 1)),
      Present: (n, d) => visit(n.operand, depth, d + 1),
      Logical: (n, d) => Math.max(visit(n.left, depth, d + 1), visit(n.right, depth, d + 1)),
      Not: (n, d) => visit(n.operand, depth, d + 1),
      In: (_, d) => d,
      Coalesce: (_, d) => d,
      Call: (_, d) => d,
      Group: (n, d) => visit(n.inner, depth, d + 1),
      Error: (_, d) => d,
    };
    expect(visit(parse('a eq 1 or (b pr)'), depth, 0)).toBe(3);
  });
});
