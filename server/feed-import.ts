// Server: imports the collapsed users of one feed through the SCIM write path (createUser and
// replaceUser of provision.ts): same key, plan, events, safety limit and add-only groups.

import { evaluatePlan } from '../engine/evaluate.ts';
import type { CollapsedUser } from '../engine/feed-collapse.ts';
import { decideFeedOutcome, stableJson, writtenFeedOutcome, type FeedOutcome } from '../engine/feed-outcome.ts';
import type { FeedPlan } from '../engine/feed-plan.ts';
import { decideThresholds, thresholdEvent, type ExceededThreshold, type ThresholdDecision } from '../engine/feed-thresholds.ts';
import { keyIgnoresCase, storedKey } from '../engine/key-value.ts';
import { decideStatus } from '../engine/status.ts';
import { accountStateOf } from './db/account-state.ts';
import { recordEvents } from './db/events.ts';
import type { UserRow } from './db/tables.ts';
import { findUserByKey } from './db/users.ts';
import { createUser, replaceUser, type ProvisionContext } from './provision.ts';
import { canonicalUser } from './scim/canonical.ts';

/** One record of an import: its source row, key and what happened (a reason for `rejected`). */
export interface FeedRecordResult {
  readonly row: number;
  readonly key?: string;
  readonly outcome: FeedOutcome;
  readonly column?: string;
  readonly reason?: string;
}

export interface FeedImportResult {
  readonly records: readonly FeedRecordResult[];
  /** Set when a source threshold held the whole import: nothing was written. */
  readonly held?: Extract<ThresholdDecision, { held: true }>;
  /** Set when the import was approved past these thresholds and written. */
  readonly approved?: readonly ExceededThreshold[];
  readonly dryRun: boolean;
}

interface Planned {
  readonly user: CollapsedUser;
  readonly stored?: UserRow;
  readonly outcome: FeedOutcome;
}

/**
 * Decides every user first (a dry run of the plan against the stored accounts), checks the
 * feed's thresholds on the counts, then writes the users whose outcome is not `unchanged`, each
 * in its own request transaction. A user absent from the import is never read or touched.
 * A held import writes only its `feed.import_held` event; an approved one (`approve`) that
 * crosses a threshold writes `feed.import_approved` first. A dry run writes no event.
 */
export async function importFeedUsers(
  ctx: ProvisionContext,
  feed: FeedPlan,
  users: Iterable<CollapsedUser>,
  options: { readonly dryRun?: boolean; readonly approve?: boolean; readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<FeedImportResult> {
  const { plan, db } = ctx;
  const now = ctx.now ?? new Date();
  const planned: Planned[] = [];
  const rejected: FeedRecordResult[] = [];
  for (const user of users) {
    try {
      const resource = canonicalUser(user.user, plan.userScope);
      const stored = await findUserByKey(db, plan.tenant, storedKey(plan, user.key), keyIgnoresCase(plan));
      const live = stored !== undefined && stored.deleted_at === null;
      const evaluation = evaluatePlan(plan, resource, now);
      const decision = live ? decideStatus(plan, { state: accountStateOf(stored), conditionHolds: evaluation.deactivated, now, user: resource }) : undefined;
      const same = live && stableJson(parsed(stored.resource)) === stableJson(resource);
      planned.push({ user, ...(live ? { stored } : {}), outcome: decideFeedOutcome(live, same, decision) });
    } catch (error) {
      rejected.push({ row: user.row, key: user.key, outcome: 'rejected', reason: reasonOf(error) });
    }
  }
  const count = (o: FeedOutcome) => planned.filter((p) => p.outcome === o).length;
  const accounts = await liveAccounts(ctx);
  const decision = decideThresholds(feed, { creates: count('created'), deactivations: count('deactivated'), changedKeys: count('updated') + count('deactivated') }, accounts, options.approve ?? false);
  const asPlanned = (p: Planned): FeedRecordResult => ({ row: p.user.row, key: p.user.key, outcome: p.outcome });
  const event = thresholdEvent(feed, decision);
  if (event && !options.dryRun) {
    await recordEvents(db, { tenant: plan.tenant, configHash: plan.hash, requestId: ctx.requestId, now, onWritten: ctx.signals?.eventsWritten }, [event]);
  }
  if (decision.held) {
    return { records: [...planned.map((p) => ({ ...asPlanned(p), ...(p.outcome === 'unchanged' ? {} : { outcome: 'held' as const }) })), ...rejected], held: decision, dryRun: options.dryRun ?? false };
  }
  const approved = decision.approved ? { approved: decision.approved } : {};
  if (options.dryRun) return { records: [...planned.map(asPlanned), ...rejected], ...approved, dryRun: true };
  const records: FeedRecordResult[] = [];
  // The attributes this import writes record `feed:<name>` as their source.
  const writer: ProvisionContext = { ...ctx, feed: feed.name };
  let done = 0;
  for (const p of planned) {
    done++;
    if (p.outcome === 'unchanged') {
      records.push(asPlanned(p));
      continue;
    }
    try {
      const written = p.stored ? await replaceUser(writer, p.stored.id, p.user.user) : await createUser(writer, p.user.user);
      const outcome = writtenFeedOutcome(p.outcome, written.row.status);
      records.push({ row: p.user.row, key: p.user.key, outcome });
    } catch (error) {
      records.push({ row: p.user.row, key: p.user.key, outcome: 'rejected', reason: reasonOf(error) });
    }
    options.onProgress?.(done, planned.length);
  }
  return { records: [...records, ...rejected], ...approved, dryRun: false };
}

function parsed(resource: unknown): unknown {
  return typeof resource === 'string' ? JSON.parse(resource) : resource;
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
