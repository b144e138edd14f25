// POST /api/v1/tenants/{tenant}/feeds/{feed}: the AFAS export posted over HTTP answers 202 with a
// job id; GET .../jobs/{id} gives the result per record once the job has finished. Real app,
// inject, the worker's database.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, planOf, uniqueTenant, validatedApp } from './helpers.ts';

const ADMIN = 'admin-token-for-feeds';
const examples = join(import.meta.dirname, '../../examples/valid');
const tenant = uniqueTenant('feedapi');
const FEED_TOKEN = 'feed-token-of-afas';
const yaml = readFileSync(join(examples, 'hoogland-afas.yaml'), 'utf8')
  .replace('tenant: hoogland', `tenant: ${tenant}`)
  .replace('  - name: afas\n', `  - name: afas\n    tokens:\n      - sha256: ${createHash('sha256').update(FEED_TOKEN).digest('hex')}\n`);
const csv = readFileSync(join(examples, 'hoogland-afas.csv'));
// A second tenant whose feed allows two creates: the four people of the export are held.
const strict = uniqueTenant('feedheld');
const strictYaml = yaml.replace(`tenant: ${tenant}`, `tenant: ${strict}`).replace('creates: 500', 'creates: 2');
let database: OpenDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  database = await openTestDatabase();
  app = validatedApp({ db: database.db, tenants: new TenantRegistry([planOf(yaml), planOf(strictYaml)]), adminToken: ADMIN });
});
afterAll(async () => {
  await app.close();
  await database.close();
});

const post = (body: Buffer | string, token = ADMIN, feed = 'afas', to = tenant, query = '') =>
  app.inject({ method: 'POST', url: `/api/v1/tenants/${to}/feeds/${feed}${query}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, payload: body });

/** Reads the job until it has finished (each read is one request; no fixed sleep). */
async function finished(location: string): Promise<Record<string, unknown>> {
  for (;;) {
    const r = await app.inject({ method: 'GET', url: location, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.statusCode).toBe(200);
    const job = r.json() as Record<string, unknown>;
    if (job.status !== 'running') return job;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('feeds over HTTP', () => {
  it('answers 202 with a job whose result lists each record', async () => {
    const r = await post(csv);
    expect(r.statusCode).toBe(202);
    const body = r.json() as { id: string; location: string; status: string };
    expect(body.status).toBe('running');
    const job = await finished(body.location);
    expect(job.status).toBe('done');
    expect(job.rows).toBe(6);
    expect((job.records as { key: string; outcome: string }[]).map((x) => [x.key, x.outcome])).toEqual([
      ['10042', 'created'],
      ['10077', 'created'],
      ['10103', 'created'],
      ['10155', 'created'],
    ]);
    const again = await finished((await post(csv)).json().location);
    expect((again.records as { outcome: string }[]).every((x) => x.outcome === 'unchanged')).toBe(true);
    const users = await database.db.selectFrom('scim_users').select('key_value').where('tenant', '=', tenant).execute();
    expect(users).toHaveLength(4);
  });

  it('takes the admin token or the feed token (stored as a hash); an unknown feed or job is 404', async () => {
    expect(planOf(yaml).feeds[0]!.tokens).toHaveLength(1);
    expect((await post(csv, 'wrong')).statusCode).toBe(401);
    expect((await post(csv, `secret-${tenant}`)).statusCode).toBe(401);
    const byFeedToken = await post(csv, FEED_TOKEN);
    expect(byFeedToken.statusCode).toBe(202);
    await finished(byFeedToken.json().location);
    expect((await post(csv, ADMIN, 'visma')).statusCode).toBe(404);
    const r = await app.inject({ method: 'GET', url: `/api/v1/tenants/${tenant}/feeds/afas/jobs/nope`, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(r.statusCode).toBe(404);
  });

  it('without a valid token, an unknown tenant or feed answers as a known one does (401), so names do not leak', async () => {
    const known = await post(csv, 'wrong');
    const unknownFeed = await post(csv, 'wrong', 'visma');
    const unknownTenant = await post(csv, 'wrong', 'afas', 'no-such-tenant');
    const unknownJob = await app.inject({ method: 'GET', url: '/api/v1/tenants/no-such-tenant/feeds/afas/jobs/nope', headers: { authorization: 'Bearer wrong' } });
    for (const answer of [known, unknownFeed, unknownTenant, unknownJob]) expect(answer.statusCode).toBe(401);
    expect(unknownFeed.json()).toEqual(known.json());
    expect(unknownTenant.json()).toEqual(known.json());
    // The feed token of one feed does not reveal another tenant's names either.
    expect((await post(csv, FEED_TOKEN, 'afas', 'no-such-tenant')).statusCode).toBe(401);
  });

  it('a held import writes its event and nothing else, counts the metric; only the admin token approves it', async () => {
    const users = () => database.db.selectFrom('scim_users').select('key_value').where('tenant', '=', strict).execute();
    const events = () => database.db.selectFrom('events').select(['type', 'request_id', 'fields', 'reason']).where('tenant', '=', strict).orderBy('id').execute();
    const heldCount = async () => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith(`scimplan_feed_imports_held_total{tenant="${strict}",feed="afas"}`));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    expect(await heldCount()).toBe(0);
    const posted = (await post(csv, FEED_TOKEN, 'afas', strict)).json() as { id: string; location: string };
    const held = await finished(posted.location);
    expect(held.status).toBe('held');
    expect(held.held).toEqual({ held: true, exceeded: [{ threshold: 'creates', count: 4, limit: 2, written: '2' }] });
    expect(await users()).toHaveLength(0);
    expect(await events()).toEqual([{ type: 'feed.import_held', request_id: `feed:${posted.id}`, fields: ['creates'], reason: 'feed `afas`: 4 creates, threshold 2 (2)' }]);
    expect(await heldCount()).toBe(1);

    // A feed token cannot approve what it posts; a bad value is refused; neither starts a job.
    const byFeed = await post(csv, FEED_TOKEN, 'afas', strict, '?approve=true');
    expect(byFeed.statusCode).toBe(401);
    expect((await post(csv, ADMIN, 'afas', strict, '?approve=yes')).statusCode).toBe(400);
    expect(await database.db.selectFrom('feed_jobs').select('id').where('tenant', '=', strict).execute()).toHaveLength(1);

    const approved = await finished((await post(csv, ADMIN, 'afas', strict, '?approve=true')).json().location);
    expect(approved.status).toBe('done');
    expect(approved.approved).toEqual([{ threshold: 'creates', count: 4, limit: 2, written: '2' }]);
    expect(await users()).toHaveLength(4);
    expect((await events()).map((e) => e.type).slice(0, 3)).toEqual(['feed.import_held', 'feed.import_approved', 'user.created']);
    expect(await heldCount()).toBe(1);
  });
});
