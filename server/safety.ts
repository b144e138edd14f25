// Server: the per-tenant safety limit on deactivations (`safety: { maxDeactivations, per }`).
// Deactivations beyond the limit within the window are held (status `pending`) until approved.

import { sql } from 'kysely';
import type { Plan } from '../engine/plan.ts';
import { recordEvents, type NewEvent } from './db/events.ts';
import type { UserRow, UserStatus } from './db/tables.ts';
import type { Db } from './db/users.ts';

/** A status decision as provisioning makes it: the columns to write and the event to record. */
export interface StatusDecision {
  readonly columns: { status: UserStatus; deactivated_at: Date | null; reason: string | null };
  readonly event?: 'user.deactivated' | 'user.reactivated' | 'user.deactivation_held';
}

/** Request id of the events written when held deactivations are released. */
export const APPROVE_REQUEST_ID = 'approve';

/** Prefix of a held account's reason; the deactivation reason follows the `; `. */
const HELD_PREFIX = 'held by the safety limit';

/** Lock class of the per-tenant safety lock (first key of `pg_advisory_xact_lock(int, int)`). */
const SAFETY_LOCK_CLASS = 0x5afe;

/**
 * The one place where every deactivation (request, scheduler, `apply`) passes the safety
 * limit. Returns `decision` unchanged unless it deactivates an account and the tenant already
 * had `maxDeactivations` deactivations within `per`: then the account is held as `pending`
 * with a `user.deactivation_held` event. An account already held stays held without a new event.
 *
 * Invariants: call inside the transaction that writes the decision, after locking the
 * account's row; the per-tenant lock taken here (held to commit) makes concurrent callers
 * count one another. `uncommitted` counts deactivations this transaction decided but has not
 * yet recorded as events (batch callers record events last). Deactivations released by
 * approval do not count: a human has looked at them.
 */
export async function holdDeactivation(
  trx: Db,
  plan: Plan,
  previous: Pick<UserRow, 'status' | 'reason'> | undefined,
  decision: StatusDecision,
  now: Date,
  uncommitted = 0,
): Promise<StatusDecision> {
  if (decision.event !== 'user.deactivated') return decision;
  if (previous?.status === 'pending') {
    return { columns: { status: 'pending', deactivated_at: null, reason: previous.reason } };
  }
  const { maxDeactivations, per, perMs } = plan.safety;
  await sql`select pg_advisory_xact_lock(${SAFETY_LOCK_CLASS}::int, hashtext(${plan.tenant}))`.execute(trx);
  const recent = await recentDeactivations(trx, plan.tenant, new Date(now.getTime() - perMs));
  if (recent + uncommitted < maxDeactivations) return decision;
  const reason = `${HELD_PREFIX} (${maxDeactivations} per ${per}); ${decision.columns.reason ?? 'deactivate.when'}`;
  return { columns: { status: 'pending', deactivated_at: null, reason }, event: 'user.deactivation_held' };
}

/** Deactivations of a tenant recorded after `since`, approvals excepted (the window count). */
export async function recentDeactivations(db: Db, tenant: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select(sql<string | number>`count(*)`.as('n'))
    .where('tenant', '=', tenant)
    .where('type', '=', 'user.deactivated')
    .where('created_at', '>', since)
    .where((eb) => eb.or([eb('request_id', 'is', null), eb('request_id', '!=', APPROVE_REQUEST_ID)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Accounts held by the safety limit, per tenant (live and deleted alike: a hold is released
 * only by approval). For the metrics endpoint: `scimplan_deactivations_held{tenant}`.
 */
export async function heldDeactivations(db: Db, tenant?: string): Promise<Map<string, number>> {
  let query = db.selectFrom('scim_users').select(['tenant', sql<string | number>`count(*)`.as('n')]).where('status', '=', 'pending');
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  const rows = await query.groupBy('tenant').execute();
  return new Map(rows.map((r) => [r.tenant, Number(r.n)]));
}

export interface ApproveResult {
  /** Accounts moved from `pending` to `deactivated`. */
  readonly released: number;
}

/**
 * Releases every held deactivation of a tenant: pending -> deactivated, one `user.deactivated`
 * event each with request id `approve` (and the config hash the account was last evaluated
 * with). Idempotent: a second call finds nothing to release.
 */
export async function approveHeld(db: Db, tenant: string, now: Date = new Date()): Promise<ApproveResult> {
  const run = async (trx: Db): Promise<ApproveResult> => {
    const rows = await trx
      .updateTable('scim_users')
      .set({
        status: 'deactivated',
        deactivated_at: now,
        reason: sql<string>`case when reason like ${`${HELD_PREFIX}%; %`} then substr(reason, strpos(reason, '; ') + 2) else reason end`,
        updated_at: now,
        version: sql<number>`version + 1`,
      })
      .where('tenant', '=', tenant)
      .where('status', '=', 'pending')
      .returning(['id', 'config_hash'])
      .execute();
    const byHash = new Map<string, NewEvent[]>();
    for (const row of rows) {
      const list = byHash.get(row.config_hash) ?? [];
      list.push({ type: 'user.deactivated', accountId: row.id });
      byHash.set(row.config_hash, list);
    }
    for (const [configHash, events] of byHash) {
      await recordEvents(trx, { tenant, configHash, requestId: APPROVE_REQUEST_ID, now }, events);
    }
    return { released: rows.length };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Whether a reason marks an account held by the safety limit. */
export const isHeldReason = (reason: string | null): boolean => reason !== null && reason.startsWith(HELD_PREFIX);
