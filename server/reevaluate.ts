// Server: batch re-evaluation of a tenant's stored users against a plan. `previewTenant` reads
// only (for `scimplan plan`); `reevaluateTenant` writes changes and events (`apply`, reloads).

import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { addToSummary, changedFields, diffUser, emptySummary, type PlanSummary, type UserDiff } from '../engine/diff.ts';
import { evaluatePlan } from '../engine/evaluate.ts';
import { sameKey } from '../engine/key-value.ts';
import { nextCheckAt } from '../engine/next-check.ts';
import type { Plan } from '../engine/plan.ts';
import { decideStatus } from '../engine/status.ts';
import { accountStateOf, statusColumns } from './db/account-state.ts';
import { recordEvents, type EventContext, type NewEvent } from './db/events.ts';
import { addRuleMemberships, ensureRuleGroups, groupsOfUsers } from './db/groups.ts';
import type { Database, UserRow } from './db/tables.ts';
import { updateUser, type Db } from './db/users.ts';
import { holdDeactivation } from './safety.ts';
import type { Signals } from './signals.ts';

export const DEFAULT_BATCH_SIZE = 500;

export interface PreviewOptions {
  readonly db: Kysely<Database>;
  readonly plan: Plan;
  readonly now: Date;
  readonly batchSize?: number;
  /** Called with every changed account, in id order; the caller decides what to keep. */
  readonly onChange?: (diff: UserDiff) => void;
  /** Called after each batch with the number of accounts read so far. */
  readonly onBatch?: (users: number) => void;
}

/**
 * What `plan` would change for every live account of its tenant, without changing anything:
 * one read-only transaction (repeatable read: one snapshot across batches), accounts read in
 * id order by keyset pagination, `batchSize` at a time, never all at once.
 */
export async function previewTenant(options: PreviewOptions): Promise<PlanSummary> {
  const { plan, now } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const summary = emptySummary();
  await options.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      let after: string | undefined;
      for (;;) {
        let query = trx
          .selectFrom('scim_users')
          .select(['id', 'user_name', 'key_value', 'resource', 'profile', 'status'])
          .where('tenant', '=', plan.tenant)
          .where('deleted_at', 'is', null);
        if (after !== undefined) query = query.where('id', '>', after);
        const rows = await query.orderBy('id').limit(batchSize).execute();
        if (rows.length === 0) break;
        const groups = await groupsOfUsers(trx, plan.tenant, rows.map((r) => r.id));
        for (const row of rows) {
          const evaluation = evaluatePlan(plan, row.resource, now);
          const stored = {
            id: row.id,
            userName: row.user_name,
            keyValue: row.key_value,
            profile: row.profile,
            status: row.status,
            groups: (groups.get(row.id) ?? []).map((g) => g.display),
          };
          const diff = diffUser(plan, stored, evaluation);
          addToSummary(summary, diff);
          if (diff.changed) options.onChange?.(diff);
        }
        options.onBatch?.(summary.users);
        after = rows[rows.length - 1]!.id;
        if (rows.length < batchSize) break;
      }
    });
  return summary;
}

export interface ReevaluateOptions {
  readonly db: Kysely<Database>;
  readonly plan: Plan;
  /** The clock, read once per batch; default the time of the call. */
  readonly now?: () => Date;
  /** Request id of the events; default `apply`. */
  readonly requestId?: string;
  readonly batchSize?: number;
  readonly onProgress?: (progress: ReevaluateProgress) => void;
  /** Stops at the next batch boundary; the run can be resumed later. */
  readonly signal?: AbortSignal;
  /** The serving app's signals, told of the events written (serve's applier); none for `apply`. */
  readonly signals?: Signals;
}

export interface ReevaluateProgress {
  /** Accounts evaluated in this run. */
  readonly done: number;
  /** Accounts that were still to evaluate when this run started. */
  readonly total: number;
  readonly changed: number;
}

export interface ReevaluateResult extends ReevaluateProgress {
  readonly updated: number;
  readonly deactivated: number;
  readonly held: number;
  readonly reactivated: number;
  readonly released: number;
  readonly groupAdditions: number;
  /** Accounts the plan maps to another key value: left untouched (the key never changes). */
  readonly keyChanges: number;
  /** False when stopped by the signal before the end. */
  readonly completed: boolean;
}

