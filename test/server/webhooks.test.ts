// Server: webhook delivery against a real receiver on 127.0.0.1 that fails its first attempts:
// signed bodies, retries with backoff, every event in id order, and a cursor that survives a restart.

import Fastify, { type FastifyInstance } from 'fastify';
import type { Kysely, KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/tables.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifyWebhookSignature, WebhookDispatcher, type WebhookBody } from '../../server/webhooks.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, userBody, until, validatedApp } from './helpers.ts';

const SECRET = 'webhook-secret-for-tests';
let database: OpenDatabase;
let app: FastifyInstance;
let receiver: FastifyInstance;
let receiverUrl: string;
const tenant = uniqueTenant('hooks');
const tenants = new TenantRegistry([planOf(tenantYaml(tenant))]);

/** What the receiver saw: every attempt, and the bodies it acknowledged. */
const attempts: { status: number; delivery: string; signed: boolean }[] = [];
const accepted: WebhookBody[] = [];
let failuresLeft = 0;

beforeAll(async () => {
  database = await openTestDatabase();
  app = validatedApp({ db: database.db, tenants });
  receiver = Fastify();
  receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  receiver.post('/hook', async (request, reply) => {
    const raw = request.body as string;
    const signed = verifyWebhookSignature(SECRET, raw, request.headers[SIGNATURE_HEADER] as string | undefined);
    const status = !signed ? 401 : failuresLeft-- > 0 ? 503 : 200;
    attempts.push({ status, delivery: String(request.headers[DELIVERY_HEADER]), signed });
    if (status === 200) accepted.push(JSON.parse(raw) as WebhookBody);
    return reply.code(status).send({ ok: status === 200 });
  });
  await receiver.listen({ host: '127.0.0.1', port: 0 });
  const address = receiver.server.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
});
afterAll(async () => {
  await receiver?.close();
  await app?.close();
  await database?.close();
});

