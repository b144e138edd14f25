// Server: the per-tenant safety limit on deactivations (`safety: { maxDeactivations, per }`).
// Deactivations beyond the limit within the window are held (status `pending`) until approved.

import { sql } from 'kysely';
import type { Plan } from '../engine/plan.ts';
import { approveHold, limitDeactivation, needsSafetyCheck, type StatusDecision } from '../engine/status.ts';
import { accountStateOf, statusColumns, type StatusColumns } from './db/account-state.ts';
import { recordEvents, type NewEvent } from './db/events.ts';
import type { Db } from './db/users.ts';
import type { Signals } from './signals.ts';

/** Request id of the events written when held deactivations are released. */
export const APPROVE_REQUEST_ID = 'approve';

/** Lock class of the per-tenant safety lock (first key of `pg_advisory_xact_lock(int, int)`). */
const SAFETY_LOCK_CLASS = 0x5afe;

/** Ids per approval update, well below PostgreSQL's limit of bound parameters. */
const APPROVE_CHUNK = 1000;

/**
 * The one place where every deactivation (request, scheduler, `apply`) passes the safety
 * limit. Returns `decision` unchanged unless it deactivates an account (engine `deactivate`);
 * then it counts the tenant's deactivations within `per` and lets the engine decide whether the
 * account is held (`limitDeactivation`).
 *
 * Invariants: call inside the transaction that writes the decision, after locking the
 * account's row; the per-tenant lock taken here (held to commit) makes concurrent callers
 * count one another. `uncommitted` counts deactivations this transaction decided but has not
 * yet recorded as events (batch callers record events last). Deactivations released by
 * approval do not count: a human has looked at them.
 */
export async function holdDeactivation(trx: Db, plan: Plan, decision: StatusDecision, now: Date, uncommitted = 0): Promise<StatusDecision> {
  if (!needsSafetyCheck(decision)) return decision;
  await sql`select pg_advisory_xact_lock(${SAFETY_LOCK_CLASS}::int, hashtext(${plan.tenant}))`.execute(trx);
  const recent = await recentDeactivations(trx, plan.tenant, new Date(now.getTime() - plan.safety.perMs));
  return limitDeactivation(decision, recent + uncommitted, plan.safety);
}

/**
 * Deactivations of a tenant recorded after `since` (the window count), except approvals (a
 * human has looked at them) and starts: an account created deactivated (engine `start`) took
 * access from nobody. A start is the `user.deactivated` event written, in its transaction,
 * right after the account's `user.created` (a create records the two in that order in one
 * insert: server/provision.ts `createEvaluated`, both of its paths); a re-link writes
 * `user.relinked` first, and its deactivation counts. The
 * look-back is one step down the feed index (tenant, txid, id) per deactivation in the window.
 */
export async function recentDeactivations(db: Db, tenant: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('events as e')
    .select(sql<string | number>`count(*)`.as('n'))
    .where('e.tenant', '=', tenant)
    .where('e.type', '=', 'user.deactivated')
    .where('e.created_at', '>', since)
    .where((eb) => eb.or([eb('e.request_id', 'is', null), eb('e.request_id', '!=', APPROVE_REQUEST_ID)]))
    .where(sql<boolean>`not exists (
      select from (select c.type, c.account_id from events c
        where c.tenant = e.tenant and c.txid = e.txid and c.id < e.id
        order by c.id desc limit 1) as before
      where before.type = 'user.created' and before.account_id = e.account_id)`)
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
 * Releases every held deactivation of a tenant as the engine decides it (`approveHold`):
 * pending -> deactivated, one `user.deactivated` event each with request id `approve` (and the
 * config hash the account was last evaluated with), told to `signals` when given (the app's).
 * Idempotent: a second call finds nothing to release.
 */
export async function approveHeld(db: Db, tenant: string, now: Date = new Date(), signals?: Signals): Promise<ApproveResult> {
  const run = async (trx: Db): Promise<ApproveResult> => {
    const rows = await trx
      .selectFrom('scim_users')
      .select(['id', 'status', 'deactivated_at', 'reason', 'config_hash'])
      .where('tenant', '=', tenant)
      .where('status', '=', 'pending')
      .orderBy('id')
      .forUpdate()
      .execute();
    // Held accounts mostly share one reason: one update per distinct outcome, not per account.
    const writes = new Map<string, { columns: StatusColumns; ids: string[] }>();
    const byHash = new Map<string, NewEvent[]>();
    for (const row of rows) {
      const decision = approveHold(accountStateOf(row), now);
      if (!decision.transition) continue;
      const columns = statusColumns(decision.next);
      const key = JSON.stringify(columns);
      const write = writes.get(key) ?? { columns, ids: [] };
      write.ids.push(row.id);
      writes.set(key, write);
      const list = byHash.get(row.config_hash) ?? [];
      if (decision.event) list.push({ type: decision.event, accountId: row.id, reason: decision.reason });
      byHash.set(row.config_hash, list);
    }
    for (const { columns, ids } of writes.values()) {
      for (let i = 0; i < ids.length; i += APPROVE_CHUNK) {
        await trx
          .updateTable('scim_users')
          .set({ ...columns, updated_at: now, version: sql<number>`version + 1` })
          .where('tenant', '=', tenant)
          .where('id', 'in', ids.slice(i, i + APPROVE_CHUNK))
          .execute();
      }
    }
    for (const [configHash, events] of byHash) {
      await recordEvents(trx, { tenant, configHash, requestId: APPROVE_REQUEST_ID, now, onWritten: signals?.eventsWritten }, events);
    }
    return { released: [...writes.values()].reduce((n, w) => n + w.ids.length, 0) };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}