/**
 * Re-evaluates every live account of the tenant that was last evaluated with another config
 * (`config_hash` differs), in batches of one transaction each, in id order, and writes what
 * changed with the same events a request would write (request id `apply` by default).
 *
 * Invariants:
 * - Resumable: every account a committed batch evaluated carries the plan's hash afterwards,
 *   so a killed run loses at most its open batch and a rerun continues with the rest.
 * - Idempotent: a second run finds nothing to do and changes nothing (no event either).
 * - An account whose only change is the hash keeps its version (its resource did not change).
 * - Deactivations pass the safety limit (`holdDeactivation`) like every other deactivation.
 * - Ends with one `config.applied` event when this run gave any account the plan's hash.
 */
export async function reevaluateTenant(options: ReevaluateOptions): Promise<ReevaluateResult> {
  const { db, plan } = options;
  const clock = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const requestId = options.requestId ?? 'apply';
  const onWritten = options.signals?.eventsWritten;
  const counted = await db
    .selectFrom('scim_users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('tenant', '=', plan.tenant)
    .where('deleted_at', 'is', null)
    .where('config_hash', '!=', plan.hash)
    .executeTakeFirstOrThrow();
  const result = {
    done: 0,
    total: Number(counted.n),
    changed: 0,
    updated: 0,
    deactivated: 0,
    held: 0,
    reactivated: 0,
    released: 0,
    groupAdditions: 0,
    keyChanges: 0,
    completed: false,
  };
  const groupIds = new Map<string, string>();
  let after: string | undefined;
  for (;;) {
    // Between batches the event loop runs (PGlite answers without I/O): a serving app's other
    // requests get their turn, and a client that went away is noticed (the admin API's apply).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (options.signal?.aborted) return result;
    const now = clock();
    const { rows, earliest } = await db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('scim_users')
        .selectAll()
        .where('tenant', '=', plan.tenant)
        .where('deleted_at', 'is', null)
        .where('config_hash', '!=', plan.hash);
      if (after !== undefined) query = query.where('id', '>', after);
      const batch = await query.orderBy('id').limit(batchSize).forUpdate().execute();
      const stored =
        batch.length > 0 ? await reevaluateBatch(trx, plan, batch, now, { tenant: plan.tenant, configHash: plan.hash, requestId, now, onWritten }, groupIds, result) : null;
      return { rows: batch, earliest: stored };
    });
    // After the commit: a scheduler sleeping past the earliest new moment wakes up for it.
    options.signals?.nextCheckStored(earliest);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    options.onProgress?.({ done: result.done, total: Math.max(result.total, result.done), changed: result.changed });
    if (rows.length < batchSize) break;
  }
  // Accounts whose key would change keep their old hash, so a rerun evaluates them again: they alone are no news.
  if (result.done > result.keyChanges) {
    await recordEvents(db, { tenant: plan.tenant, configHash: plan.hash, requestId, now: clock(), onWritten }, [{ type: 'config.applied' }]);
  }
  result.completed = true;
  return result;
}

type Counters = { -readonly [K in keyof ReevaluateResult]: ReevaluateResult[K] };

