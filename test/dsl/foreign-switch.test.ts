// W208: a `Switch` spelled and shaped as Entra ID's (default second) is reported at its name,
// with a help whose rewritten call computes what Entra's call computed; scimplan's own
// lowercase `switch` and calls Entra cannot have written are not reported.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkExpression } from '../../dsl/check.ts';
import { compileExpression } from '../../dsl/compile.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { ctxFor, userScope } from './reference-interpreter.ts';

const w208 = (source: string) => {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  return checkExpression(ast, userScope, 'value').diagnostics.filter((d) => d.code === 'W208');
};

/** Entra ID's `Switch(source, defaultValue, key1, value1, ...)`, as Microsoft documents it. */
function entraSwitch(source: string, fallback: string, pairs: readonly (readonly [string, string])[]): string {
  return pairs.find(([key]) => key === source)?.[1] ?? fallback;
}

describe('W208 entra-switch-order', () => {
  it('points at the name of an Entra-shaped `Switch` and shows the call in scimplan order', () => {
    const source = 'concat("r-", Switch(title, "Other", "CFO", "Board", "CEO", "Board"))';
    const [d, ...more] = w208(source);
    expect(more).toEqual([]);
    expect(source.slice(d!.span.start, d!.span.end)).toBe('Switch');
    expect(d!.message).toContain('`"Other"` as the first key');
    expect(d!.help).toContain('`switch(title, "CFO", "Board", "CEO", "Board", "Other")`');
    expect(d!.help).toContain('lowercase');
  });

  it('is reported for any capitals, nested in other calls and conditions', () => {
    expect(w208('SWITCH(title, "x", "a", "b")')).toHaveLength(1);
    expect(w208('lower(sWitch(title, "x", "a", "b") ?? userName)')).toHaveLength(1);
    const { ast } = parseExpression('Switch(title, "x", "a", "b") eq "b"');
    expect(checkExpression(ast, userScope, 'condition').diagnostics.map((d) => d.code)).toEqual(['W208']);
  });

  it('is not reported for scimplan\'s spelling or for a shape Entra cannot have written', () => {
    expect(w208('switch(title, "CFO", "Board", "Other")')).toEqual([]);
    expect(w208('switch(title, "Other", "CFO", "Board")')).toEqual([]);
    expect(w208('Switch(title, "CFO", "Board")')).toEqual([]);
    expect(w208('Switch(title, "CFO", "Board", "CEO", "Board")')).toEqual([]);
  });

  it('the rewritten call computes what the Entra call computed, for any keys and value', () => {
    const text = fc.constantFrom('A', 'B', 'C', 'a', '');
    fc.assert(
      fc.property(text, text, fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 4 }), (title, fallback, pairs) => {
        const args = ['title', JSON.stringify(fallback), ...pairs.flatMap(([k, v]) => [JSON.stringify(k), JSON.stringify(v)])];
        const [d] = w208(`Switch(${args.join(', ')})`);
        const rewritten = /`(switch\(.*?\))`/.exec(d!.help!)![1]!;
        const { ast } = parseExpression(rewritten);
        const got = compileExpression(ast, userScope, 'value')(ctxFor({ userName: 'u', title }));
        const expected = entraSwitch(title, fallback, pairs);
        expect(got).toBe(expected);
      }),
    );
  });
});
