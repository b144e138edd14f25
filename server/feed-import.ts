// Server: imports the collapsed users of one feed through the SCIM write path (createUser and
// replaceReadUser of provision.ts): same key, plan, events, safety limit and add-only groups. The
// source is read three times (collapse, plan, write), so memory holds per person only a row
// number, a key and an outcome, never the users (docs/feeds.md "Memory").

import { evaluatePlan } from '../engine/evaluate.ts';
import type { CollapsedUser } from '../engine/feed-collapse.ts';
import { feedUserOnto } from '../engine/feed-row.ts';
import { countOutcomes, decideFeedOutcome, writtenFeedOutcome, type FeedRecordResult } from '../engine/feed-outcome.ts';
import { sameJson } from '../engine/same-json.ts';
import type { FeedPlan } from '../engine/feed-plan.ts';
import { decideThresholds, thresholdEvent, type ExceededThreshold, type ThresholdDecision } from '../engine/feed-thresholds.ts';
import { keyIgnoresCase, storedKey } from '../engine/key-value.ts';
import { decideStatus } from '../engine/status.ts';
import { accountStateOf } from './db/account-state.ts';
import { recordEvents } from './db/events.ts';
import type { UserRow } from './db/tables.ts';
import { findUsersByKeys } from './db/users.ts';
import { createUser, replaceReadUser, sourcedWrite, type ProvisionContext } from './provision.ts';
import { canonicalUser } from './scim/canonical.ts';
import { finishFeedJob, saveFeedBatch, savedFeedRecords, type FeedCheckpoint, type FeedJob } from './feed-jobs.ts';
import { feedWinners, readFeedSource, type FeedInput, type SourceRejection } from './feed-source.ts';

export type { FeedRecordResult } from '../engine/feed-outcome.ts';

export interface FeedImportResult {
  readonly records: readonly FeedRecordResult[];
  /** Set when a source threshold held the whole import: nothing was written. */
  readonly held?: Extract<ThresholdDecision, { held: true }>;
  /** Set when the import was approved past these thresholds and written. */
  readonly approved?: readonly ExceededThreshold[];
  readonly dryRun: boolean;
}

const LOOKUP_BATCH = 500;

/**
 * The collapsed users of an import, read once per pass: a function giving a new stream of them
 * each time (runFeedImport's: the source read again), or an array.
 */
export type FeedUsers = Iterable<CollapsedUser> | (() => AsyncIterable<CollapsedUser>);

export interface ImportOptions {
  readonly dryRun?: boolean;
  readonly approve?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
  /** The job to checkpoint (none for a dry run); a resumed one skips what it already wrote. */
  readonly job?: FeedJob;
  /** Records per checkpoint. Default 500. */
  readonly batchSize?: number;
  /** Called after each checkpoint is committed (tests interrupt an import here). */
  readonly afterBatch?: (batch: number) => void | Promise<void>;
}

/**
 * Decides every user first (a dry run of the plan against the stored accounts, 500 keys per
 * lookup, keeping per user only its row, key and outcome), checks the feed's thresholds on the
 * counts, then reads the users again and writes those whose outcome is not `unchanged`, each in
 * its own request transaction, committing a checkpoint per batch when there is a job. A user
 * absent from the import is never read or touched. A held import writes only its
 * `feed.import_held` event; an approved one (`approve`) that crosses a threshold writes
 * `feed.import_approved` first. A dry run writes no event. A resumed job was past its
 * thresholds when it stopped: it is not decided on them again, and the records it wrote come
 * from its batches, so its result is the one an uninterrupted import gives.
 */
