// The SQL filter compiler's rejections (server/db/filter/): each names its own catalogue entry,
// with the status, scimType and detail the server sends. No database: compiling throws first.

import { describe, expect, it } from 'vitest';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import { scimCatalogue, ScimError, type ScimErrorCode } from '../../server/errors.ts';
import { groupFilterToSql } from '../../server/db/filter/group-filter.ts';
import { sortColumn } from '../../server/db/filter/sort.ts';
import { userFilterToSql } from '../../server/db/filter/user-filter.ts';
import { scimErrorOf } from './scim-error-of.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const scope = buildUserScope([
  { urn: ACME, alias: 'acme', attributes: { employmentEndDate: 'dateTime', costCenter: 'string', level: 'integer' } },
]);


type Case = readonly [input: string, code: ScimErrorCode, detail: string];

const userFilters: Case[] = [
  ['pr', 'FILTER_SYNTAX', 'expected an expression but found `pr` (at offset 0)'],
  ['userName', 'FILTER_SYNTAX', 'expected a filter condition but found the attribute path `…` (at offset 0)'],
  // The client's values are never echoed: tokens by kind, quoted text of the filter elided.
  ['userName eq "bjensen" "Barbara"', 'FILTER_SYNTAX', 'expected an operator or the end of the expression but found a string (at offset 22)'],
  ['userName eq Barbara Jensen', 'FILTER_SYNTAX', 'expected an operator or the end of the expression but found an attribute name (at offset 20)'],
  ['userName eq "Bar\\qbara"', 'FILTER_SYNTAX', 'invalid escape `…` in string (at offset 16)'],
  ['userName eq "x" #Barbara', 'FILTER_SYNTAX', 'unexpected character `#` (at offset 16)'],
  ['lower(Barbara) eq "x"', 'FILTER_SYNTAX', 'function call `…` is not SCIM filter syntax (at offset 0)'],
  ['[Barbara] eq "x"', 'FILTER_SYNTAX', '`…` is Entra expression syntax (at offset 0)'],
  ['userName eq "x" and (title pr', 'FILTER_SYNTAX', 'expected `)` but found the end of the expression (at offset 29)'],
  [`${Array.from({ length: 120 }, () => 'userName eq "x"').join(' and ')}`, 'FILTER_TOO_DEEP', 'the filter is nested too deeply'],
  ['emails[value.x eq "a"]', 'FILTER_VALUE_FILTER_PATH', 'inside `[...]` only sub-attributes can be compared'],
  ['emails[foo eq "x"]', 'FILTER_UNKNOWN_ATTRIBUTE', 'unknown attribute `foo`'],
  ['userName gt null', 'FILTER_NULL_OPERATOR', '`gt` cannot compare with null'],
  ['meta.resourceType gt "User"', 'FILTER_RESOURCE_TYPE_OPERATOR', '`gt` does not apply to `meta.resourceType`'],
  ['name eq "x"', 'FILTER_COMPLEX_ATTRIBUTE', '`name` is complex: compare one of its sub-attributes'],
  ['active gt true', 'FILTER_BOOLEAN_OPERATOR', '`gt` does not apply to the boolean `active`'],
  [`${ACME}:level co 1`, 'FILTER_NUMBER_OPERATOR', `\`co\` does not apply to the number \`${ACME}:level\``],
  ['active eq "maybe"', 'FILTER_BOOLEAN_VALUE', '`active` is a boolean: compare it with true or false'],
  [`${ACME}:level gt "abc"`, 'FILTER_NUMBER_VALUE', `\`${ACME}:level\` is a number: compare it with a number`],
  ['meta.created gt "yesterday"', 'FILTER_DATE_TIME_VALUE', '`meta.created` is a date-time: compare it with an ISO 8601 value'],
  ['urn:example:unknown:2.0:User:x eq "y"', 'FILTER_UNKNOWN_SCHEMA', 'unknown schema `urn:example:unknown:2.0:User`'],
  ['userNam eq "x"', 'FILTER_UNKNOWN_ATTRIBUTE', 'unknown attribute `userNam`; did you mean `userName`?'],
  ['name.givenName.x eq "y"', 'FILTER_PATH_TOO_DEEP', '`name.givenName.x` is nested too deeply'],
  ['emails.value[type eq "work"] pr', 'FILTER_SUB_ATTRIBUTE_FILTER', '`emails.value`: a filter applies to a multi-valued attribute'],
  ['title[value eq "x"]', 'FILTER_SINGLE_VALUED', '`title` is single-valued and takes no filter'],
  [`${SCIMPLAN}:status[value eq "x"] pr`, 'FILTER_EXTENSION_FILTER', `\`${SCIMPLAN}:status\` takes no filter`],
  [`${SCIMPLAN}:nope eq 1`, 'FILTER_UNKNOWN_ATTRIBUTE', 'unknown attribute `nope`'],
  ['password eq "secret"', 'FILTER_PASSWORD', '`password` is never stored and cannot be filtered on'],
  ['meta.location eq "x"', 'FILTER_UNSUPPORTED', 'filtering on `meta.location` is not supported'],
  ['groups.$ref eq "x"', 'FILTER_UNSUPPORTED', 'filtering on `groups.$ref` is not supported'],
  ['groups[foo eq "x"]', 'FILTER_MEMBERSHIP', 'a `groups` filter compares `value`, `display` or `type`'],
];

