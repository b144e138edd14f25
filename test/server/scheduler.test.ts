// The scheduler of time-dependent deactivation on the real database (PGlite, or PostgreSQL at
// TEST_DATABASE_URL): injected clock, rehires, catch-up after a restart, a real timer, and two
// schedulers at once acting on each account exactly once.

import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/tables.ts';
import { Scheduler, type Timer } from '../../server/scheduler.ts';
import { buildTestApp, openPrivateDatabase, openTestDatabase, planOf, sha256Hex, uniqueTenant, userBody, type TestApp, until, settledEvents } from './helpers.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const DAY = 86_400_000;

function yaml(tenant: string, when = 'active eq false or acme.employmentEndDate le now()', extra = ''): string {
  return `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
timezone: Europe/Amsterdam
key: externalId
schemas:
  - urn: ${ACME}
    alias: acme
    attributes: { employmentEndDate: dateTime, startDate: dateTime }
profile: { function: title }
deactivate:
  when: '${when}'
${extra}`;
}

let database: OpenDatabase;
let db: Kysely<Database>;
/** The apps setup() built, closed after the file (the worker goes on to other files). */
const apps: TestApp[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  for (const t of apps) await t.app.close();
  await database.close();
});

interface Setup {
  readonly tenant: string;
  readonly t: TestApp;
  readonly plans: () => ReturnType<typeof planOf>[];
  create(id: string, ext: Record<string, unknown>): Promise<string>;
  status(id: string): Promise<{ status: string; next: Date | null; version: number }>;
  events(id: string): Promise<{ type: string; requestId: string | null; configHash: string | null }[]>;
}

