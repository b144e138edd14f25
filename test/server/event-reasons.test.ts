// Server: events of a status change carry its reason (the clause that held, a hold, a DELETE),
// through the events API and webhook payloads alike; the reason is tenant-file text, never a value.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import type { EventsPage } from '../../server/routes/events.ts';
import { approveHeld } from '../../server/safety.ts';
import { Scheduler } from '../../server/scheduler.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, planOf, settledEvents, sha256Hex, uniqueTenant, untilEventsSettled, userBody, validatedApp } from './helpers.ts';

const ADMIN = 'admin-token-for-reasons';
const HR = 'urn:ietf:params:scim:schemas:extension:hr:2.0:User';
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const yaml = (tenant: string, extra = '') => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes: { endDate: dateTime, site: string }
profile: { function: title }
deactivate:
  when: active eq false or (hr.endDate le now() and hr.site eq "Leiden-Noord")
${extra}`;

const main = uniqueTenant('evreason');
const held = uniqueTenant('evheld');
let database: OpenDatabase;
let app: FastifyInstance;
beforeAll(async () => {
  database = await openTestDatabase();
  const tenants = new TenantRegistry([planOf(yaml(main, 'onDelete: deactivate')), planOf(yaml(held, 'safety: { maxDeactivations: 0, per: 1h }'))]);
  app = validatedApp({ db: database.db, tenants, adminToken: ADMIN });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

const scim = (tenant: string, method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
  app.inject({
    method,
    url: `/scim/v2/${tenant}${url}`,
    headers: { authorization: `Bearer secret-${tenant}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
const hrUser = (id: string, hr: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  userBody(id, `${id}@example.com`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', HR], [HR]: hr, ...extra });

/** The account's status events as the events API shows them: [type, reason]. */
async function statusEvents(tenant: string, accountId: string): Promise<[string, string | null][]> {
  await untilEventsSettled(database.db, tenant);
  const res = await app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant}/events?limit=1000`, headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.statusCode).toBe(200);
  const page = res.json() as EventsPage;
  return page.events
    .filter((e) => e.accountId === accountId && !['user.created', 'user.updated', 'user.deleted'].includes(e.type))
    .map((e) => [e.type, e.reason]);
}

describe('the reason an event carries', () => {
  it('names the clause that held on deactivation, and the deactivation it ends on reactivation', async () => {
    const ended = { endDate: iso(Date.now() - DAY), site: 'Leiden-Noord' };
    const created = await scim(main, 'POST', '/Users', hrUser('ev-1', ended));
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const rehired = { Operations: [{ op: 'replace', path: `${HR}:endDate`, value: iso(Date.now() + 300 * DAY) }] };
    expect((await scim(main, 'PATCH', `/Users/${id}`, rehired)).statusCode).toBe(200);
    const off = { Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await scim(main, 'PATCH', `/Users/${id}`, off)).statusCode).toBe(200);
    const clause = 'deactivate.when: hr.endDate le now() and hr.site eq "Leiden-Noord"';
    expect(await statusEvents(main, id)).toEqual([
      ['user.deactivated', clause],
      ['user.reactivated', clause],
      ['user.deactivated', 'deactivate.when: active eq false'],
    ]);
  });

  it('names a DELETE under onDelete: deactivate, and its end by a re-link', async () => {
    const id = (await scim(main, 'POST', '/Users', hrUser('ev-2', { site: 'Delft' }))).json().id as string;
    expect((await scim(main, 'DELETE', `/Users/${id}`)).statusCode).toBe(204);
    expect((await scim(main, 'POST', '/Users', hrUser('ev-2', { site: 'Delft' }))).statusCode).toBe(201);
    expect(await statusEvents(main, id)).toEqual([
      ['user.deactivated', 'onDelete: deactivate'],
      ['user.relinked', null],
      ['user.reactivated', 'onDelete: deactivate'],
    ]);
  });

  it('names the clause when the scheduler deactivates', async () => {
    const now = Date.now();
    const id = (await scim(main, 'POST', '/Users', hrUser('ev-3', { endDate: iso(now + DAY), site: 'Leiden-Noord' }))).json().id as string;
    const scheduler = new Scheduler({ db: database.db, plans: () => [planOf(yaml(main, 'onDelete: deactivate'))], now: () => new Date(now + 2 * DAY) });
    expect(await scheduler.runDue()).toMatchObject({ deactivated: 1 });
    expect(await statusEvents(main, id)).toEqual([['user.deactivated', 'deactivate.when: hr.endDate le now() and hr.site eq "Leiden-Noord"']]);
  });

  it('names the safety limit on a hold, and the clause once approved', async () => {
    // An existing account: a new one that starts deactivated is not held (engine `start`).
    const id = (await scim(held, 'POST', '/Users', hrUser('ev-4', { site: 'Delft' }))).json().id as string;
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] };
    expect((await scim(held, 'PATCH', `/Users/${id}`, patch)).statusCode).toBe(200);
    await approveHeld(database.db, held, new Date());
    expect(await statusEvents(held, id)).toEqual([
      ['user.deactivation_held', 'held by the safety limit (0 per 1h); deactivate.when: active eq false'],
      ['user.deactivated', 'deactivate.when: active eq false'],
    ]);
  });

  it('is stored as the API shows it, without a value of the user', async () => {
    const stored = await settledEvents(database.db, main, 0, 1000);
    const reasons = stored.map((e) => e.reason).filter((r) => r !== null);
    expect(reasons.length).toBeGreaterThan(0);
    expect(stored.filter((e) => e.type === 'user.created' || e.type === 'user.updated').every((e) => e.reason === null)).toBe(true);
    // `Leiden-Noord` is in the clause (tenant text); a user's own values never are. Only what an
    // event says (reason, fields) is searched: ids, hashes and times may hold any digits.
    const text = JSON.stringify(stored.map((e) => ({ type: e.type, reason: e.reason, fields: e.fields })));
    for (const value of ['@example.com', 'Delft', 'ev-1', String(new Date().getUTCFullYear() + 1)]) expect(text).not.toContain(value);
  });
});
