// POST /api/v1/tenants/{tenant}/feeds/{feed}: the AFAS export posted over HTTP answers 202 with a
// job id; GET .../jobs/{id} gives the result per record once the job has finished. Real app,
// inject, the worker's database.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { Readable } from 'node:stream';
import { runFeedImport } from '../../server/feed-import.ts';
import { openFeedJob } from '../../server/feed-jobs.ts';
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
// A tenant whose feed rejects the whole file for one bad row, and has a SCIM Bulk feed.
const picky = uniqueTenant('feedpicky');
const pickyYaml = yaml
  .replace(`tenant: ${tenant}`, `tenant: ${picky}`)
  .replace('  - name: afas\n', '  - name: afas\n    rejectFile: true\n')
  .replace('feeds:\n', 'feeds:\n  - name: entra\n    format: { type: scim-bulk }\n');
// A tenant whose import is interrupted and resumed.
const resumable = uniqueTenant('feedresume');
const resumableYaml = yaml.replace(`tenant: ${tenant}`, `tenant: ${resumable}`);
let database: OpenDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  database = await openTestDatabase();
  app = validatedApp({ db: database.db, tenants: new TenantRegistry([planOf(yaml), planOf(strictYaml), planOf(pickyYaml), planOf(resumableYaml)]), adminToken: ADMIN });
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
    expect(job).toMatchObject({ totalRecords: 4, startIndex: 1, counts: { created: 4 } });
    // One page of the records: the database slices the stored result, the server parses that page.
    const paged = await app.inject({ method: 'GET', url: `${body.location}?startIndex=2&count=2`, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(paged.statusCode, paged.body).toBe(200);
    expect(paged.json()).toMatchObject({ status: 'done', rows: 6, totalRecords: 4, startIndex: 2, counts: { created: 4 } });
    expect((paged.json().records as { key: string }[]).map((x) => x.key)).toEqual(['10077', '10103']);
    const past = await app.inject({ method: 'GET', url: `${body.location}?startIndex=9`, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(past.json()).toMatchObject({ totalRecords: 4, records: [] });
    const wrong = await app.inject({ method: 'GET', url: `${body.location}?count=lots`, headers: { authorization: `Bearer ${ADMIN}` } });
    expect(wrong.statusCode).toBe(400);
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

  it('rejectFile: true refuses a file with a bad row over HTTP as the CLI does: the job fails, nothing is written', async () => {
    expect(planOf(pickyYaml).feeds.find((f) => f.name === 'afas')!.rejectFile).toBe(true);
    const bad = csv.toString('utf8').replace('01-09-2020;31-12-2027', '01-09-2020;31-13-2027');
    const job = await finished((await post(bad, ADMIN, 'afas', picky)).json().location);
    expect(job.status).toBe('failed');
    expect(job.error).toBe('1 bad rows and `rejectFile: true`; nothing was imported');
    expect(job.records).toEqual([{ row: 3, outcome: 'rejected', column: 'Einddatum', reason: '`hr.contractEnd` cannot be read from `parseDate(Einddatum, "dd-MM-yyyy")`' }]);
    expect(await database.db.selectFrom('scim_users').select('id').where('tenant', '=', picky).execute()).toEqual([]);
  });

  it('a SCIM BulkRequest of at most 50 operations (as Entra inbound provisioning sends) is answered 202, then a result per record', async () => {
    const operations = Array.from({ length: 50 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `b${i}`,
      data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: `${50000 + i}`, userName: `u${i}@hoogland.example`, active: true },
    }));
    operations[49] = { method: 'DELETE', path: '/Users/x' } as never;
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: operations };
    const r = await app.inject({ method: 'POST', url: `/api/v1/tenants/${picky}/feeds/entra`, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/scim+json' }, payload: body });
    expect(r.statusCode).toBe(202);
    const job = await finished(r.json().location);
    expect(job.status).toBe('done');
    expect(job.rows).toBe(50);
    const records = job.records as { row: number; key?: string; outcome: string; reason?: string }[];
    expect(records.slice(0, 2)).toEqual([{ row: 1, key: '50000', outcome: 'created' }, { row: 2, key: '50001', outcome: 'created' }]);
    expect(records.filter((x) => x.outcome === 'created')).toHaveLength(49);
    expect(records[49]).toEqual({ row: 50, outcome: 'rejected', reason: 'a feed takes POST or PUT operations on /Users with `data`' });
    // Malformed requests are refused before a job exists, as the /Bulk endpoint refuses them.
    const jobs = async () => (await database.db.selectFrom('feed_jobs').select('id').where('tenant', '=', picky).execute()).length;
    const before = await jobs();
    const malformed = await app.inject({ method: 'POST', url: `/api/v1/tenants/${picky}/feeds/entra`, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/scim+json' }, payload: { Operations: 'x' } });
    expect(malformed.statusCode).toBe(400);
    expect(await jobs()).toBe(before);
  });

  it('a job running when its server stopped is interrupted at the next start; posting the file again resumes it', async () => {
    const plan = planOf(resumableYaml);
    const now = new Date();
    const hash = createHash('sha256').update(csv).digest('hex');
    const job = await openFeedJob(database.db, { tenant: resumable, feed: 'afas', hash, origin: 'http', now });
    const stopped = runFeedImport({ db: database.db, plan, requestId: `feed:${job.id}`, now }, plan.feeds[0]!, { open: () => Readable.from([csv]) }, {
      job,
      batchSize: 2,
      afterBatch: () => {
        throw new Error('server stopped');
      },
    });
    await expect(stopped).rejects.toThrow('server stopped');
    const restarted = validatedApp({ db: database.db, tenants: new TenantRegistry([planOf(resumableYaml)]), adminToken: ADMIN });
    try {
      await restarted.ready();
      const read = await restarted.inject({ method: 'GET', url: `/api/v1/tenants/${resumable}/feeds/afas/jobs/${job.id}`, headers: { authorization: `Bearer ${ADMIN}` } });
      expect(read.json().status).toBe('interrupted');
    } finally {
      await restarted.close();
    }
    const again = (await post(csv, ADMIN, 'afas', resumable)).json() as { id: string; location: string; resumedAt?: number };
    expect(again.id).toBe(job.id);
    expect(again.resumedAt).toBe(2);
    const done = await finished(again.location);
    expect(done.status).toBe('done');
    expect(done.resumedAt).toBe(2);
    expect((done.records as { key: string; outcome: string }[]).map((x) => [x.key, x.outcome])).toEqual([
      ['10042', 'created'],
      ['10077', 'created'],
      ['10103', 'created'],
      ['10155', 'created'],
    ]);
    expect(await database.db.selectFrom('scim_users').select('id').where('tenant', '=', resumable).execute()).toHaveLength(4);
  });

  it('without an admin token configured, ?approve=true with a feed token is 401 (as a wrong token), not ADMIN_DISABLED', async () => {
    const noAdmin = validatedApp({ db: database.db, tenants: new TenantRegistry([planOf(strictYaml)]) });
    try {
      const r = await noAdmin.inject({ method: 'POST', url: `/api/v1/tenants/${strict}/feeds/afas?approve=true`, headers: { authorization: `Bearer ${FEED_TOKEN}`, 'content-type': 'text/csv' }, payload: csv });
      expect(r.statusCode).toBe(401);
    } finally {
      await noAdmin.close();
    }
  });
});
