// The function table: each implementation over ordinary and wrong runtime values (total, never
// throwing), and the date helpers in a time zone with DST.

import { describe, expect, test } from 'vitest';
import { functionNames, joinTypes, lookupFunction } from '../../dsl/functions.ts';
import type { EvalContext } from '../../dsl/types.ts';
import { compareValues, isPresent, parseDateTime } from '../../dsl/values.ts';

const ctx: EvalContext = { root: {}, now: new Date('2026-03-29T12:00:00Z'), timezone: 'Europe/Amsterdam' };
const call = (name: string, ...args: unknown[]) => {
  const fn = lookupFunction(name);
  if (!fn) throw new Error(`no ${name}`);
  return fn.impl(args, ctx);
};

describe('implementations', () => {
  test.each<[string, unknown[], unknown]>([
    ['lower', ['AbC'], 'abc'],
    ['LOWER', ['AbC'], 'abc'],
    ['upper', ['abc'], 'ABC'],
    ['trim', ['  a b  '], 'a b'],
    ['concat', ['a', null, 1, true], 'a1true'],
    ['concat', ['a', { x: 1 }], null],
    ['join', [', ', 'a', null, ['b', null, 'c'], 2], 'a, b, c, 2'],
    ['join', ['-', [{ value: 'x' }, { value: 'y' }]], 'x-y'],
    ['join', [null, 'a'], null],
    ['coalesce', [null, '', [], 'x', 'y'], 'x'],
    ['coalesce', [null, ''], ''],
    ['coalesce', [null, undefined], null],
    ['substring', ['abcdef', 2], 'cdef'],
    ['substring', ['abcdef', 2, 3], 'cde'],
    ['substring', ['abcdef', -5, 2], 'ab'],
    ['substring', ['abcdef', 10, 2], ''],
    ['substring', ['abcdef', 1, -1], ''],
    ['substring', ['abcdef', 'x'], null],
    ['replace', ['a.b.c', '.', '-'], 'a-b-c'],
    ['replace', ['a+b', '+', '$&'], 'a$&b'],
    ['replace', ['abc', '', 'x'], 'abc'],
    ['split', ['a,b,,c', ','], ['a', 'b', '', 'c']],
    ['split', ['abc', ''], ['abc']],
    ['split', [null, ','], null],
    ['switch', ['NL', 'NL', 'Netherlands', 'BE', 'Belgium'], 'Netherlands'],
    ['switch', ['nl', 'NL', 'Netherlands', 'BE', 'Belgium'], null],
    ['switch', ['nl', 'NL', 'Netherlands', 'Unknown'], 'Unknown'],
    ['switch', [1, '1', 'one', 'other'], 'one'],
    ['switch', [null, 'NL', 'Netherlands', 'Unknown'], 'Unknown'],
    ['switch', [true, 'true', 'yes', 'no'], 'yes'],
    ['if', [true, 'a', 'b'], 'a'],
    ['if', [false, 'a'], null],
    ['if', [null, 'a', 'b'], 'b'],
    ['date', ['not a date'], null],
    ['date', [42], null],
    ['addDays', ['x', 1], null],
    ['addDays', [new Date('2026-01-01T00:00:00Z'), 'x'], null],
  ])('%s(%j) -> %j', (name, args, expected) => {
    expect(call(name, ...args)).toEqual(expected);
  });

  test('now() and today() use the context clock and zone', () => {
    expect(call('now')).toEqual(new Date('2026-03-29T12:00:00Z'));
    expect(call('today')).toEqual(new Date('2026-03-28T23:00:00Z'));
  });

  test('date(): a date-only string is midnight in the tenant zone', () => {
    expect(call('date', '2026-07-01')).toEqual(new Date('2026-06-30T22:00:00Z'));
    expect(call('date', '2026-01-01')).toEqual(new Date('2025-12-31T23:00:00Z'));
    expect(call('date', '2026-07-01T10:00:00Z')).toEqual(new Date('2026-07-01T10:00:00Z'));
    expect(call('date', '2026-07-01T10:00:00')).toEqual(new Date('2026-07-01T08:00:00Z'));
  });

  test('addDays keeps the wall-clock time across DST', () => {
    // Saturday 28 March 2026 09:00 in Amsterdam (+01:00) -> Sunday 29 March 09:00 (+02:00): 23 hours later.
    expect(call('addDays', new Date('2026-03-28T08:00:00Z'), 1)).toEqual(new Date('2026-03-29T07:00:00Z'));
    expect(call('addDays', '2026-03-29', -1)).toEqual(new Date('2026-03-27T23:00:00Z'));
  });

  test('no function throws on hostile arguments', () => {
    const hostile: unknown[] = [null, undefined, 1, Number.NaN, Infinity, true, '', 'x', [], [null], {}, { value: [] }, new Date(Number.NaN), JSON.parse('{"__proto__":1}')];
    for (const name of functionNames) {
      const fn = lookupFunction(name)!;
      for (const a of hostile) for (const b of hostile) {
        expect(() => fn.impl([a, b, a], ctx)).not.toThrow();
        expect(() => fn.impl([a], ctx)).not.toThrow();
      }
    }
  });
});

