// Server: POST /api/v1/tenants/{tenant}/feeds/{feed} -> 202 with a job id; the posted file (csv,
// jsonl) or SCIM BulkRequest is imported in the background through the tenant's plan, as
// `scimplan import` does. GET .../feeds/{feed}/jobs/{id} -> the job and its result per record.

import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Kysely } from 'kysely';
import { bearerToken, tokenMatches } from '../auth.ts';
import type { Database } from '../db/tables.ts';
import { scimError } from '../errors.ts';
import { importFeedUsers, type FeedRecordResult } from '../feed-import.ts';
import { readFeedSource } from '../feed-source.ts';
import type { Signals } from '../signals.ts';
import type { TenantRegistry } from '../tenants.ts';

export interface FeedRoutesOptions {
  readonly db: Kysely<Database>;
  /** Digest of the admin token (admin-auth.ts); null: only feed tokens are accepted. */
  readonly adminDigest: Buffer | null;
  readonly tenants: TenantRegistry;
  readonly signals?: Signals;
  /** Counts the imports a source threshold held (metrics.ts `feedImportsHeld`). */
  readonly importsHeld?: Counter<'tenant' | 'feed'>;
  /** Fixed clock for tests. */
  readonly now?: () => Date;
  /** Largest body accepted, in bytes. Default 64 MiB. */
  readonly bodyLimit?: number;
}

/**
 * Register with `{ prefix: '/api/v1' }`. A request needs the admin token or one of the feed's
 * `tokens` (sha256 digests, compared in constant time; tokens are never logged). `?approve=true`
 * runs the import past the feed's thresholds and needs the admin token: a feed token cannot
 * approve what it posts.
 */
export async function feedRoutes(app: FastifyInstance, options: FeedRoutesOptions): Promise<void> {
  const bodyLimit = options.bodyLimit ?? 64 * 1024 * 1024;
  app.addContentTypeParser(['text/csv', 'text/plain', 'application/x-ndjson', 'application/jsonl'], { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

  app.post('/tenants/:tenant/feeds/:feed', { bodyLimit }, async (request, reply) => {
    const { tenant, feed: name } = request.params as { tenant: string; feed: string };
    const served = options.tenants.get(tenant);
    const plan = served?.plan;
    const feed = plan?.feeds.find((f) => f.name === name);
    allowed(request.headers.authorization, served?.feedDigests.get(name), options.adminDigest);
    if (!plan) throw scimError('TENANT_NOT_CONFIGURED', { tenant });
    if (!feed) throw scimError('ENDPOINT_NOT_FOUND');
    const approve = approveParam((request.query as Record<string, unknown>)['approve']);
    if (approve && !isAdmin(request.headers.authorization, options.adminDigest)) throw scimError('ADMIN_UNAUTHORIZED');
    const body = request.body;
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body ?? null));
    const id = randomUUID();
    const now = options.now?.() ?? new Date();
    await options.db.insertInto('feed_jobs').values({ id, tenant, feed: name, status: 'running', result: null, created_at: now, finished_at: null }).execute();
    // The import runs after the answer; its outcome is stored on the job, never logged with values.
    void (async () => {
      try {
        const source = await readFeedSource(plan, feed, Readable.from([bytes]), now);
        const result = source.fatal
          ? undefined
          : await importFeedUsers({ db: options.db, plan, requestId: `feed:${id}`, now, ...(options.signals ? { signals: options.signals } : {}) }, feed, source.users, { approve });
        const rejected: FeedRecordResult[] = source.rejected.map((r) => ({ row: r.row, outcome: 'rejected', reason: r.reason, ...(r.column ? { column: r.column } : {}) }));
        const records = [...(result?.records ?? []), ...rejected].sort((a, b) => a.row - b.row);
        const status = source.fatal ? 'failed' : result?.held ? 'held' : 'done';
        if (result?.held) options.importsHeld?.inc({ tenant, feed: name });
        await options.db
          .updateTable('feed_jobs')
          .set({ status, finished_at: new Date(), result: JSON.stringify({ rows: source.rows, ...(source.fatal ? { error: source.fatal } : {}), ...(result?.held ? { held: result.held } : {}), ...(result?.approved ? { approved: result.approved } : {}), records }) })
          .where('id', '=', id)
          .execute();
      } catch {
        await options.db.updateTable('feed_jobs').set({ status: 'failed', finished_at: new Date(), result: JSON.stringify({ error: 'the import failed' }) }).where('id', '=', id).execute().catch(() => undefined);
        request.log.error({ tenant, feed: name, job: id }, 'feed import failed');
      }
    })();
    reply.code(202);
    return { id, tenant, feed: name, status: 'running', location: `/api/v1/tenants/${tenant}/feeds/${name}/jobs/${id}` };
  });

  app.get('/tenants/:tenant/feeds/:feed/jobs/:id', async (request) => {
    const { tenant, feed, id } = request.params as { tenant: string; feed: string; id: string };
    const served = options.tenants.get(tenant);
    const feedPlan = served?.plan.feeds.find((f) => f.name === feed);
    allowed(request.headers.authorization, served?.feedDigests.get(feed), options.adminDigest);
    if (!feedPlan) throw scimError('ENDPOINT_NOT_FOUND');
    const job = await options.db.selectFrom('feed_jobs').selectAll().where('id', '=', id).where('tenant', '=', tenant).where('feed', '=', feed).executeTakeFirst();
    if (!job) throw scimError('ENDPOINT_NOT_FOUND');
    const result = typeof job.result === 'string' ? JSON.parse(job.result) : job.result;
    return { id: job.id, tenant: job.tenant, feed: job.feed, status: job.status, createdAt: job.created_at, finishedAt: job.finished_at, ...(result ?? {}) };
  });
}

/** `?approve=true` or `false` (or absent: false); ADMIN_PARAM_INVALID otherwise. */
function approveParam(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw scimError('ADMIN_PARAM_INVALID', { name: 'approve', what: '`true` or `false`' });
}

function isAdmin(authorization: string | undefined, adminDigest: Buffer | null): boolean {
  return adminDigest !== null && tokenMatches(bearerToken(authorization), [adminDigest]);
}

/**
 * The admin token or one of the feed's tokens; 401 otherwise (one answer for either). Checked
 * before the tenant and the feed are looked up, so that without a token an unknown name and a
 * known one answer alike: only the admin token sees 404 for a name that does not exist.
 */
function allowed(authorization: string | undefined, feedDigests: readonly Buffer[] | undefined, adminDigest: Buffer | null): void {
  const presented = bearerToken(authorization);
  const digests = [...(adminDigest ? [adminDigest] : []), ...(feedDigests ?? [])];
  if (!tokenMatches(presented, digests)) throw scimError('UNAUTHORIZED');
}