function setup(prefix: string, when?: string, extra?: string): Setup {
  const tenant = uniqueTenant(prefix);
  const y = yaml(tenant, when, extra);
  const t = buildTestApp(db, [y]);
  apps.push(t);
  const plan = planOf(y);
  return {
    tenant,
    t,
    plans: () => [plan],
    async create(id, ext) {
      const res = await t.scim(tenant, 'POST', '/Users', userBody(id, `${id}@example.com`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ACME], [ACME]: ext }));
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { id: string }).id;
    },
    async status(id) {
      const row = await db.selectFrom('scim_users').select(['status', 'next_check_at', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
      return { status: row.status, next: row.next_check_at, version: row.version };
    },
    async events(id) {
      return (await settledEvents(db, tenant, 0, 1000)).filter((e) => e.accountId === id).map((e) => ({ type: e.type, requestId: e.requestId, configHash: e.configHash }));
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();


describe('with an injected clock', () => {
  test('an end date passing deactivates exactly those accounts, without a request, with the same events', async () => {
    const s = setup('sched');
    const now = Date.now();
    const soon = await s.create('soon', { employmentEndDate: iso(now + DAY) });
    const later = await s.create('later', { employmentEndDate: iso(now + 3 * DAY) });
    const none = await s.create('none', {});
    const past = await s.create('past', { employmentEndDate: iso(now - DAY) });
    expect((await s.status(soon)).next?.toISOString()).toBe(iso(now + DAY));
    expect((await s.status(none)).next).toBeNull();
    expect((await s.status(past))).toMatchObject({ status: 'deactivated', next: null });

    let clock = now + 2 * DAY;
    const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(clock) });
    expect(await scheduler.runDue()).toEqual({ checked: 1, deactivated: 1, reactivated: 0, held: 0 });
    expect(await s.status(soon)).toMatchObject({ status: 'deactivated', next: null, version: 2 });
    expect(await s.status(later)).toMatchObject({ status: 'active', version: 1 });
    expect(await s.status(none)).toMatchObject({ status: 'active', version: 1 });
    const hash = s.plans()[0]!.hash;
    expect((await s.events(soon)).filter((e) => e.type.startsWith('user.de'))).toEqual([{ type: 'user.deactivated', requestId: 'scheduler', configHash: hash }]);

    // Nothing more is due now; the SCIM view shows the new status.
    expect(await scheduler.runDue()).toEqual({ checked: 0, deactivated: 0, reactivated: 0, held: 0 });
    const view = await s.t.scim(s.tenant, 'GET', `/Users/${soon}`);
    expect(view.json()['urn:ietf:params:scim:schemas:extension:scimplan:2.0:User'].status).toBe('deactivated');

    clock = now + 4 * DAY;
    expect(await scheduler.runDue()).toMatchObject({ checked: 1, deactivated: 1 });
    expect(await s.status(later)).toMatchObject({ status: 'deactivated', next: null });
    expect((await s.events(past)).map((e) => e.requestId)).not.toContain('scheduler');
  });

  test('a rehire: the date moved into the future reactivates at once and is scheduled again; removed, nothing is scheduled', async () => {
    const s = setup('rehire');
    const now = Date.now();
    const id = await s.create('r1', { employmentEndDate: iso(now + DAY) });
    let clock = now + 2 * DAY;
    const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(clock) });
    await scheduler.runDue();
    expect((await s.status(id)).status).toBe('deactivated');

    const patch = (value: unknown) =>
      s.t.scim(s.tenant, 'PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [value === null ? { op: 'remove', path: `${ACME}:employmentEndDate` } : { op: 'replace', path: `${ACME}:employmentEndDate`, value }],
      });
    expect((await patch(iso(now + 10 * DAY))).statusCode).toBe(200);
    expect(await s.status(id)).toMatchObject({ status: 'active' });
    expect((await s.status(id)).next?.toISOString()).toBe(iso(now + 10 * DAY));
    expect((await s.events(id)).map((e) => e.type)).toContain('user.reactivated');

    clock = now + 11 * DAY;
    expect(await scheduler.runDue()).toMatchObject({ deactivated: 1 });
    expect((await patch(null)).statusCode).toBe(200);
    expect(await s.status(id)).toMatchObject({ status: 'active', next: null });
  });

  test('reactivation by time when the condition allows: a start date in the future', async () => {
    const s = setup('start', 'acme.startDate gt now()');
    const now = Date.now();
    const id = await s.create('s1', { startDate: iso(now + DAY) });
    expect(await s.status(id)).toMatchObject({ status: 'deactivated' });
    const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(now + 2 * DAY) });
    expect(await scheduler.runDue()).toMatchObject({ checked: 1, reactivated: 1 });
    expect(await s.status(id)).toMatchObject({ status: 'active', next: null });
    expect((await s.events(id)).filter((e) => e.requestId === 'scheduler').map((e) => e.type)).toEqual(['user.reactivated']);
  });

  test('reactivate: false keeps the account deactivated when the condition stops holding', async () => {
    const s = setup('noreact', 'acme.startDate gt now() or acme.employmentEndDate le now()', '  reactivate: false\n');
    const now = Date.now();
    const id = await s.create('n1', { startDate: iso(now + DAY) });
    const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(now + 2 * DAY) });
    expect(await scheduler.runDue()).toMatchObject({ checked: 1, reactivated: 0, held: 0 });
    expect(await s.status(id)).toMatchObject({ status: 'deactivated', next: null });
  });

  test('after a restart, moments that passed while down are caught up at start', async () => {
    const s = setup('restart');
    const now = Date.now();
    const ids = [await s.create('c1', { employmentEndDate: iso(now + DAY) }), await s.create('c2', { employmentEndDate: iso(now + 2 * DAY) })];
    const first = new Scheduler({ db, plans: s.plans, now: () => new Date(now) });
    first.start();
    await first.stop();
    expect((await s.status(ids[0]!)).status).toBe('active');
    // "Down" for three days; a new instance on the same database starts.
    const second = new Scheduler({ db, plans: s.plans, now: () => new Date(now + 3 * DAY) });
    second.start();
    try {
      await until('both accounts deactivated', async () => (await s.status(ids[1]!)).status === 'deactivated' && (await s.status(ids[0]!)).status === 'deactivated', 10_000);
    } finally {
      await second.stop();
    }
    for (const id of ids) expect((await s.events(id)).filter((e) => e.type === 'user.deactivated')).toHaveLength(1);
  });

  test('accounts of tenants not served are left alone, and never make it spin', async () => {
    const s = setup('other');
    const id = await s.create('o1', { employmentEndDate: iso(Date.now() + 1000) });
    const scheduler = new Scheduler({ db, plans: () => [], now: () => new Date(Date.now() + DAY) });
    expect(await scheduler.runDue()).toEqual({ checked: 0, deactivated: 0, reactivated: 0, held: 0 });
    expect((await s.status(id)).status).toBe('active');
  });
});

