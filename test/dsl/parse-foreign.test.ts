// Foreign habits the parser explains with one E102 and no cascade: `||` where a value is
// meant, SQL's `in ('A', 'B')`, and Okta's dotted functions (`String.toLowerCase(x)`).

import { describe, expect, it } from 'vitest';
import type { Span } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';

const text = (source: string, span: Span) => source.slice(span.start, span.end);

/** Every diagnostic as [code, the text it points at, help]. */
function found(source: string, expect_?: 'value' | 'condition'): [string, string, string | undefined][] {
  return parseExpression(source, 'expression', expect_).diagnostics.map((d) => [d.code, text(source, d.span), d.help]);
}

describe('`||` in a value', () => {
  it('suggests `??` with the fixed form', () => {
    expect(found('displayName || userName', 'value')).toEqual([
      ['E102', '||', 'for a fallback value write `??`: `displayName ?? userName` (`or` only joins conditions)'],
    ]);
  });

  it('fixes a whole chain, and only the `||`s', () => {
    const source = 'nickName || displayName || "a||b"';
    const helps = parseExpression(source, 'expression', 'value').diagnostics.map((d) => d.help);
    expect(helps).toEqual([
      'for a fallback value write `??`: `nickName ?? displayName` (`or` only joins conditions)',
      'for a fallback value write `??`: `nickName ?? displayName ?? "a||b"` (`or` only joins conditions)',
    ]);
  });

  it('stays `or` in a condition and where the use is not known', () => {
    expect(found('a pr || b pr', 'condition')).toEqual([['E102', '||', 'use `or`']]);
    expect(found('a pr || b pr')).toEqual([['E102', '||', 'use `or`']]);
  });
});

describe('SQL lists', () => {
  it.each([
    ["department in ('A', 'B')", "write `department in ['A', 'B']`"],
    ['enterprise.department not in ("A")', 'write `enterprise.department not in ["A"]`'],
    ['lower(title) in ("a", "b")', 'write `in ["a", "b"]`'],
  ])('%s points at the `(`', (source, help) => {
    expect(found(source, 'condition')).toEqual([['E102', '(', help]]);
    expect(parseExpression(source).diagnostics[0]!.message).toBe('a list is written in square brackets `[...]`, not in parentheses');
  });

  it('leaves a parenthesised list or attribute alone', () => {
    expect(found('department in (["A", "B"])')).toEqual([]);
    expect(found('"x" in (emails.value)')).toEqual([]);
  });

  it('still reports a syntax error after the list', () => {
    expect(found("department in ('A', 'B') and eq").map(([code, at]) => [code, at])).toEqual([
      ['E102', '('],
      ['E101', 'eq'],
    ]);
  });
});

describe("Okta's dotted functions", () => {
  it.each([
    ['String.toLowerCase(title)', 'String.toLowerCase', 'in scimplan write `lower(text)`'],
    ['String.join(",", title, userName)', 'String.join', 'in scimplan write `join(separator, a, b, ...)`'],
    ['String.substringBefore(userName, "@")', 'String.substringBefore', undefined],
  ])('%s', (source, name, help) => {
    const r = parseExpression(source, 'expression', 'value');
    expect(r.diagnostics.map((d) => [d.code, text(source, d.span)])).toEqual([['E102', name]]);
    expect(r.diagnostics[0]!.message).toBe(`\`${name}\` is Okta's expression language, not a scimplan function`);
    if (help) expect(r.diagnostics[0]!.help).toBe(help);
    else expect(r.diagnostics[0]!.help).toMatch(/^scimplan has no `substringBefore`/);
  });

  it('leaves unknown dotted names to the syntax error', () => {
    expect(found('Foo.bar(title)').map(([code]) => code)).toEqual(['E101']);
  });
});
