// Property tests of the parse and print stages: print -> parse round trips of random trees,
// and arbitrary strings never make the parser throw.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr, Span } from '../../dsl/ast.ts';
import { parseExpression, type ParseMode } from '../../dsl/parse.ts';
import { printExpression, sameTree, stripSpans } from '../../dsl/print.ts';
import { exprArb, filterArb, patchPathArb, soupArb } from './arbitrary.ts';

function walk(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'Compare':
    case 'Logical':
    case 'Coalesce':
      walk(e.left, visit);
      walk(e.right, visit);
      return;
    case 'Not':
    case 'Present':
      walk(e.operand, visit);
      return;
    case 'In':
      walk(e.operand, visit);
      walk(e.list, visit);
      return;
    case 'List':
      e.items.forEach((i) => walk(i, visit));
      return;
    case 'Call':
      e.args.forEach((a) => walk(a, visit));
      return;
    case 'Group':
      walk(e.inner, visit);
      return;
    case 'Path':
      for (const s of e.steps) if (s.filter) walk(s.filter, visit);
      return;
    default:
      return;
  }
}

function within(span: Span, length: number): boolean {
  return span.start >= 0 && span.start <= span.end && span.end <= length;
}

/** What must hold for any input: no throw, sane spans, Error nodes only with diagnostics. */
function checkAnyInput(source: string): void {
  for (const mode of ['expression', 'filter', 'path'] as ParseMode[]) {
    const { ast, diagnostics } = parseExpression(source, mode);
    for (const d of diagnostics) expect(within(d.span, source.length), JSON.stringify(d)).toBe(true);
    let errors = 0;
    walk(ast, (e) => {
      expect(within(e.span, source.length)).toBe(true);
      if (e.kind === 'Error') errors++;
    });
    if (diagnostics.length === 0) {
      expect(errors).toBe(0);
      // A clean parse prints back to a source that parses to the same tree.
      const again = parseExpression(printExpression(ast), mode);
      expect(again.diagnostics).toEqual([]);
      expect(stripSpans(again.ast)).toEqual(stripSpans(ast));
    }
  }
}

describe('print -> parse round trip', () => {
  it('random expression trees', () => {
    fc.assert(
      fc.property(exprArb, (tree) => {
        const source = printExpression(tree);
        const { ast, diagnostics } = parseExpression(source);
        expect(diagnostics, source).toEqual([]);
        expect(stripSpans(ast), source).toEqual(stripSpans(tree));
      }),
      { numRuns: 500 },
    );
  });

  it('random filter trees, in filter mode as well', () => {
    fc.assert(
      fc.property(filterArb, (tree) => {
        const source = printExpression(tree);
        for (const mode of ['expression', 'filter'] as const) {
          const { ast, diagnostics } = parseExpression(source, mode);
          expect(diagnostics, source).toEqual([]);
          expect(sameTree(ast, tree), source).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('path mode round trip', () => {
  it('random PATCH paths', () => {
    fc.assert(
      fc.property(patchPathArb, (tree) => {
        const source = printExpression(tree);
        const { ast, diagnostics } = parseExpression(source, 'path');
        expect(diagnostics, source).toEqual([]);
        expect(sameTree(ast, tree), source).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('arbitrary input never throws', () => {
  it('fc.string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), checkAnyInput), { numRuns: 300 });
  });

  it('full unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), checkAnyInput), { numRuns: 300 });
  });

  it('grammar-token soup', () => {
    fc.assert(fc.property(soupArb, checkAnyInput), { numRuns: 1_000 });
  });
});
