// Server: the admin events API: admin token (503 without one, 401 wrong), id order, `after`
// exclusive, limit default and maximum, `next`, field names without values, one tenant only.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { recordEvents } from '../../server/db/events.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, untilEventsSettled, userBody, validatedApp } from './helpers.ts';

const ADMIN = 'admin-token-for-tests';
let database: OpenDatabase;
let app: FastifyInstance;
let disabled: FastifyInstance;
const a = uniqueTenant('events-a');
const b = uniqueTenant('events-b');

beforeAll(async () => {
  database = await openTestDatabase();
  const tenants = new TenantRegistry([planOf(tenantYaml(a)), planOf(tenantYaml(b))]);
  app = validatedApp({ db: database.db, tenants, adminToken: ADMIN });
  disabled = validatedApp({ db: database.db, tenants, adminToken: '' });
});
afterAll(async () => {
  await app.close();
  await disabled.close();
  await database.close();
});

const scim = (tenant: string, method: 'POST' | 'PATCH', url: string, body: unknown) =>
  app.inject({
    method,
    url: `/scim/v2/${tenant}${url}`,
    headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
    payload: JSON.stringify(body),
  });
/** One page of the events API, once the tenant's events written so far are past the feed horizon. */
const events = async (tenant: string, query = '', token: string | null = ADMIN, on = app) =>
  (await untilEventsSettled(database.db, tenant), on).inject({ method: 'GET', url: `/api/v1/tenants/${tenant}/events${query}`, headers: token === null ? {} : { authorization: `Bearer ${token}` } });

describe('events API', () => {
  it('answers 503 when no admin token is configured, and 401 for a missing or wrong token', async () => {
    const off = await events(a, '', ADMIN, disabled);
    expect(off.statusCode).toBe(503);
    expect(off.json().detail).toMatch(/SCIMPLAN_ADMIN_TOKEN/);
    expect((await events(a, '', null)).statusCode).toBe(401);
    const wrong = await events(a, '', 'not-the-token');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    // A tenant's SCIM token is not an admin token.
    expect((await events(a, '', `secret-${a}`)).statusCode).toBe(401);
  });

  it('lists a tenant’s events in id order with names of changed fields and no values', async () => {
    const created = await scim(a, 'POST', '/Users', userBody('ev-1', 'grace@example.com', { title: 'Director', [`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`]: { department: 'Sales' } }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect((await scim(a, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'title', value: 'CFO' }] })).statusCode).toBe(200);
    expect((await scim(a, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] })).statusCode).toBe(200);
    expect((await scim(b, 'POST', '/Users', userBody('ev-b', 'other@example.com'))).statusCode).toBe(201);

    const res = await events(a);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const page = res.json();
    const types = page.events.map((e: { type: string }) => e.type);
    // `active: false` changes no profile field: the deactivation is its only event.
    expect(types).toEqual(['user.created', 'group.member_added', 'group.member_added', 'user.updated', 'user.deactivated']);
    const ids = page.events.map((e: { id: number }) => e.id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(page.next).toBe(ids.at(-1));
    for (const e of page.events) {
      expect(Object.keys(e).sort()).toEqual(['accountId', 'configHash', 'createdAt', 'fields', 'groupId', 'id', 'reason', 'requestId', 'source', 'tenant', 'type']);
      expect(e.tenant).toBe(a);
      expect(e.accountId).toBe(id);
      expect(e.configHash).toMatch(/^[0-9a-f]{64}$/);
      expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(e.createdAt).toISOString()).toBe(e.createdAt);
    }
    expect(page.events[0].fields).toEqual(['department', 'email', 'function']);
    expect(page.events[3].fields).toEqual(['function']);
    expect(page.events[1].groupId).toMatch(/^[0-9a-f-]{36}$/);
    const text = res.body;
    for (const value of ['grace@example.com', 'Director', 'CFO', 'Sales"', 'Lovelace']) expect(text).not.toContain(value);
  });

  it('pages with `after` (exclusive) and `limit`, and `next` stays put on an empty page', async () => {
    const all = (await events(a)).json().events as { id: number }[];
    const first = (await events(a, '?limit=2')).json();
    expect(first.events.map((e: { id: number }) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    const second = (await events(a, `?after=${first.next}&limit=2`)).json();
    expect(second.events.map((e: { id: number }) => e.id)).toEqual(all.slice(2, 4).map((e) => e.id));
    const end = (await events(a, `?after=${all.at(-1)!.id}`)).json();
    expect(end).toEqual({ events: [], next: all.at(-1)!.id });
    expect((await events(b)).json().events.every((e: { tenant: string }) => e.tenant === b)).toBe(true);
    expect((await events(uniqueTenant('never'))).json()).toEqual({ events: [], next: 0 });
  });

  it('defaults to 100 events and allows at most 1000', async () => {
    const c = uniqueTenant('events-many');
    const now = new Date();
    for (let i = 0; i < 11; i++) {
      await recordEvents(database.db, { tenant: c, configHash: null, requestId: 'scheduler', now }, Array.from({ length: 100 }, () => ({ type: 'user.updated' as const, fields: ['x'] })));
    }
    expect((await events(c)).json().events).toHaveLength(100);
    const max = (await events(c, '?limit=1000')).json();
    expect(max.events).toHaveLength(1000);
    expect((await events(c, `?after=${max.next}&limit=1000`)).json().events).toHaveLength(100);
  });

  it('refuses malformed parameters and tenant ids with 400', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?limit=ten', '?after=-1', '?after=1.5', '?after=1&after=2', '?after=99999999999999999999']) {
      const res = await events(a, query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    }
    expect((await events('Not_A_Tenant')).statusCode).toBe(400);
  });
});