describe('joinTypes', () => {
  test('documented joins', () => {
    expect(joinTypes([{ kind: 'null' }, { kind: 'string' }])).toEqual({ kind: 'string' });
    expect(joinTypes([{ kind: 'string', caseExact: true }, { kind: 'string' }])).toEqual({ kind: 'string' });
    expect(joinTypes([{ kind: 'string' }, { kind: 'reference' }])).toEqual({ kind: 'string' });
    expect(joinTypes([{ kind: 'string' }, { kind: 'dateTime' }])).toEqual({ kind: 'dateTime' });
    expect(joinTypes([{ kind: 'string' }, { kind: 'number' }])).toEqual({ kind: 'string' });
    expect(joinTypes([{ kind: 'string' }, { kind: 'any' }])).toEqual({ kind: 'any' });
    expect(joinTypes([{ kind: 'string' }, { kind: 'string', multi: true }])).toEqual({ kind: 'string', multi: true });
  });
});

describe('values', () => {
  const o = { caseExact: false, dateTime: false };
  test.each<[string, unknown, unknown, boolean]>([
    ['eq', 'A', 'a', true],
    ['eq', ['x', 'A'], 'a', true],
    ['eq', [], null, true],
    ['ne', [], 'a', true],
    ['ne', ['a', 'b'], 'a', true],
    ['ne', ['a'], 'a', false],
    ['eq', { value: 'X', type: 'work' }, 'x', true],
    ['eq', true, 'TRUE', true],
    ['eq', 1, '1.0', true],
    ['gt', 2, '10', false],
    ['gt', '2', '10', true],
    ['co', 12, '1', false],
    ['lt', new Date('2020-01-01T00:00:00Z'), '2020-01-01T00:00:01Z', true],
    ['eq', 'x', 1, false],
    ['ne', 'x', 1, true],
  ])('%s %j %j -> %s', (op, l, r, expected) => {
    expect(compareValues(op as 'eq', l, r, o, 'UTC')).toBe(expected);
  });

  test('caseExact', () => {
    expect(compareValues('eq', 'A', 'a', { caseExact: true, dateTime: false }, 'UTC')).toBe(false);
  });

  test('pr', () => {
    expect([null, '', [], {}, [null, ''], [[]]].map(isPresent)).toEqual([false, false, false, false, false, false]);
    expect([0, false, 'x', ['', 'x'], { a: 1 }].map(isPresent)).toEqual([true, true, true, true, true]);
  });

  test('ISO 8601', () => {
    expect(parseDateTime('2026-02-29', 'UTC')).toBeNaN();
    expect(parseDateTime('2024-02-29', 'UTC')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateTime('2026-01-01T25:00:00Z', 'UTC')).toBeNaN();
    expect(parseDateTime('2026-01-01T10:00:00.5+01:30', 'UTC')).toBe(Date.UTC(2026, 0, 1, 8, 30, 0, 500));
    expect(parseDateTime('2026-01-01Z', 'UTC')).toBeNaN();
    expect(parseDateTime('20260101', 'UTC')).toBeNaN();
    expect(parseDateTime('2026-01-01T10:00:00', 'Nowhere/Zone')).toBe(Date.UTC(2026, 0, 1, 10));
  });
});
