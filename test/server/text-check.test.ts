// Server: NUL characters and lone surrogates are found in names and values, wherever they are.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findBadText, textProblem } from '../../server/scim/text-check.ts';

describe('textProblem', () => {
  it.each([
    ['plain', undefined],
    ['emoji 😀 pair', undefined],
    ['x\u0000y', 'a NUL character'],
    ['x\ud800y', 'a lone UTF-16 surrogate'],
    ['x\udc00', 'a lone UTF-16 surrogate'],
    ['\ud83d', 'a lone UTF-16 surrogate'],
    ['\udc00\ud800', 'a lone UTF-16 surrogate'],
  ])('%j -> %s', (text, problem) => {
    expect(textProblem(text)).toBe(problem);
  });

  it('agrees with String.prototype.isWellFormed on arbitrary strings', () => {
    const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();
    fc.assert(
      // Surrogate halves, NULs and ordinary characters (pairs included) mixed at random.
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u0000', 'a'), fc.string({ unit: 'grapheme', maxLength: 1 })) }), (s) => {
        expect(textProblem(s) === undefined).toBe(wellFormed(s) && !s.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('findBadText', () => {
  it('names the attribute path of a bad value, never the value', () => {
    expect(findBadText({ userName: 'a', emails: [{ value: 'ok' }, { value: 'b\u0000' }] })).toEqual({ where: '`emails[1].value`', problem: 'a NUL character' });
    expect(findBadText({ name: { givenName: 'x\ud800y' } })).toEqual({ where: '`name.givenName`', problem: 'a lone UTF-16 surrogate' });
  });

  it('finds bad names', () => {
    expect(findBadText({ 'titlex\ud800y': 'x' })).toEqual({ where: 'a top-level name', problem: 'a lone UTF-16 surrogate' });
    expect(findBadText({ name: { 'a\u0000': 1 } })).toEqual({ where: 'a name inside `name`', problem: 'a NUL character' });
  });

  it('names paths through lists, from a root, and the body itself', () => {
    expect(findBadText(['ok', { a: [{ b: 'x\u0000' }] }])).toEqual({ where: '`[1].a[0].b`', problem: 'a NUL character' });
    expect(findBadText({ Operations: [{ value: { 'n\u0000': 1 } }] })).toEqual({ where: 'a name inside `Operations[0].value`', problem: 'a NUL character' });
    expect(findBadText({ b: ['\ud800'] }, 'Operations[2].data')).toEqual({ where: '`Operations[2].data.b[0]`', problem: 'a lone UTF-16 surrogate' });
    expect(findBadText('x\u0000')).toEqual({ where: 'the body', problem: 'a NUL character' });
    let deep: unknown = { leaf: 'x\u0000' };
    for (let i = 0; i < 3; i++) deep = { d: [deep] };
    expect(findBadText(deep)).toEqual({ where: '`d[0].d[0].d[0].leaf`', problem: 'a NUL character' });
  });

  it('accepts clean bodies of any depth without recursion', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findBadText(deep)).toBeUndefined();
    expect(findBadText({ a: [1, true, null, { b: 'ok' }] })).toBeUndefined();
  });
});
