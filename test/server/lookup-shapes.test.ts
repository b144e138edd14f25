// Server: the sync lookups (`userName eq "..."`, `externalId eq "..."`) run a statement compiled
// once per filter shape (db/filter/user-filter.ts `userValueFilter`); they answer exactly what
// the general filter path answers for the same filter.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { userValueFilter } from '../../server/db/filter/user-filter.ts';
import { planOf, tenantYaml, uniqueTenant, useTestApp, userBody } from './helpers.ts';

const tenant = uniqueTenant('lookup-shapes');
const other = uniqueTenant('lookup-shapes-other');
const t = useTestApp(() => [tenantYaml(tenant), tenantYaml(other)]);
const scope = planOf(tenantYaml('scope-only')).userScope;

describe('userValueFilter', () => {
  it('takes the lookups the filter parser reads as one string equality, and only those', () => {
    for (const [filter, value] of [
      ['userName eq "a@example.com"', 'a@example.com'],
      ['  USERNAME   EQ "A@Example.com" ', 'A@Example.com'],
      ['externalId eq "ext-1"', 'ext-1'],
      ['externalid Eq ""', ''],
      ['userName eq "it\'s (not) [a] filter"', "it's (not) [a] filter"],
    ] as const) {
      expect(userValueFilter(filter, scope)?.value, filter).toBe(value);
    }
    for (const filter of [
      'userName eq "a\\"b"', // an escape: the parser's unescaping decides the value
      'userName eq "a" and active eq true',
      '(userName eq "a")',
      'userName ne "a"',
      'userName co "a"',
      'userName eq a',
      'userName eq "a',
      'title eq "a"',
      'emails.value eq "a"',
      'userName eq "a\u0000b"',
    ]) {
      expect(userValueFilter(filter, scope), filter).toBeUndefined();
    }
  });

  it('compiles a shape once per scope and attribute', () => {
    expect(userValueFilter('userName eq "a"', scope)!.shape).toBe(userValueFilter('USERNAME eq "b"', scope)!.shape);
    expect(userValueFilter('userName eq "a"', scope)!.shape).not.toBe(userValueFilter('externalId eq "a"', scope)!.shape);
  });
});

describe('GET /Users?filter= a lookup', () => {
  const get = async (filter: string, extra = '') => {
    const res = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`);
    expect(res.statusCode, `${filter}: ${res.body}`).toBe(200);
    return res.json() as { totalResults: number; itemsPerPage: number; Resources?: Record<string, unknown>[] };
  };

  it('answers as the general path does: case rules, groups, other tenants, deleted users, count and attributes', async () => {
    const externalId = `Ext-${randomUUID()}`;
    const userName = `Lookup.${randomUUID().slice(0, 8)}@Example.com`;
    const created = await t.scim(tenant, 'POST', '/Users', userBody(externalId, userName, { title: 'Director' }));
    expect(created.statusCode).toBe(201);
    // The same key and userName in another tenant is never found from this one.
    expect((await t.scim(other, 'POST', '/Users', userBody(externalId, userName))).statusCode).toBe(201);
    const gone = `Gone.${randomUUID().slice(0, 8)}@example.com`;
    const deleted = await t.scim(tenant, 'POST', '/Users', userBody(`gone-${randomUUID()}`, gone));
    expect((await t.scim(tenant, 'DELETE', `/Users/${deleted.json().id}`)).statusCode).toBe(204);

    const cases: [filter: string, found: number][] = [
      [`userName eq "${userName}"`, 1],
      [`userName eq "${userName.toUpperCase()}"`, 1],
      [`USERNAME eq "${userName.toLowerCase()}"`, 1],
      [`externalId eq "${externalId}"`, 1],
      // externalId is caseExact (RFC 7643 §3.1).
      [`externalId eq "${externalId.toLowerCase()}"`, 0],
      [`userName eq "${gone}"`, 0],
      [`userName eq "nobody-${randomUUID()}@example.com"`, 0],
    ];
    for (const [filter, found] of cases) {
      for (const extra of ['', '&count=1', '&attributes=userName,groups', '&excludedAttributes=groups']) {
        const fast = await get(filter, extra);
        // Parentheses: the same filter, through the general path.
        const general = await get(`(${filter})`, extra);
        expect(fast, filter + extra).toEqual(general);
        expect(fast.totalResults, filter + extra).toBe(found);
      }
    }
    const [user] = (await get(`userName eq "${userName}"`)).Resources!;
    expect(user).toMatchObject({ id: created.json().id, userName, externalId });
    expect((user!['groups'] as { display: string }[]).map((g) => g.display)).toEqual(['Management']);
    // count=0 and later pages take the general path; they agree too.
    expect(await get(`userName eq "${userName}"`, '&count=0')).toMatchObject({ totalResults: 1, itemsPerPage: 0 });
    expect(await get(`userName eq "${userName}"`, '&startIndex=2')).toMatchObject({ totalResults: 1, itemsPerPage: 0 });
  });
});
