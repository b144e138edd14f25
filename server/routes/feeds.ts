// Server: POST /api/v1/tenants/{tenant}/feeds/{feed} -> 202 with a job id; the posted file (csv,
// jsonl) or SCIM BulkRequest is imported in the background through the tenant's plan, as
// `scimplan import` does. GET .../feeds/{feed}/jobs/{id} -> the job, its counts and one page
// of its result per record (`?startIndex=&count=`).

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { Kysely } from 'kysely';
import { bearerToken, tokenMatches } from '../auth.ts';
import type { Database } from '../db/tables.ts';
import { checkAdmin } from '../admin-auth.ts';
import { DEFAULT_BULK_LIMITS, parseBulkRequest } from '../bulk-request.ts';
import { ScimError, scimError } from '../errors.ts';
import { runFeedImport } from '../feed-import.ts';
import { finishFeedJob, markInterruptedFeedJobs, openFeedJob, readFeedJob } from '../feed-jobs.ts';
import { integerParam } from './events.ts';
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
  // Jobs that were running when a server stopped are `interrupted`, not `running` forever.
  app.addHook('onReady', async () => {
    await markInterruptedFeedJobs(options.db, options.tenants.list().filter((t) => t.plan.feeds.length > 0).map((t) => t.plan.tenant));
  });
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
    if (approve) approver(request.headers.authorization, options.adminDigest);
    const body = request.body;
    // A BulkRequest is parsed (and refused: 400, 413) before the job starts, once.
    const bulk = feed.format.type === 'scim-bulk' && !Buffer.isBuffer(body) ? parseBulkRequest(body, DEFAULT_BULK_LIMITS) : undefined;
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body ?? null));
    const now = options.now?.() ?? new Date();
    const hash = createHash('sha256').update(bytes).digest('hex');
    const job = await openFeedJob(options.db, { tenant, feed: name, hash, origin: 'http', now });
    const ctx = { db: options.db, plan, requestId: `feed:${job.id}`, now, ...(options.signals ? { signals: options.signals } : {}) };
    // The import runs after the answer; its outcome is stored on the job, never logged with values.
    void runFeedImport(ctx, feed, bulk ? { bulk } : { open: () => Readable.from([bytes]) }, { approve, job })
      .then((run) => {
        if (run.held) options.importsHeld?.inc({ tenant, feed: name });
      })
      .catch(async () => {
        request.log.error({ tenant, feed: name, job: job.id }, 'feed import failed');
        await finishFeedJob(options.db, job.id, 'failed', { error: 'the import failed' }).catch(() => undefined);
      });
    reply.code(202);
    return {
      id: job.id,
      tenant,
      feed: name,
      status: 'running',
      ...(job.resumed ? { resumedAt: job.resumed.done } : {}),
      location: `/api/v1/tenants/${tenant}/feeds/${name}/jobs/${job.id}`,
    };
  });

  app.get('/tenants/:tenant/feeds/:feed/jobs/:id', async (request) => {
    const { tenant, feed, id } = request.params as { tenant: string; feed: string; id: string };
    const served = options.tenants.get(tenant);
    const feedPlan = served?.plan.feeds.find((f) => f.name === feed);
    allowed(request.headers.authorization, served?.feedDigests.get(feed), options.adminDigest);
    if (!feedPlan) throw scimError('ENDPOINT_NOT_FOUND');
    const query = request.query as Record<string, unknown>;
    const page = { start: integerParam(query['startIndex'], 'startIndex', 1, Number.MAX_SAFE_INTEGER) ?? 1, count: integerParam(query['count'], 'count', 0, MAX_RECORDS) ?? DEFAULT_RECORDS };
    const job = await readFeedJob(options.db, { tenant, feed, id }, page);
    if (!job) throw scimError('ENDPOINT_NOT_FOUND');
    return job;
  });
}

/** Records per page of `GET .../jobs/{id}` (`?startIndex=1&count=1000`), and the most one page may ask. */
const DEFAULT_RECORDS = 1000;
const MAX_RECORDS = 10_000;

/** `?approve=true` or `false` (or absent: false); ADMIN_PARAM_INVALID otherwise. */
function approveParam(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw scimError('ADMIN_PARAM_INVALID', { name: 'approve', what: '`true` or `false`' });
}

/**
 * `?approve=true` needs the admin token (admin-auth.ts checkAdmin). A caller that got this far
 * holds a valid feed token; without an admin token configured it is answered 401 as a wrong
 * token is (not 503 ADMIN_DISABLED): approving is refused alike, and the answer does not tell
 * how the server is set up.
 */
function approver(authorization: string | undefined, adminDigest: Buffer | null): void {
  try {
    checkAdmin(authorization, adminDigest);
  } catch (error) {
    if (error instanceof ScimError && error.status === 503) throw scimError('ADMIN_UNAUTHORIZED');
    throw error;
  }
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
