// Server: the jobs of feed imports (table feed_jobs, migrations 0012 and 0015). A job is opened
// for each import that writes (HTTP and `scimplan import`), keeps a checkpoint per written batch
// and its result when finished; a job that stopped with a checkpoint is resumed by the next
// import of the same file. Never stores cell values: rows, keys, outcomes and reasons.

import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FeedRecordResult } from '../engine/feed-outcome.ts';
import type { ExceededThreshold } from '../engine/feed-thresholds.ts';
import type { Database } from './db/tables.ts';

/** Where an import stands: `done` decided records written, and what it was approved past. */
export interface FeedCheckpoint {
  readonly done: number;
  readonly approved?: readonly ExceededThreshold[];
}

export interface FeedJob {
  readonly id: string;
  /** Set when the job resumes an interrupted import of the same file. */
  readonly resumed?: FeedCheckpoint;
}

/** Who runs a job: its id says so, and only `scimplan import` resumes a job left `running` (its process died). */
export type FeedJobOrigin = 'http' | 'cli';

const CLI_PREFIX = 'cli-';

/**
 * The job for importing the file with `hash` into `feed`: the latest stopped job of that file
 * with a checkpoint (`interrupted` or `failed`; for the CLI also a CLI job left `running`, whose
 * process stopped), now running again, or a new one.
 */
export async function openFeedJob(
  db: Kysely<Database>,
  job: { readonly tenant: string; readonly feed: string; readonly hash: string; readonly origin: FeedJobOrigin; readonly now: Date },
): Promise<FeedJob> {
  const statuses = job.origin === 'cli' ? (['interrupted', 'failed', 'running'] as const) : (['interrupted', 'failed'] as const);
  const stopped = await db
    .selectFrom('feed_jobs')
    .select(['id', 'status', 'checkpoint'])
    .where('tenant', '=', job.tenant)
    .where('feed', '=', job.feed)
    .where('file_hash', '=', job.hash)
    .where('status', 'in', [...statuses])
    .where('checkpoint', 'is not', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const resumable = stopped && (stopped.status !== 'running' || stopped.id.startsWith(CLI_PREFIX));
  if (stopped && resumable) {
    await db.updateTable('feed_jobs').set({ status: 'running', finished_at: null }).where('id', '=', stopped.id).execute();
    const checkpoint = (typeof stopped.checkpoint === 'string' ? JSON.parse(stopped.checkpoint) : stopped.checkpoint) as FeedCheckpoint;
    return { id: stopped.id, resumed: checkpoint };
  }
  const id = `${job.origin === 'cli' ? CLI_PREFIX : ''}${randomUUID()}`;
  await db
    .insertInto('feed_jobs')
    .values({ id, tenant: job.tenant, feed: job.feed, status: 'running', result: null, created_at: job.now, finished_at: null, file_hash: job.hash, checkpoint: null })
    .execute();
  return { id };
}

/** One batch written: its records and the new checkpoint, in one transaction. */
export async function saveFeedBatch(db: Kysely<Database>, jobId: string, batch: number, records: readonly FeedRecordResult[], checkpoint: FeedCheckpoint): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('feed_job_batches').values({ job_id: jobId, batch, records: JSON.stringify(records) }).execute();
    await trx.updateTable('feed_jobs').set({ checkpoint: JSON.stringify(checkpoint) }).where('id', '=', jobId).execute();
  });
}

/** The records of the batches a resumed job wrote before it stopped, in order. */
export async function savedFeedRecords(db: Kysely<Database>, jobId: string): Promise<{ records: FeedRecordResult[]; batches: number }> {
  const rows = await db.selectFrom('feed_job_batches').select('records').where('job_id', '=', jobId).orderBy('batch').execute();
  return { records: rows.flatMap((r) => (typeof r.records === 'string' ? JSON.parse(r.records) : r.records) as FeedRecordResult[]), batches: rows.length };
}

/** The job's end: its status and result. A failed job keeps its batches: the next import of the file resumes it. */
export async function finishFeedJob(db: Kysely<Database>, jobId: string, status: 'done' | 'held' | 'failed', result: Record<string, unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('feed_jobs').set({ status, finished_at: new Date(), result: JSON.stringify(result) }).where('id', '=', jobId).execute();
    if (status !== 'failed') await trx.deleteFrom('feed_job_batches').where('job_id', '=', jobId).execute();
  });
}

/**
 * At server start: the HTTP jobs of `tenants` still `running` were running when a server
 * stopped; they are `interrupted` (posting the same file again resumes them). Assumes one server
 * per tenant and database (a second server's start would mark the first one's running jobs of
 * the tenants both serve). Returns how many.
 */
export async function markInterruptedFeedJobs(db: Kysely<Database>, tenants: readonly string[]): Promise<number> {
  if (tenants.length === 0) return 0;
  const rows = await db
    .updateTable('feed_jobs')
    .set({ status: 'interrupted' })
    .where('status', '=', 'running')
    .where('tenant', 'in', [...tenants])
    .where('id', 'not like', `${CLI_PREFIX}%`)
    .returning('id')
    .execute();
  return rows.length;
}

/** One page of a job's records: `start` is 1-based, `count` records from there. */
export interface RecordPage {
  readonly start: number;
  readonly count: number;
}

/**
 * A job as `GET .../jobs/{id}` shows it: its result without the records, the number of records
 * and of each outcome, and one page of the records. The page and the counts are taken from the
 * stored result by the database: a request for a job of 100,000 records parses and sends one
 * page, not the whole result. Undefined when the tenant's feed has no such job.
 */
export async function readFeedJob(db: Kysely<Database>, job: { readonly tenant: string; readonly feed: string; readonly id: string }, page: RecordPage) {
  const row = await db
    .selectFrom('feed_jobs')
    .select(['id', 'tenant', 'feed', 'status', 'created_at', 'finished_at'])
    .select(sql<unknown>`result - 'records'`.as('summary'))
    .select(sql<number | null>`jsonb_array_length(result -> 'records')`.as('total'))
    .select(
      sql<unknown>`(select coalesce(jsonb_agg(r.e order by r.i), '[]'::jsonb) from jsonb_array_elements(result -> 'records') with ordinality as r(e, i) where r.i >= ${page.start} and r.i < ${page.start + page.count})`.as('page'),
    )
    .select(sql<unknown>`(select jsonb_object_agg(c.outcome, c.n) from (select e ->> 'outcome' as outcome, count(*) as n from jsonb_array_elements(result -> 'records') as e group by 1) as c)`.as('counts'))
    .where('id', '=', job.id)
    .where('tenant', '=', job.tenant)
    .where('feed', '=', job.feed)
    .executeTakeFirst();
  if (!row) return undefined;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown> | null;
  const records =
    row.total === null
      ? {}
      : { totalRecords: Number(row.total), startIndex: page.start, counts: json(row.counts) ?? {}, records: (json(row.page) ?? []) as unknown as FeedRecordResult[] };
  return { id: row.id, tenant: row.tenant, feed: row.feed, status: row.status, createdAt: row.created_at, finishedAt: row.finished_at, ...(json(row.summary) ?? {}), ...records };
}
