// Round trip (docs/compatibility.md): generated User bodies through POST, PUT and Bulk, then
// GET by id and by filter, read back as written, under the documented rules only.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planOf, sha256Hex, uniqueTenant, useTestApp } from './helpers.ts';
import { clientPart, named, userBody, type Sent } from './round-trip-arbitrary.ts';

const tenant = uniqueTenant('roundtrip');
const yaml = `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:rt:2.0:User
    alias: rt
    attributes:
      startsAt: dateTime
      badge: integer
      ratio: decimal
      remote: boolean
      code: string
      site: reference
profile:
  email: emails[type eq "work"].value ?? userName
`;
const t = useTestApp(() => [yaml]);
const scope = planOf(yaml).userScope;
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/** The client's part of every way a client reads one user back. */
async function readBack(id: string, userName: string): Promise<Record<string, unknown>[]> {
  const byId = await t.scim(tenant, 'GET', `/Users/${id}`);
  expect(byId.statusCode).toBe(200);
  const byFilter = await t.scim(tenant, 'GET', `/Users?${q(`userName eq "${userName}"`)}`);
  expect(byFilter.json().totalResults).toBe(1);
  return [clientPart(byId.json()), clientPart(byFilter.json().Resources[0])];
}

const fresh = (body: Sent) => {
  const userName = `rt-${randomUUID()}`;
  return { userName, ...named(body, userName, randomUUID()) };
};
const NUM_RUNS = 25;

describe('round trip: what a client writes, a GET returns', () => {
  it('POST then GET (by id and by filter) returns the body as written', async () => {
    await fc.assert(
      fc.asyncProperty(userBody(scope), async (body) => {
        const { userName, sent, expected } = fresh(body);
        const created = await t.scim(tenant, 'POST', '/Users', sent);
        expect(created.statusCode, created.body).toBe(201);
        expect(clientPart(created.json())).toEqual(expected);
        for (const read of await readBack(created.json().id, userName)) expect(read).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('PUT replaces: GET returns the second body as written, nothing of the first', async () => {
    await fc.assert(
      fc.asyncProperty(
        userBody(scope),
        userBody(scope),
        async (first, second) => {
          const a = fresh(first);
          const userName = a.userName;
          const b = named(second, userName, a.sent['externalId'] as string);
          const created = await t.scim(tenant, 'POST', '/Users', a.sent);
          expect(created.statusCode, created.body).toBe(201);
          const replaced = await t.scim(tenant, 'PUT', `/Users/${created.json().id}`, b.sent);
          expect(replaced.statusCode, replaced.body).toBe(200);
          expect(clientPart(replaced.json())).toEqual(b.expected);
          for (const read of await readBack(created.json().id, userName)) expect(read).toEqual(b.expected);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('Bulk POST then GET returns the body as written', async () => {
    await fc.assert(
      fc.asyncProperty(userBody(scope), async (body) => {
        const { userName, sent, expected } = fresh(body);
        const bulk = await t.scim(tenant, 'POST', '/Bulk', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
          Operations: [{ method: 'POST', path: '/Users', bulkId: 'u', data: sent }],
        });
        expect(bulk.statusCode).toBe(200);
        const [op] = bulk.json().Operations;
        expect(op.status, JSON.stringify(op.response)).toBe('201');
        const id = String(op.location).split('/').pop()!;
        for (const read of await readBack(id, userName)) expect(read).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  });

  it('a user written with a value of every type reads back with that type', async () => {
    const userName = `types-${randomUUID()}`;
    const ext = 'urn:ietf:params:scim:schemas:extension:rt:2.0:User';
    const body = {
      userName,
      externalId: randomUUID(),
      active: false,
      emails: [{ value: 'B@x.example', type: 'home' }, { value: 'a@x.example', type: 'Work', primary: true }],
      [ext]: { badge: 0, ratio: 0.1, remote: false, code: '007', startsAt: '2026-01-01T00:00:00Z' },
    };
    const created = await t.scim(tenant, 'POST', '/Users', body);
    expect(created.statusCode).toBe(201);
    for (const read of await readBack(created.json().id, userName)) expect(read).toEqual(body);
  });
});
