// Value filters of PATCH paths and projections (server/scim/value-path-filter.ts): compiled by
// the expression language over the sub-attribute scope, in the tenant's time zone.

import { describe, expect, it } from 'vitest';
import type { Expr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { AttributeDef } from '../../dsl/types.ts';
import { coreUserAttributes } from '../../engine/scim-schemas.ts';
import { compileValueFilter, equalityTerms, isValueFilter } from '../../server/scim/value-path-filter.ts';

/** The filter of `emails[...]` as a PATCH path holds it. */
function filterOf(path: string): Expr {
  const { ast, diagnostics } = parseExpression(path, 'path');
  expect(diagnostics).toEqual([]);
  if (ast.kind !== 'Path' || !ast.steps[0]?.filter) throw new Error(`no filter in ${path}`);
  return ast.steps[0].filter;
}

const emails = coreUserAttributes.find((a) => a.name === 'emails')!.subAttributes;
const since: AttributeDef[] = [{ name: 'since', type: 'dateTime', multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' }];

describe('compileValueFilter', () => {
  it('compares as the expression language does: strings without case unless caseExact, and, or, not, pr', () => {
    const work = { value: 'Ada@Example.com', type: 'Work', primary: true };
    const home = { value: 'ada@home.example', type: 'home' };
    const cases: [string, boolean, boolean][] = [
      ['emails[type eq "work"]', true, false],
      ['emails[value eq "ada@example.com"]', true, false],
      ['emails[type eq "work" or type eq "home"]', true, true],
      ['emails[type eq "work" and primary eq true]', true, false],
      ['emails[not (type eq "work")]', false, true],
      ['emails[primary pr]', true, false],
      ['emails[value ew ".example"]', false, true],
      ['emails[type ne "work"]', false, true],
    ];
    for (const [path, onWork, onHome] of cases) {
      const test = compileValueFilter(filterOf(path), emails, 'UTC');
      expect([test(work), test(home)], path).toEqual([onWork, onHome]);
    }
  });

  it("reads date-times without an offset in the tenant's time zone", () => {
    const element = { since: '2026-04-30T23:30:00Z' };
    const filter = filterOf('x[since gt "2026-05-01T00:00:00"]');
    expect(compileValueFilter(filter, since, 'UTC')(element)).toBe(false);
    // Midnight in Amsterdam (UTC+2 in May) is 22:00Z the day before.
    expect(compileValueFilter(filter, since, 'Europe/Amsterdam')(element)).toBe(true);
  });

  it('reads a name the schema does not define from the element, as a case-insensitive string', () => {
    const test = compileValueFilter(filterOf('things[colour eq "green"]'), undefined, 'UTC');
    expect(test({ Colour: 'GREEN' })).toBe(true);
    expect(test({ colour: 'red' })).toBe(false);
    expect(test('not an object')).toBe(false);
    expect(compileValueFilter(filterOf('things[size.unit eq "cm"]'), undefined, 'UTC')({ size: { unit: 'CM' } })).toBe(true);
  });
});

describe('isValueFilter', () => {
  it('holds comparisons of sub-attributes with values, pr, and, or, not and parentheses', () => {
    for (const path of ['emails[type eq "work"]', 'emails[(type eq "work") and not (value pr)]', 'emails[type eq null]', 'emails[type eq work]']) {
      expect(isValueFilter(filterOf(path)), path).toBe(true);
    }
  });

  it('refuses nested value paths and URN paths, which the parser lets through', () => {
    for (const path of ['emails[x[y eq 1] eq 2]', 'emails[urn:a:b:type eq "x"]']) {
      expect(isValueFilter(filterOf(path)), path).toBe(false);
    }
  });
});

describe('equalityTerms', () => {
  it('collects `eq` terms joined by `and` in schema case, for the element an unmatched path builds', () => {
    expect(equalityTerms(filterOf('emails[Type eq "work" and (primary eq true)]'), 'and', emails)).toEqual([
      { name: 'type', value: 'work' },
      { name: 'primary', value: true },
    ]);
    expect(equalityTerms(filterOf('emails[type eq "x" or type eq "y"]'), 'and', emails)).toBeUndefined();
    expect(equalityTerms(filterOf('emails[type ne "x"]'), 'and', emails)).toBeUndefined();
    expect(equalityTerms(filterOf('emails[__proto__ eq "x"]'), 'and', emails)).toBeUndefined();
  });

  it('collects `eq` terms joined by `or`, for the members a removal names', () => {
    expect(equalityTerms(filterOf('members[value eq "a" or value eq "b"]'), 'or', undefined)).toEqual([
      { name: 'value', value: 'a' },
      { name: 'value', value: 'b' },
    ]);
    expect(equalityTerms(filterOf('members[value eq "a" and value eq "b"]'), 'or', undefined)).toBeUndefined();
  });
});