/** One batch inside its transaction: rows locked, events recorded last (after every lock). Returns the earliest next-check moment it changed. */
async function reevaluateBatch(
  trx: Db,
  plan: Plan,
  rows: readonly UserRow[],
  now: Date,
  eventCtx: EventContext,
  groupIds: Map<string, string>,
  counters: Counters,
): Promise<Date | null> {
  const memberships = await groupsOfUsers(
    trx,
    plan.tenant,
    rows.map((r) => r.id),
  );
  const evaluations = rows.map((row) => evaluatePlan(plan, row.resource, now));
  // Groups first: creating one can wait on a concurrent request's insert, which must never
  // happen while this transaction holds the safety lock that request may be waiting for.
  const unknown = evaluations.flatMap((e) => e.groups).filter((name) => !groupIds.has(name.toLowerCase()));
  for (const [name, id] of await ensureRuleGroups(trx, plan.tenant, unknown, now)) groupIds.set(name, id);
  const events: NewEvent[] = [];
  const hashOnly: string[] = [];
  let deactivations = 0;
  let earliest: Date | null = null;
  const moved = (at: Date | null) => {
    if (at && (!earliest || at < earliest)) earliest = at;
  };
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const evaluation = evaluations[i]!;
    counters.done++;
    if (!sameKey(plan, evaluation.key, row.key_value)) {
      counters.keyChanges++;
      continue;
    }
    const current = memberships.get(row.id) ?? [];
    const diff = diffUser(
      plan,
      { id: row.id, userName: row.user_name, keyValue: row.key_value, profile: row.profile, status: row.status, groups: current.map((g) => g.display) },
      evaluation,
    );
    const decision = decideStatus(plan, { state: accountStateOf(row), conditionHolds: evaluation.deactivated, now, user: row.resource });
    const status = await holdDeactivation(trx, plan, decision, now, deactivations);
    const fields = changedFields(row.profile, evaluation.profile);
    const next = nextCheckAt(plan, row.resource, now);
    const statusChanged = status.transition !== undefined;
    // New memberships change the resource too (its `groups`), so its version moves on.
    if (fields.length > 0 || statusChanged || diff.groupsAdded.length > 0) {
      await updateUser(trx, plan.tenant, row.id, {
        profile: JSON.stringify(evaluation.profile),
        ...statusColumns(status.next),
        next_check_at: next,
        config_hash: plan.hash,
        updated_at: now,
      });
      if ((row.next_check_at?.getTime() ?? null) !== (next?.getTime() ?? null)) moved(next);
      counters.updated++;
      if (fields.length > 0) events.push({ type: 'user.updated', accountId: row.id, fields });
      if (status.event) events.push({ type: status.event, accountId: row.id, reason: status.reason });
      if (status.transition === 'deactivate') {
        deactivations++;
        counters.deactivated++;
      }
      if (status.transition === 'hold') counters.held++;
      if (status.transition === 'reactivate') counters.reactivated++;
      if (status.transition === 'release') counters.released++;
    } else if ((row.next_check_at?.getTime() ?? null) !== (next?.getTime() ?? null)) {
      // A new condition can move the moment the scheduler must look again; the resource is unchanged.
      await trx.updateTable('scim_users').set({ config_hash: plan.hash, next_check_at: next }).where('tenant', '=', plan.tenant).where('id', '=', row.id).execute();
      moved(next);
    } else {
      hashOnly.push(row.id);
    }
    if (diff.groupsAdded.length > 0) {
      const ids = diff.groupsAdded.map((name) => groupIds.get(name.toLowerCase())!);
      const added = await addRuleMemberships(trx, plan.tenant, row.id, ids, now);
      for (const groupId of added) events.push({ type: 'group.member_added', accountId: row.id, groupId });
      counters.groupAdditions += added.length;
    }
    if (fields.length > 0 || statusChanged || diff.groupsAdded.length > 0) counters.changed++;
  }
  if (hashOnly.length > 0) {
    await trx.updateTable('scim_users').set({ config_hash: plan.hash }).where('tenant', '=', plan.tenant).where('id', 'in', hashOnly).execute();
  }
  await recordEvents(trx, eventCtx, events);
  return earliest;
}

/**
 * Runs `reevaluateTenant` in the background for tenants whose file says `applyOnChange: now`,
 * one run per tenant at a time: a newer plan stops the running one at its batch boundary and
 * takes over. Logs counts only, never attribute values.
 */
export class BackgroundApplier {
  readonly #runs = new Map<string, { controller: AbortController; done: Promise<void> }>();
  /** tenant -> hash of the last plan scheduled: an unchanged file starts no run. */
  readonly #scheduled = new Map<string, string>();

  /** `signals`: the serving app's, told of the events each run writes. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger?: FastifyBaseLogger,
    private readonly signals?: Signals,
  ) {}

  /** Starts a re-evaluation when the plan asks for it; returns the run (tests await it). */
  schedule(plan: Plan): Promise<void> | undefined {
    const last = this.#scheduled.get(plan.tenant);
    this.#scheduled.set(plan.tenant, plan.hash);
    if (plan.applyOnChange !== 'now' || last === plan.hash) return undefined;
    const previous = this.#runs.get(plan.tenant);
    previous?.controller.abort();
    const controller = new AbortController();
    const done = (async () => {
      await previous?.done;
      if (controller.signal.aborted) return;
      this.logger?.info({ tenant: plan.tenant, configHash: plan.hash }, 'applying the changed tenant file to stored users');
      try {
        const r = await reevaluateTenant({ db: this.db, plan, signal: controller.signal, requestId: 'apply', signals: this.signals });
        this.logger?.info(
          { tenant: plan.tenant, configHash: plan.hash, users: r.done, changed: r.changed, deactivated: r.deactivated, held: r.held, completed: r.completed },
          r.completed ? 'tenant file applied' : 'apply stopped; a newer run continues',
        );
      } catch (error) {
        const { name, code } = error as { name?: string; code?: string };
        this.logger?.error({ tenant: plan.tenant, err: { name, code } }, 'apply failed; users pick up the plan on their next sync');
      } finally {
        if (this.#runs.get(plan.tenant)?.controller === controller) this.#runs.delete(plan.tenant);
      }
    })();
    this.#runs.set(plan.tenant, { controller, done });
    return done;
  }

  /** Stops every run at its batch boundary and waits for it (graceful shutdown). */
  async close(): Promise<void> {
    const runs = [...this.#runs.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((r) => r.done));
  }
}
