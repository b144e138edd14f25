// Storage: the scheduler's queries over scim_users.next_check_at (the earliest moment, due
// accounts claimed with SKIP LOCKED, batch write-back). The "earlier moment" signal: signals.ts.

import { sql, type Transaction } from 'kysely';
import type { Database, UserStatus } from './tables.ts';
import type { Db } from './users.ts';

/** The earliest stored moment over the given tenants; null when none is stored. */
export async function earliestNextCheck(db: Db, tenants: readonly string[]): Promise<Date | null> {
  if (tenants.length === 0) return null;
  const row = await db
    .selectFrom('scim_users')
    .select((eb) => eb.fn.min('next_check_at').as('at'))
    .where('next_check_at', 'is not', null)
    .where('tenant', 'in', tenants)
    .executeTakeFirst();
  const at = row?.at as Date | string | null | undefined;
  return at === null || at === undefined ? null : new Date(at);
}

export interface DueAccount {
  readonly id: string;
  readonly tenant: string;
  readonly resource: Record<string, unknown>;
  readonly status: UserStatus;
  readonly deactivated_at: Date | null;
  readonly reason: string | null;
}

/**
 * Locks up to `limit` accounts of `tenants` whose moment is at or before `now`, earliest first.
 * Rows another transaction holds are skipped (SKIP LOCKED), so concurrent schedulers on one
 * PostgreSQL never claim the same account; a row re-checked meanwhile no longer qualifies.
 */
export async function claimDueAccounts(trx: Transaction<Database>, tenants: readonly string[], now: Date, limit: number): Promise<DueAccount[]> {
  if (tenants.length === 0) return [];
  return trx
    .selectFrom('scim_users')
    .select(['id', 'tenant', 'resource', 'status', 'deactivated_at', 'reason'])
    .where('next_check_at', '<=', now)
    .where('tenant', 'in', tenants)
    .orderBy('next_check_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** The outcome of one re-check. `status` is set only when the status changes. */
export interface CheckResult {
  readonly id: string;
  readonly next_check_at: Date | null;
  readonly status?: { readonly status: UserStatus; readonly deactivated_at: Date | null; readonly reason: string | null };
}

/**
 * Writes a batch of re-checks in one statement. A status change bumps `version` (the ETag) and
 * `updated_at`; a row whose status stays only gets its new moment.
 */
export async function writeChecks(trx: Db, tenantOf: ReadonlyMap<string, string>, results: readonly CheckResult[], now: Date): Promise<void> {
  if (results.length === 0) return;
  const rows = results.map((r) => ({
    id: r.id,
    tenant: tenantOf.get(r.id),
    next: r.next_check_at?.toISOString() ?? null,
    changed: r.status !== undefined,
    status: r.status?.status ?? null,
    deactivated_at: r.status?.deactivated_at?.toISOString() ?? null,
    reason: r.status?.reason ?? null,
  }));
  await sql`
    update scim_users as u set
      next_check_at = v.next,
      status = case when v.changed then v.status else u.status end,
      deactivated_at = case when v.changed then v.deactivated_at else u.deactivated_at end,
      reason = case when v.changed then v.reason else u.reason end,
      updated_at = case when v.changed then ${now.toISOString()}::timestamptz else u.updated_at end,
      version = u.version + case when v.changed then 1 else 0 end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as v(id uuid, tenant text, next timestamptz, changed boolean, status text, deactivated_at timestamptz, reason text)
    where u.id = v.id and u.tenant = v.tenant`.execute(trx);
}
