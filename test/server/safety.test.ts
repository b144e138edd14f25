// The safety limit: deactivations beyond `maxDeactivations` within `per` are held (pending),
// whether a request, `apply` or the scheduler decides them, until approval releases them.

import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/tables.ts';
import { createUser, deleteUser, patchUser } from '../../server/provision.ts';
import { importFeedUsers } from '../../server/feed-import.ts';
import { planReport } from '../../server/plan-report.ts';
import { reevaluateTenant } from '../../server/reevaluate.ts';
import { approveHeld, heldDeactivations, recentDeactivations } from '../../server/safety.ts';
import { buildTestApp, openTestDatabase, planOf, tenantYaml, uniqueTenant, userBody } from './helpers.ts';

let database: OpenDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.close();
});

const T0 = new Date('2026-05-01T09:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const deactivate = { Operations: [{ op: 'replace', path: 'active', value: false }] };
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function seed(tenant: string, extra: string, n: number) {
  const plan = planOf(tenantYaml(tenant, extra));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { row } = await createUser({ db, plan, requestId: 'seed', now: T0 }, userBody(`ext-${i}`, `u${i}@example.com`));
    ids.push(row.id);
  }
  return { plan, ids };
}

async function statuses(tenant: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('scim_users').select(['status']).where('tenant', '=', tenant).execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

async function eventCounts(tenant: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('events').select(['type']).where('tenant', '=', tenant).where('request_id', '!=', 'seed').execute();
  const out: Record<string, number> = {};
  for (const r of rows) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

describe('safety limit', () => {
  it('holds the 26th deactivation within the hour, and approval releases it', async () => {
    const tenant = uniqueTenant('safety');
    const { plan, ids } = await seed(tenant, 'safety: { maxDeactivations: 25, per: 1h }', 28);
    for (let i = 0; i < 27; i++) await patchUser({ db, plan, requestId: `r${i}`, now: at(60 + i) }, ids[i]!, deactivate);
    expect(await statuses(tenant)).toEqual({ deactivated: 25, pending: 2, active: 1 });
    expect(await eventCounts(tenant)).toMatchObject({ 'user.deactivated': 25, 'user.deactivation_held': 2 });
    const held = await db.selectFrom('scim_users').select(['id', 'reason', 'deactivated_at']).where('tenant', '=', tenant).where('status', '=', 'pending').execute();
    expect(held.map((h) => h.id).sort()).toEqual([ids[25], ids[26]].sort());
    expect(held[0]!.reason).toBe('held by the safety limit (25 per 1h); deactivate.when: active eq false');
    expect(held[0]!.deactivated_at).toBeNull();
    expect((await heldDeactivations(db, tenant)).get(tenant)).toBe(2);

    // Another request for a held account keeps it held, without a second alarm.
    await patchUser({ db, plan, requestId: 'again', now: at(200) }, ids[25]!, { Operations: [{ op: 'replace', path: 'title', value: 'Clerk' }] });
    expect(await eventCounts(tenant)).toMatchObject({ 'user.deactivation_held': 2 });
    expect(await statuses(tenant)).toMatchObject({ pending: 2 });

    const released = await approveHeld(db, tenant, at(300));
    expect(released).toEqual({ released: 2 });
    expect(await statuses(tenant)).toEqual({ deactivated: 27, active: 1 });
    const approved = await db.selectFrom('events').selectAll().where('tenant', '=', tenant).where('request_id', '=', 'approve').execute();
    expect(approved.map((e) => e.type)).toEqual(['user.deactivated', 'user.deactivated']);
    expect(approved.every((e) => e.config_hash === plan.hash)).toBe(true);
    const row = await db.selectFrom('scim_users').select(['reason', 'deactivated_at']).where('id', '=', ids[25]!).executeTakeFirstOrThrow();
    expect(row.reason).toBe('deactivate.when: active eq false');
    expect(row.deactivated_at?.toISOString()).toBe(at(300).toISOString());
    expect(await approveHeld(db, tenant, at(301))).toEqual({ released: 0 });
    expect((await heldDeactivations(db, tenant)).get(tenant)).toBeUndefined();
  });

  it('lets deactivations through again once the window has passed', async () => {
    const tenant = uniqueTenant('safety');
    const { plan, ids } = await seed(tenant, 'safety: { maxDeactivations: 2, per: 30m }', 4);
    for (let i = 0; i < 3; i++) await patchUser({ db, plan, requestId: `r${i}`, now: at(i) }, ids[i]!, deactivate);
    expect(await statuses(tenant)).toEqual({ deactivated: 2, pending: 1, active: 1 });
    await patchUser({ db, plan, requestId: 'later', now: at(31 * 60) }, ids[3]!, deactivate);
    expect(await statuses(tenant)).toEqual({ deactivated: 3, pending: 1 });
  });

  it('releases a hold when the condition stops holding before approval', async () => {
    const tenant = uniqueTenant('safety');
    const { plan, ids } = await seed(tenant, 'safety: { maxDeactivations: 0, per: 1h }', 1);
    await patchUser({ db, plan, requestId: 'r', now: at(1) }, ids[0]!, deactivate);
    expect(await statuses(tenant)).toEqual({ pending: 1 });
    await patchUser({ db, plan, requestId: 'r2', now: at(2) }, ids[0]!, { Operations: [{ op: 'replace', path: 'active', value: true }] });
    expect(await statuses(tenant)).toEqual({ active: 1 });
    expect(await approveHeld(db, tenant, at(3))).toEqual({ released: 0 });
  });

  it('neither holds nor counts a new account that starts deactivated (default 25 per 1h)', async () => {
    const tenant = uniqueTenant('safety');
    const { app, scim } = buildTestApp(db, [tenantYaml(tenant)]);
    try {
      // An initial sync: 30 disabled users in scope (Entra sends `active: false`).
      const started: string[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await scim(tenant, 'POST', '/Users', userBody(`off-${i}`, `off${i}@example.com`, { active: false }));
        expect(res.statusCode).toBe(201);
        expect(res.json().active).toBe(false);
        started.push(res.json().id as string);
      }
      expect(await statuses(tenant)).toEqual({ deactivated: 30 });
      const events = await db.selectFrom('events').select(['account_id', 'type', 'reason']).where('tenant', '=', tenant).where('type', 'like', 'user.deactivat%').execute();
      expect(events).toHaveLength(30);
      expect(events.every((e) => e.type === 'user.deactivated' && e.reason === 'deactivate.when: active eq false')).toBe(true);
      expect(new Set(events.map((e) => e.account_id))).toEqual(new Set(started));
      expect(await recentDeactivations(db, tenant, new Date(Date.now() - 3_600_000))).toBe(0);

      // The window is still empty for existing accounts: 25 pass, the 26th is held.
      const active: string[] = [];
      for (let i = 0; i < 26; i++) active.push((await scim(tenant, 'POST', '/Users', userBody(`on-${i}`, `on${i}@example.com`))).json().id as string);
      for (const id of active) expect((await scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], ...deactivate })).statusCode).toBe(200);
      expect(await statuses(tenant)).toEqual({ deactivated: 55, pending: 1 });
      const held = await db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).where('status', '=', 'pending').execute();
      expect(held.map((h) => h.id)).toEqual([active[25]]);
      expect(await recentDeactivations(db, tenant, new Date(Date.now() - 3_600_000))).toBe(25);
    } finally {
      await app.close();
    }
  });

  it('starts every new account of a Bulk request deactivated, and holds none', async () => {
    const tenant = uniqueTenant('safety');
    const { app, scim } = buildTestApp(db, [tenantYaml(tenant, 'safety: { maxDeactivations: 1, per: 1h }')]);
    try {
      const Operations = Array.from({ length: 5 }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `b${i}`, data: userBody(`bulk-${i}`, `bulk${i}@example.com`, { active: false }) }));
      const res = await scim(tenant, 'POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations });
      expect(res.statusCode).toBe(200);
      expect(res.json().Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201', '201', '201', '201']);
      expect(await statuses(tenant)).toEqual({ deactivated: 5 });
      expect(await recentDeactivations(db, tenant, new Date(Date.now() - 3_600_000))).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('a re-link still passes the limit and counts; a start beside it does neither', async () => {
    const tenant = uniqueTenant('safety');
    const plan = planOf(tenantYaml(tenant, 'safety: { maxDeactivations: 1, per: 1d }'));
    const ctx = (requestId: string, seconds: number) => ({ db, plan, requestId, now: at(seconds) });
    const gone = await Promise.all(['a', 'b'].map((k) => createUser(ctx(`seed-${k}`, 0), userBody(k, `${k}@example.com`))));
    for (const { row } of gone) await deleteUser(ctx('delete', 1), row.id);
    // A start, then a re-link that deactivates (the first counted), a start, a re-link held.
    const start1 = await createUser(ctx('c', 2), userBody('c', 'c@example.com', { active: false }));
    const relinkA = await createUser(ctx('a2', 3), userBody('a', 'a@example.com', { active: false }));
    const start2 = await createUser(ctx('d', 4), userBody('d', 'd@example.com', { active: false }));
    const relinkB = await createUser(ctx('b2', 5), userBody('b', 'b@example.com', { active: false }));
    expect([start1, relinkA, start2, relinkB].map((u) => u.row.status)).toEqual(['deactivated', 'deactivated', 'deactivated', 'pending']);
    expect(relinkA.row.id).toBe(gone[0]!.row.id);
    expect(relinkB.row.reason).toBe('held by the safety limit (1 per 1d); deactivate.when: active eq false');
    expect(await recentDeactivations(db, tenant, at(-1))).toBe(1);
  });

  it('a feed import creates its disabled users deactivated, held by neither the limit nor its thresholds', async () => {
    const tenant = uniqueTenant('safety');
    const plan = planOf(tenantYaml(tenant, 'safety: { maxDeactivations: 0, per: 1h }\nfeeds:\n  - name: hr\n    format: { type: scim-bulk }\n    thresholds: { deactivations: 0 }'));
    const users = Array.from({ length: 3 }, (_, i) => ({ key: `feed-${i}`, row: i + 1, user: userBody(`feed-${i}`, `feed${i}@example.com`, { active: false }) }));
    const result = await importFeedUsers({ db, plan, requestId: 'feed', now: at(0) }, plan.feeds[0]!, users);
    expect(result.held).toBeUndefined();
    expect(result.records.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    expect(await statuses(tenant)).toEqual({ deactivated: 3 });
    expect(await recentDeactivations(db, tenant, at(-1))).toBe(0);
  });

  it("plan's would-hold count leaves out accounts that started deactivated", async () => {
    const tenant = uniqueTenant('safety');
    const plan = planOf(tenantYaml(tenant, 'safety: { maxDeactivations: 3, per: 1h }'));
    for (let i = 0; i < 5; i++) await createUser({ db, plan, requestId: 'off', now: at(i) }, userBody(`off-${i}`, `off${i}@example.com`, { active: false }));
    for (let i = 0; i < 5; i++) await createUser({ db, plan, requestId: 'on', now: at(10 + i) }, userBody(`on-${i}`, `on${i}@example.com`));
    const stricter = planOf(tenantYaml(tenant, 'safety: { maxDeactivations: 3, per: 1h }').replace('deactivate: { when: active eq false }', 'deactivate: { when: userName ew "example.com" }'));
    const report = await planReport(db, stricter, { now: at(60), config: 'stricter.yaml' });
    expect(report).toMatchObject({ deactivations: 5, safety: { maxDeactivations: 3, wouldHold: 2 } });
    // apply holds as many as plan said it would.
    expect(await reevaluateTenant({ db, plan: stricter, now: () => at(60) })).toMatchObject({ deactivated: 3, held: 2 });
  });

  it('holds apply-driven deactivations beyond the limit (default 25 per 1h)', async () => {
    const tenant = uniqueTenant('safety');
    const { ids } = await seed(tenant, '', 30);
    const stricter = planOf(tenantYaml(tenant).replace('deactivate: { when: active eq false }', 'deactivate: { when: userName ew "example.com" }'));
    expect(stricter.safety).toEqual({ maxDeactivations: 25, per: '1h', perMs: 3_600_000 });
    const result = await reevaluateTenant({ db, plan: stricter, now: () => at(10), batchSize: 7 });
    expect(result).toMatchObject({ done: 30, deactivated: 25, held: 5, completed: true });
    expect(await statuses(tenant)).toEqual({ deactivated: 25, pending: 5 });
    expect(await eventCounts(tenant)).toMatchObject({ 'user.deactivated': 25, 'user.deactivation_held': 5, 'config.applied': 1 });
    expect(ids).toHaveLength(30);
    // A rerun changes nothing; approval releases the five.
    expect(await reevaluateTenant({ db, plan: stricter, now: () => at(20) })).toMatchObject({ done: 0, changed: 0 });
    expect(await approveHeld(db, tenant, at(30))).toEqual({ released: 5 });
  });

  it('POST /api/v1/tenants/{tenant}/approve releases holds with the admin token only', async () => {
    const tenant = uniqueTenant('safety');
    const { plan, ids } = await seed(tenant, 'safety: { maxDeactivations: 0, per: 1h }', 2);
    for (const id of ids) await patchUser({ db, plan, requestId: 'r', now: at(5) }, id, deactivate);
    const saved = process.env['SCIMPLAN_ADMIN_TOKEN'];
    process.env['SCIMPLAN_ADMIN_TOKEN'] = 'admin-secret';
    try {
      const { app } = buildTestApp(db, [tenantYaml(tenant, 'safety: { maxDeactivations: 0, per: 1h }')]);
      const url = `/api/v1/tenants/${tenant}/approve`;
      expect((await app.inject({ method: 'POST', url })).statusCode).toBe(401);
      expect((await app.inject({ method: 'POST', url, headers: { authorization: `Bearer secret-${tenant}` } })).statusCode).toBe(401);
      const ok = await app.inject({ method: 'POST', url, headers: { authorization: 'Bearer admin-secret' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toEqual({ tenant, released: 2 });
      expect(await statuses(tenant)).toEqual({ deactivated: 2 });
      await app.close();
    } finally {
      if (saved === undefined) delete process.env['SCIMPLAN_ADMIN_TOKEN'];
      else process.env['SCIMPLAN_ADMIN_TOKEN'] = saved;
    }
  });
});