async function provision(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Users`,
      headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify(userBody(`${prefix}-${i}`, `${prefix}-${i}@example.com`, { title: i % 2 ? 'CFO' : 'Clerk' })),
    });
    expect(res.statusCode).toBe(201);
  }
}

async function storedIds(): Promise<number[]> {
  const rows = await database.db.selectFrom('events').select('id').where('tenant', '=', tenant).orderBy('id').execute();
  return rows.map((r) => Number(r.id));
}


/** The test database, counting the statements run through it. */
function countingQueries(): { db: Kysely<Database>; count: () => number } {
  let n = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      n++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: database.db.withPlugin(plugin), count: () => n };
}

const dispatcher = (secret = SECRET, db = database.db) =>
  new WebhookDispatcher({ url: receiverUrl, secret, db, tenants, pollMs: 50, initialBackoffMs: 20, maxBackoffMs: 200, batchSize: 4, metrics: app.metrics, signals: app.signals });

it('delivers every event in id order, signed, retrying with backoff after failures', async () => {
  await provision('first', 5);
  failuresLeft = 3;
  const hooks = dispatcher();
  hooks.start();
  try {
    const ids = await storedIds();
    await until('every event delivered', () => accepted.flatMap((b) => b.events).length >= ids.length);
    const delivered = accepted.flatMap((b) => b.events);
    expect(delivered.map((e) => e.id)).toEqual(ids);
    expect(accepted.every((b) => b.tenant === tenant && b.events.length <= 4)).toBe(true);
    expect(delivered.every((e) => e.tenant === tenant && e.configHash && Array.isArray(e.fields ?? []))).toBe(true);
    expect(JSON.stringify(accepted)).not.toContain('@example.com');

    // The first batch failed three times, then went through unchanged: same delivery id.
    const failed = attempts.filter((a) => a.status === 503);
    expect(failed).toHaveLength(3);
    expect(new Set(failed.map((a) => a.delivery))).toEqual(new Set([attempts.find((a) => a.status === 200)!.delivery]));
    expect(attempts.every((a) => a.signed)).toBe(true);

    // New events are delivered while running, in order, after the earlier ones.
    await provision('second', 2);
    const more = await storedIds();
    await until('the later events delivered', () => accepted.flatMap((b) => b.events).length >= more.length);
    expect(accepted.flatMap((b) => b.events).map((e) => e.id)).toEqual(more);
  } finally {
    await hooks.stop();
  }
  const metrics = await app.metrics.registry.getSingleMetricAsString('scimplan_webhook_deliveries_total');
  expect(metrics).toMatch(/outcome="failed"} 3/);
});

it('resumes from the durable cursor after a restart, without repeating acknowledged events', async () => {
  const before = accepted.flatMap((b) => b.events).map((e) => e.id);
  const cursor = await database.db.selectFrom('webhook_cursor').selectAll().where('tenant', '=', tenant).executeTakeFirstOrThrow();
  expect(Number(cursor.last_id)).toBe(before.at(-1));
  expect(cursor.locked_by).toBeNull();

  await provision('while-down', 3);
  const hooks = dispatcher();
  hooks.start();
  try {
    const ids = await storedIds();
    await until('every event delivered', () => accepted.flatMap((b) => b.events).length >= ids.length);
    const all = accepted.flatMap((b) => b.events).map((e) => e.id);
    expect(all).toEqual(ids);
    expect(new Set(all).size).toBe(all.length);
  } finally {
    await hooks.stop();
  }
});

it('never advances past a batch the receiver refuses (a wrong signature)', async () => {
  const count = accepted.length;
  await provision('refused', 1);
  const hooks = dispatcher('a-different-secret');
  hooks.start();
  await until('two unsigned attempts', () => attempts.filter((a) => !a.signed).length >= 2);
  await hooks.stop();
  expect(accepted.length).toBe(count);
  const cursor = await database.db.selectFrom('webhook_cursor').select('last_id').where('tenant', '=', tenant).executeTakeFirstOrThrow();
  expect(Number(cursor.last_id)).toBe(accepted.flatMap((b) => b.events).at(-1)!.id);
});

it('lets one instance at a time hold a tenant: a second dispatcher waits for the lease', async () => {
  await provision('leased', 2);
  const [oneDb, twoDb] = [countingQueries(), countingQueries()];
  const one = dispatcher(SECRET, oneDb.db);
  const two = dispatcher(SECRET, twoDb.db);
  one.start();
  two.start();
  try {
    const ids = await storedIds();
    await until('every event delivered', () => accepted.flatMap((b) => b.events).length >= ids.length);
    // Both have gone round their loop again since (the lease holder reading events, the other
    // trying the lease): a second delivery would have had its chance.
    const [a, b] = [oneDb.count(), twoDb.count()];
    await until('both dispatchers to go round again', () => oneDb.count() >= a + 3 && twoDb.count() >= b + 3);
    const all = accepted.flatMap((b) => b.events).map((e) => e.id);
    expect(all).toEqual(ids);
  } finally {
    await one.stop();
    await two.stop();
  }
});

it('delivers a status event with its reason, as the events API shows it', async () => {
  const res = await app.inject({
    method: 'POST',
    url: `/scim/v2/${tenant}/Users`,
    headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
    payload: JSON.stringify(userBody('reason-0', 'reason-0@example.com', { active: false })),
  });
  expect(res.statusCode).toBe(201);
  const hooks = dispatcher();
  hooks.start();
  try {
    const ids = await storedIds();
    await until('every event delivered', () => accepted.flatMap((b) => b.events).length >= ids.length);
  } finally {
    await hooks.stop();
  }
  const mine = accepted.flatMap((b) => b.events).filter((e) => e.accountId === res.json().id);
  expect(mine.map((e) => [e.type, e.reason])).toEqual([
    ['user.created', null],
    ['user.deactivated', 'deactivate.when: active eq false'],
  ]);
});