test('on a real timer: an end date 2 s ahead deactivates within seconds, woken by the request', async () => {
  const s = setup('timer');
  // The real timer, telling when the scheduler goes to sleep and for how long.
  const sleeps: number[] = [];
  let asleep!: () => void;
  const sleeping = new Promise<void>((resolve) => (asleep = resolve));
  const timer: Timer = {
    set: (callback, ms) => {
      const handle = setTimeout(callback, ms);
      handle.unref();
      sleeps.push(ms);
      asleep();
      return handle;
    },
    clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
  };
  // The scheduler of the app the request goes to: the app's signals wake it (as in serve()).
  const scheduler = new Scheduler({ db, plans: s.plans, timer, signals: s.t.app.signals });
  scheduler.start();
  try {
    // Started first, so it sleeps (its 60 s cap: nothing is stored) and must be woken by the new moment.
    await sleeping;
    expect(sleeps[0]).toBeGreaterThan(15_000);
    const id = await s.create('t1', { employmentEndDate: iso(Date.now() + 2000) });
    expect((await s.status(id)).status).toBe('active');
    await until('the account deactivated', async () => (await s.status(id)).status === 'deactivated', 15_000);
    expect((await s.events(id)).filter((e) => e.type === 'user.deactivated')).toEqual([{ type: 'user.deactivated', requestId: 'scheduler', configHash: s.plans()[0]!.hash }]);
  } finally {
    await scheduler.stop();
  }
}, 20_000);

test('the safety limit applies to the scheduler: deactivations beyond it are held as pending', async () => {
  const s = setup('safety', undefined, 'safety: { maxDeactivations: 2, per: 1h }\n');
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await s.create(`h${i}`, { employmentEndDate: iso(now + DAY + i * 1000) }));
  const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(now + 2 * DAY) });
  expect(await scheduler.runDue()).toEqual({ checked: 3, deactivated: 2, reactivated: 0, held: 1 });
  expect((await Promise.all(ids.map((id) => s.status(id)))).map((r) => r.status)).toEqual(['deactivated', 'deactivated', 'pending']);
  expect((await s.events(ids[2]!)).filter((e) => e.requestId === 'scheduler').map((e) => e.type)).toEqual(['user.deactivation_held']);
});

test('two schedulers at once (two pools on PostgreSQL) deactivate each due account exactly once', async () => {
  // Above the default safety limit (25 per hour): this test is about locking, not holds.
  const s = setup('twice', undefined, 'safety: { maxDeactivations: 1000, per: 1h }');
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) ids.push(await s.create(`d${i}`, { employmentEndDate: iso(now + DAY + i * 1000) }));
  const url = process.env['TEST_DATABASE_URL'];
  const second: OpenDatabase | undefined = url ? await openPrivateDatabase() : undefined;
  try {
    const clock = () => new Date(now + 2 * DAY);
    const a = new Scheduler({ db, plans: s.plans, now: clock, batchSize: 7 });
    const b = new Scheduler({ db: second?.db ?? db, plans: s.plans, now: clock, batchSize: 7 });
    const [ra, rb] = await Promise.all([a.runDue(), b.runDue()]);
    expect(ra.deactivated + rb.deactivated).toBe(40);
    const events = (await settledEvents(db, s.tenant, 0, 10_000)).filter((e) => e.type === 'user.deactivated');
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => e.accountId))).toEqual(new Set(ids));
    for (const id of ids) expect((await s.status(id)).status).toBe('deactivated');
  } finally {
    await second?.close();
  }
});

test('the scheduler releases a held account whose condition stops holding, as a request and apply do', async () => {
  const s = setup('release', 'acme.startDate gt now()', 'safety: { maxDeactivations: 0, per: 1h }\n');
  const now = Date.now();
  // Held as an existing account: a new one that starts deactivated is not held (engine `start`).
  const id = await s.create('r1', { startDate: iso(now - DAY) });
  expect((await s.status(id)).status).toBe('active');
  const put = await s.t.scim(s.tenant, 'PUT', `/Users/${id}`, userBody('r1', 'r1@example.com', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ACME], [ACME]: { startDate: iso(now + DAY) } }));
  expect(put.statusCode, put.body).toBe(200);
  expect((await s.status(id)).status).toBe('pending');
  const before = (await s.status(id)).version;
  const scheduler = new Scheduler({ db, plans: s.plans, now: () => new Date(now + 2 * DAY) });
  expect(await scheduler.runDue()).toEqual({ checked: 1, deactivated: 0, reactivated: 0, held: 0 });
  const after = await s.status(id);
  expect(after).toMatchObject({ status: 'active', next: null, version: before + 1 });
  const row = await db.selectFrom('scim_users').select(['reason', 'deactivated_at']).where('id', '=', id).executeTakeFirstOrThrow();
  expect(row).toEqual({ reason: null, deactivated_at: null });
  expect((await s.events(id)).filter((e) => e.requestId === 'scheduler')).toEqual([]);
});
