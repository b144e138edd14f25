// sameJson: key-order-independent equality of JSON values (feed imports, attribute sources),
// checked against the JSON text of each value with its keys sorted (stableJson, the definition).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameJson } from '../../engine/same-json.ts';

/** Key-order-independent JSON text: undefined is null, keys sorted. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + stableJson(value[i]);
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += `${i > 0 ? ',' : ''}${JSON.stringify(keys[i])}:${stableJson((value as Record<string, unknown>)[keys[i]!])}`;
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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

/** `value` with every object's keys in reverse order. */
const reordered = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reordered)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]))
      : value;

describe('sameJson', () => {
  it.each([
    ['1', 1, false],
    ['a', 'a', true],
    ['null', null, false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: undefined }, { a: null }, true],
    [0, -0, true],
    [{ a: undefined }, {}, false],
    [[undefined], [null], true],
    [{ a: [1, { b: 2, c: 3 }] }, { a: [1, { c: 3, b: 2 }] }, true],
    [{ a: 1 }, [1], false],
    [{}, [], false],
  ])('%j and %j -> %s', (a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
  });

  it('is stableJson(a) === stableJson(b) on arbitrary JSON', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('1', 'true', 'null', '"x"', '[]', '{}'));
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(stableJson(a) === stableJson(b));
        expect(sameJson(a, structuredClone(a))).toBe(true);
        expect(sameJson(a, reordered(a))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