export async function importFeedUsers(ctx: ProvisionContext, feed: FeedPlan, users: FeedUsers, options: ImportOptions = {}): Promise<FeedImportResult> {
  const { plan, db } = ctx;
  const now = ctx.now ?? new Date();
  const read = (): Iterable<CollapsedUser> | AsyncIterable<CollapsedUser> => (typeof users === 'function' ? users() : users);
  // The attributes this import writes record `feed:<name>` as their source.
  const writer: ProvisionContext = { ...ctx, now, source: `feed:${feed.name}` };
  // The plan pass: per user its row, key and outcome, in the order the users come.
  const planned = new Map<number, FeedRecordResult>();
  for await (const batch of batchesOf(read(), LOOKUP_BATCH)) {
    const found = await storedOf(ctx, batch);
    for (const user of batch) planned.set(user.row, planOne(writer, feed, user, found.get(storedKey(plan, user.key)), now));
  }
  const inRowOrder = (records: Iterable<FeedRecordResult>) => [...records].sort((a, b) => a.row - b.row);
  const resumed = options.job?.resumed;
  let approvedPast: readonly ExceededThreshold[] | undefined = resumed?.approved;
  if (!resumed) {
    const counts = countOutcomes(planned.values());
    const accounts = await liveAccounts(ctx);
    const decision = decideThresholds(feed, { creates: counts.created, deactivations: counts.deactivated, changedKeys: counts.updated + counts.deactivated }, accounts, options.approve ?? false);
    const event = thresholdEvent(feed, decision);
    if (event && !options.dryRun) {
      await recordEvents(db, { tenant: plan.tenant, configHash: plan.hash, requestId: ctx.requestId, now, onWritten: ctx.signals?.eventsWritten }, [event]);
    }
    if (decision.held) {
      const held = (r: FeedRecordResult): FeedRecordResult => (r.outcome === 'unchanged' || r.outcome === 'rejected' ? r : { ...r, outcome: 'held' });
      return { records: inRowOrder([...planned.values()].map(held)), held: decision, dryRun: options.dryRun ?? false };
    }
    approvedPast = decision.approved;
  }
  const approved = approvedPast ? { approved: approvedPast } : {};
  if (options.dryRun) return { records: inRowOrder(planned.values()), ...approved, dryRun: true };

  // The write pass. A resumed job skips the records its batches hold, by row (not by position:
  // the stored accounts it wrote can decide differently now), and reports them as they were written.
  const job = options.job;
  const size = options.batchSize ?? 500;
  const saved = resumed && job ? await savedFeedRecords(db, job.id) : { records: [], batches: 0 };
  const records: FeedRecordResult[] = [...saved.records];
  const written = new Set(saved.records.map((r) => r.row));
  const todo = (r: FeedRecordResult | undefined): r is FeedRecordResult => r !== undefined && r.outcome !== 'rejected' && !written.has(r.row);
  const total = [...planned.values()].filter(todo).length;
  async function* toWrite(): AsyncGenerator<CollapsedUser> {
    for await (const user of read()) if (todo(planned.get(user.row))) yield user;
  }
  let batches = saved.batches;
  let done = 0;
  for await (const chunk of batchesOf(toWrite(), size)) {
    const changing = chunk.filter((u) => planned.get(u.row)!.outcome !== 'unchanged');
    const found = changing.length > 0 ? await storedOf(ctx, changing) : new Map<string, UserRow>();
    const batch: FeedRecordResult[] = [];
    for (const user of chunk) {
      let record = planned.get(user.row)!;
      if (record.outcome !== 'unchanged') {
        try {
          const stored = live(found.get(storedKey(plan, user.key)));
          const result = stored
            ? await replaceReadUser(writer, stored, (resource) => feedUserOnto(feed, resource, user.user))
            : await createUser(writer, user.user);
          record = { ...record, outcome: writtenFeedOutcome(record.outcome, result.row.status) };
        } catch (error) {
          record = { ...record, outcome: 'rejected', reason: reasonOf(error) };
        }
      }
      records.push(record);
      batch.push(record);
      options.onProgress?.(++done, total);
    }
    if (job) {
      await saveFeedBatch(db, job.id, batches, batch, { done: records.length, ...approved });
      batches++;
      await options.afterBatch?.(batches);
    }
  }
  const rejected = [...planned.values()].filter((r) => r.outcome === 'rejected' && !written.has(r.row));
  return { records: inRowOrder([...records, ...rejected]), ...approved, dryRun: false };
}

/**
 * What importing one user will do, decided as its write decides: the row's user onto the stored
 * account, canonical, with the attributes another source keeps (`sso.prefer`, through the write
 * path's own decision), then the plan and the status decision.
 */
