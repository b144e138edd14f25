// Storage: the events repository, an append-only log of changes read by the platform in id order.
// Within a tenant, ids are assigned in commit order, so a reader that resumes after an id never
// misses an event that commits later.

import { sql } from 'kysely';
import type { Db } from './users.ts';

export type EventType =
  | 'user.created'
  | 'user.relinked'
  | 'user.updated'
  | 'user.deleted'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.key_change_rejected'
  | 'user.deactivation_held'
  | 'group.member_added'
  | 'group.member_removed'
  | 'group.created'
  | 'group.updated'
  | 'group.deleted'
  | 'config.applied';

/** One change. Invariant: `fields` holds names of changed fields, never their values. */
export interface NewEvent {
  readonly type: EventType;
  readonly accountId?: string;
  readonly groupId?: string;
  readonly fields?: readonly string[];
}

export interface EventContext {
  readonly tenant: string;
  readonly configHash: string | null;
  /** The request id, or `scheduler`. */
  readonly requestId: string | null;
  readonly now: Date;
  /**
   * Told of the events after they are written, inside their transaction: the app's
   * `Signals.eventsWritten` (server/signals.ts), heard by its metrics and webhooks. Must not
   * throw. None (the CLI, tests): nobody is told.
   */
  readonly onWritten?: EventObserver | undefined;
}

/** Called after events are written, inside their transaction (which may still roll back). */
export type EventObserver = (tenant: string, events: readonly NewEvent[]) => void;

/** Lock class of the per-tenant event lock (first key of `pg_advisory_xact_lock(int, int)`). */
const EVENTS_LOCK_CLASS = 0x5c1e;

/**
 * Appends events. Invariant: within one tenant, event ids follow commit order. A bigserial
 * alone does not give that (a transaction can take id 9, another id 10 and commit first, and a
 * reader resuming after 10 would never see 9), so the tenant's event lock is taken first and
 * held until commit. Call it last in a transaction, after every row lock it needs; outside a
 * transaction it opens its own.
 */
export async function recordEvents(db: Db, ctx: EventContext, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordEvents(trx, ctx, events));
    return;
  }
  await sql`select pg_advisory_xact_lock(${EVENTS_LOCK_CLASS}::int, hashtext(${ctx.tenant}))`.execute(db);
  await db
    .insertInto('events')
    .values(
      events.map((e) => ({
        tenant: ctx.tenant,
        type: e.type,
        account_id: e.accountId ?? null,
        group_id: e.groupId ?? null,
        config_hash: ctx.configHash,
        request_id: ctx.requestId,
        fields: e.fields ? JSON.stringify(e.fields) : null,
        created_at: ctx.now,
      })),
    )
    .execute();
  ctx.onWritten?.(ctx.tenant, events);
}

export interface StoredEvent {
  readonly id: number;
  readonly tenant: string;
  readonly type: string;
  readonly accountId: string | null;
  readonly groupId: string | null;
  readonly configHash: string | null;
  readonly requestId: string | null;
  readonly fields: readonly string[] | null;
  readonly createdAt: Date;
}

/** Events of one tenant with id > `after`, oldest first. */
export async function listEvents(db: Db, tenant: string, after = 0, limit = 100): Promise<StoredEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('tenant', '=', tenant)
    .where('id', '>', String(after))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    tenant: r.tenant,
    type: r.type,
    accountId: r.account_id,
    groupId: r.group_id,
    configHash: r.config_hash,
    requestId: r.request_id,
    fields: r.fields,
    createdAt: r.created_at,
  }));
}

/** Placeholders (`$n`) of a combined write statement that hold what an EventContext holds. */
export interface EventParams {
  readonly tenant: string;
  readonly configHash: string;
  readonly requestId: string;
  readonly now: string;
}

/**
 * The `insert into events` of a combined write statement (server/db/user-write.ts,
 * server/db/member-write.ts), as SQL text for a data-modifying CTE, built once per statement
 * text. `source` is a relation of (ord, type, account_id, group_id, fields) rows; they are
 * appended in `ord` order under the same invariant as `recordEvents`: the tenant's event lock
 * is taken before the rows take their ids, and after every row of `source` exists (the sort
 * reads them all first). So the statement's row locks come first as `recordEvents` asks:
 * `source` must reference every CTE that takes one.
 */
export function eventInsertSql(source: string, p: EventParams): string {
  return `insert into events (tenant, type, account_id, group_id, config_hash, request_id, fields, created_at)
    select ${p.tenant}, e.type, e.account_id, e.group_id, ${p.configHash}, ${p.requestId}, e.fields, ${p.now}::timestamptz
    from (select * from (${source}) as s order by s.ord) as e
    cross join lateral (select pg_advisory_xact_lock(${EVENTS_LOCK_CLASS}::int, hashtext(${p.tenant})) as locked where e.ord >= 0 offset 0) as l
    order by e.ord
    returning id`;
}
