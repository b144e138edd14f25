// Server: imports the collapsed users of one feed through the SCIM write path (createUser and
// replaceUser of provision.ts): same key, plan, events, safety limit and add-only groups.

import { evaluatePlan } from '../engine/evaluate.ts';
import type { CollapsedUser } from '../engine/feed-collapse.ts';
import { feedUserOnto } from '../engine/feed-row.ts';
import { decideFeedOutcome, stableJson, writtenFeedOutcome, type FeedOutcome, type FeedRecordResult } from '../engine/feed-outcome.ts';
import type { FeedPlan } from '../engine/feed-plan.ts';
import { decideThresholds, thresholdEvent, type ExceededThreshold, type ThresholdDecision } from '../engine/feed-thresholds.ts';
import { keyIgnoresCase, storedKey } from '../engine/key-value.ts';
import { decideStatus } from '../engine/status.ts';
import { accountStateOf } from './db/account-state.ts';
import { recordEvents } from './db/events.ts';
import type { UserRow } from './db/tables.ts';
import { findUsersByKeys } from './db/users.ts';
import { createUser, replaceUser, type ProvisionContext } from './provision.ts';
import { canonicalUser } from './scim/canonical.ts';
import { finishFeedJob, saveFeedBatch, savedFeedRecords, type FeedCheckpoint, type FeedJob } from './feed-jobs.ts';
import { readFeedSource, type FeedInput, type SourceRejection } from './feed-source.ts';

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

interface Planned {
  readonly user: CollapsedUser;
  /** What is written: the row's user, onto the stored account for one that exists. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly stored?: UserRow;
  readonly outcome: FeedOutcome;
}

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
 * Decides every user first (a dry run of the plan against the stored accounts), checks the
 * feed's thresholds on the counts, then writes the users whose outcome is not `unchanged`, each
 * in its own request transaction, committing a checkpoint per batch when there is a job. A user
 * absent from the import is never read or touched. A held import writes only its
 * `feed.import_held` event; an approved one (`approve`) that crosses a threshold writes
 * `feed.import_approved` first. A dry run writes no event. A resumed job was past its
 * thresholds when it stopped: it is not decided on them again, and the records it wrote come
 * from its batches, so its result is the one an uninterrupted import gives.
 */
export async function importFeedUsers(ctx: ProvisionContext, feed: FeedPlan, users: Iterable<CollapsedUser>, options: ImportOptions = {}): Promise<FeedImportResult> {
  const { plan, db } = ctx;
  const now = ctx.now ?? new Date();
  const planned: Planned[] = [];
  const rejected: FeedRecordResult[] = [];
  // Looked up a batch at a time: one statement per LOOKUP_BATCH users, not one per user.
  const pending: CollapsedUser[] = [];
  const planBatch = async () => {
    const found = await findUsersByKeys(db, plan.tenant, pending.map((u) => storedKey(plan, u.key)), keyIgnoresCase(plan));
    for (const user of pending) {
      try {
        const stored = found.get(storedKey(plan, user.key));
        const live = stored !== undefined && stored.deleted_at === null;
        const body = live ? feedUserOnto(feed, stored.resource, user.user) : user.user;
        const resource = canonicalUser(body, plan.userScope);
        const evaluation = evaluatePlan(plan, resource, now);
        const decision = live ? decideStatus(plan, { state: accountStateOf(stored), conditionHolds: evaluation.deactivated, now, user: resource }) : undefined;
        const same = live && stableJson(stored.resource) === stableJson(resource);
        planned.push({ user, body, ...(live ? { stored } : {}), outcome: decideFeedOutcome(live, same, decision) });
      } catch (error) {
        rejected.push({ row: user.row, key: user.key, outcome: 'rejected', reason: reasonOf(error) });
      }
    }
    pending.length = 0;
  };
  for (const user of users) {
    pending.push(user);
    if (pending.length === LOOKUP_BATCH) await planBatch();
  }
  await planBatch();
  const asPlanned = (p: Planned): FeedRecordResult => ({ row: p.user.row, key: p.user.key, outcome: p.outcome });
  const resumed = options.job?.resumed;
  let approvedPast: readonly ExceededThreshold[] | undefined = resumed?.approved;
  if (!resumed) {
    const count = (o: FeedOutcome) => planned.filter((p) => p.outcome === o).length;
    const accounts = await liveAccounts(ctx);
    const decision = decideThresholds(feed, { creates: count('created'), deactivations: count('deactivated'), changedKeys: count('updated') + count('deactivated') }, accounts, options.approve ?? false);
    const event = thresholdEvent(feed, decision);
    if (event && !options.dryRun) {
      await recordEvents(db, { tenant: plan.tenant, configHash: plan.hash, requestId: ctx.requestId, now, onWritten: ctx.signals?.eventsWritten }, [event]);
    }
    if (decision.held) {
      return { records: [...planned.map((p) => ({ ...asPlanned(p), ...(p.outcome === 'unchanged' ? {} : { outcome: 'held' as const }) })), ...rejected], held: decision, dryRun: options.dryRun ?? false };
    }
    approvedPast = decision.approved;
  }
  const approved = approvedPast ? { approved: approvedPast } : {};
  if (options.dryRun) return { records: [...planned.map(asPlanned), ...rejected], ...approved, dryRun: true };
  const job = options.job;
  // The attributes this import writes record `feed:<name>` as their source.
  const writer: ProvisionContext = { ...ctx, feed: feed.name };
  const size = options.batchSize ?? 500;
  const saved = resumed && job ? await savedFeedRecords(db, job.id) : { records: [], batches: 0 };
  // A resumed job skips the records its batches hold, by row (not by position: the stored
  // accounts it wrote can decide differently now), and reports them as they were written.
  const records: FeedRecordResult[] = [...saved.records];
  const written = new Set(saved.records.map((r) => r.row));
  const todo = planned.filter((p) => !written.has(p.user.row));
  let batch: FeedRecordResult[] = [];
  let batches = saved.batches;
  for (const [i, p] of todo.entries()) {
    let record = asPlanned(p);
    if (p.outcome !== 'unchanged') {
      try {
        const stored = p.stored ? await replaceUser(writer, p.stored.id, p.body) : await createUser(writer, p.body);
        record = { ...record, outcome: writtenFeedOutcome(p.outcome, stored.row.status) };
      } catch (error) {
        record = { ...record, outcome: 'rejected', reason: reasonOf(error) };
      }
    }
    records.push(record);
    batch.push(record);
    if (job && (batch.length === size || i === todo.length - 1)) {
      await saveFeedBatch(db, job.id, batches, batch, { done: records.length, ...approved });
      batches++;
      batch = [];
      await options.afterBatch?.(batches);
    }
    options.onProgress?.(i + 1, todo.length);
  }
  return { records: [...records, ...rejected.filter((r) => !written.has(r.row))], ...approved, dryRun: false };
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
  const rejections: FeedRecordResult[] = source.rejected.map((r) => ({ row: r.row, outcome: 'rejected', reason: r.reason, ...(r.column ? { column: r.column } : {}) }));
  const refused = source.fatal ?? (feed.rejectFile && source.rejected.length > 0 ? `${source.rejected.length} bad rows and \`rejectFile: true\`` : undefined);
  const result: FeedImportResult = refused
    ? { records: [], dryRun: options.dryRun ?? false }
    : await importFeedUsers(ctx, feed, source.users, options);
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