function planOne(writer: ProvisionContext, feed: FeedPlan, user: CollapsedUser, found: UserRow | undefined, now: Date): FeedRecordResult {
  const { plan } = writer;
  try {
    const stored = live(found);
    if (!stored) {
      // A new account: created whatever the plan decides; only its canonical form can refuse it.
      canonicalUser(user.user, plan.userScope);
      return { row: user.row, key: user.key, outcome: decideFeedOutcome(false, false, undefined) };
    }
    const canonical = canonicalUser(feedUserOnto(feed, stored.resource, user.user), plan.userScope);
    const resource = sourcedWrite(writer, stored, canonical, now).resource;
    const evaluation = evaluatePlan(plan, resource, now);
    const decision = decideStatus(plan, { state: accountStateOf(stored), conditionHolds: evaluation.deactivated, now, user: resource });
    const same = sameJson(stored.resource, resource);
    return { row: user.row, key: user.key, outcome: decideFeedOutcome(true, same, decision) };
  } catch (error) {
    return { row: user.row, key: user.key, outcome: 'rejected', reason: reasonOf(error) };
  }
}

const live = (row: UserRow | undefined): UserRow | undefined => (row !== undefined && row.deleted_at === null ? row : undefined);

/** The stored accounts of a batch of users, by stored key: one statement. */
function storedOf(ctx: ProvisionContext, users: readonly CollapsedUser[]): Promise<Map<string, UserRow>> {
  return findUsersByKeys(ctx.db, ctx.plan.tenant, users.map((u) => storedKey(ctx.plan, u.key)), keyIgnoresCase(ctx.plan));
}

async function* batchesOf<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** What a whole feed import gave: the source rows, every record in row order, how it ended. */
export interface FeedRun extends FeedImportResult {
  readonly rows: number;
  /** The rows the source could not read, with their line (for `file:line` output). */
  readonly rejections: readonly SourceRejection[];
  /** Why nothing was imported: the file as a whole (its header), or a bad row under `rejectFile: true`. */
  readonly error?: string;
  readonly resumed?: FeedCheckpoint;
}

/**
 * One feed import, for `scimplan import` and the HTTP route alike: read the source, refuse the
 * file when it cannot be read or (under `rejectFile: true`) has a bad row, import the users,
 * merge the source's rejections into the records in row order, and finish the job.
 */
export async function runFeedImport(
  ctx: ProvisionContext,
  feed: FeedPlan,
  input: FeedInput,
  options: ImportOptions & { readonly onRead?: (rows: number) => void } = {},
): Promise<FeedRun> {
  const now = ctx.now ?? new Date();
  const source = await readFeedSource(ctx.plan, feed, input, now, options.onRead);
  const winners = () => feedWinners(ctx.plan, feed, input, now, source.winners);
  const rejections: FeedRecordResult[] = source.rejected.map((r) => ({ row: r.row, outcome: 'rejected', reason: r.reason, ...(r.column ? { column: r.column } : {}) }));
  const refused = source.fatal ?? (feed.rejectFile && source.rejected.length > 0 ? `${source.rejected.length} bad rows and \`rejectFile: true\`` : undefined);
  const result: FeedImportResult = refused
    ? { records: [], dryRun: options.dryRun ?? false }
    : await importFeedUsers({ ...ctx, now }, feed, winners, options);
  const records = [...result.records, ...rejections].sort((a, b) => a.row - b.row);
  const run: FeedRun = {
    ...result,
    records,
    rows: source.rows,
    rejections: source.rejected,
    ...(refused ? { error: refused } : {}),
    ...(options.job?.resumed ? { resumed: options.job.resumed } : {}),
  };
  if (options.job) {
    const status = refused ? 'failed' : result.held ? 'held' : 'done';
    await finishFeedJob(ctx.db, options.job.id, status, {
      rows: run.rows,
      ...(run.error ? { error: `${run.error}; nothing was imported` } : {}),
      ...(run.held ? { held: run.held } : {}),
      ...(run.approved ? { approved: run.approved } : {}),
      ...(run.resumed ? { resumedAt: run.resumed.done } : {}),
      records,
    });
  }
  return run;
}

async function liveAccounts(ctx: ProvisionContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('scim_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant', '=', ctx.plan.tenant)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A SCIM error's message (catalogue text, never a value), or a generic reason. */
function reasonOf(error: unknown): string {
  const e = error as { detail?: unknown; message?: unknown; status?: unknown };
  if (typeof e.status === 'number' && typeof e.detail === 'string') return e.detail;
  return 'the record could not be stored';
}
