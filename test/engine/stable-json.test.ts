// stableJson / sameStableJson: key-order-independent equality of JSON values (feed imports, attribute sources).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameStableJson, stableJson } from '../../engine/feed-outcome.ts';

describe('stableJson', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [[], '[]'],
    [{}, '{}'],
    ['q"', '"q\\""'],
    [undefined, 'null'],
    [{ a: undefined }, '{"a":null}'],
  ])('%j -> %s', (value, text) => {
    expect(stableJson(value)).toBe(text);
  });
});

describe('sameStableJson', () => {
  it.each([
    ['1', 1, false],
    ['a', 'a', true],
    ['null', null, false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: undefined }, { a: null }, true],
    [0, -0, true],
  ])('%j and %j -> %s', (a, b, same) => {
    expect(sameStableJson(a, b)).toBe(same);
  });

  it('is stableJson(a) === stableJson(b) on arbitrary JSON', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('1', 'true', 'null', '"x"', '[]', '{}'));
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameStableJson(a, b)).toBe(stableJson(a) === stableJson(b));
        expect(sameStableJson(a, structuredClone(a))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