const groupFilters: Case[] = [
  ['members[foo eq "x"]', 'FILTER_MEMBERSHIP', 'a `members` filter compares `value`, `display` or `type`'],
  ['urn:x:y eq 1', 'FILTER_UNKNOWN_SCHEMA', 'unknown schema `urn:x`'],
  ['meta pr', 'FILTER_UNSUPPORTED', 'filtering on `meta` is not supported'],
  ['nope eq 1', 'FILTER_UNKNOWN_ATTRIBUTE', 'unknown attribute `nope`'],
  ['displayName[value eq "x"]', 'FILTER_SINGLE_VALUED', '`displayName` is single-valued and takes no filter'],
  ['members.value[value eq "x"] pr', 'FILTER_SUB_ATTRIBUTE_FILTER', '`members.value`: a filter applies to a multi-valued attribute'],
  ['a.b.c eq 1', 'FILTER_PATH_TOO_DEEP', '`a.b.c` is nested too deeply'],
];

const sorts: Case[] = [
  ['userNme', 'SORT_BY_UNKNOWN_ATTRIBUTE', 'unknown attribute `userNme`; did you mean `userName`?'],
  ['userName eq "x"', 'SORT_BY_NOT_A_PATH', '`sortBy` must be an attribute path'],
  ['password', 'SORT_BY_PASSWORD', '`password` is never stored and cannot be filtered on'],
  ['groups', 'SORT_BY_GROUPS_OR_MEMBERS', '`sortBy` cannot sort by `groups`'],
  ['meta.location', 'SORT_BY_UNSUPPORTED', 'filtering on `meta.location` is not supported'],
  ['urn:x:y:z', 'SORT_BY_UNKNOWN_SCHEMA', 'unknown schema `urn:x:y`'],
  ['title[value eq "x"]', 'SORT_BY_SINGLE_VALUED', '`title` is single-valued and takes no filter'],
  ['emails.value[type eq "x"]', 'SORT_BY_SUB_ATTRIBUTE_FILTER', '`emails.value`: a filter applies to a multi-valued attribute'],
  ['name.givenName.x', 'SORT_BY_PATH_TOO_DEEP', '`name.givenName.x` is nested too deeply'],
  [`${SCIMPLAN}:status[value eq "x"]`, 'SORT_BY_EXTENSION_FILTER', `\`${SCIMPLAN}:status\` takes no filter`],
  // A value filter inside a `sortBy` path is a filter: its errors are the filter's.
  ['emails[foo eq "x"].value', 'FILTER_UNKNOWN_ATTRIBUTE', 'unknown attribute `foo`'],
];

function expectEntry(error: ScimError, code: ScimErrorCode, detail: string): void {
  const entry = scimCatalogue[code];
  expect(error.code).toBe(code);
  expect(error.status).toBe(400);
  expect(error.scimType).toBe('scimType' in entry ? entry.scimType : undefined);
  expect(error.scimType).toBe(code.startsWith('SORT_BY_') ? 'invalidValue' : 'invalidFilter');
  expect(error.detail).toBe(detail);
}

describe('filter and sortBy rejections name their catalogue entries', () => {
  for (const [filter, code, detail] of userFilters) {
    it(`users: ${JSON.stringify(filter.slice(0, 60))} -> ${code}`, () => expectEntry(scimErrorOf(() => userFilterToSql(filter, scope)), code, detail));
  }
  for (const [filter, code, detail] of groupFilters) {
    it(`groups: ${JSON.stringify(filter)} -> ${code}`, () => expectEntry(scimErrorOf(() => groupFilterToSql(filter)), code, detail));
  }
  for (const [sortBy, code, detail] of sorts) {
    it(`sortBy: ${JSON.stringify(sortBy)} -> ${code}`, () => expectEntry(scimErrorOf(() => sortColumn(sortBy, scope)), code, detail));
  }

  it('keeps the filter and sortBy twin of a path error in step', () => {
    const codes = Object.keys(scimCatalogue) as ScimErrorCode[];
    const twins = codes.filter((c) => c.startsWith('SORT_BY_') && codes.includes(`FILTER_${c.slice('SORT_BY_'.length)}` as ScimErrorCode));
    expect(twins.length).toBe(9);
    for (const code of twins) {
      const twin = `FILTER_${code.slice('SORT_BY_'.length)}` as ScimErrorCode;
      expect(scimCatalogue[code].message, code).toBe(scimCatalogue[twin].message);
    }
  });

  it('never puts a compared value into the detail', () => {
    for (const filter of ['active eq "s3cret"', `${ACME}:level gt "s3cret"`, 'meta.created gt "s3cret"', 'userName gt null and title eq "s3cret"', 'name eq "s3cret"']) {
      expect(scimErrorOf(() => userFilterToSql(filter, scope)).detail, filter).not.toContain('s3cret');
    }
  });
});
