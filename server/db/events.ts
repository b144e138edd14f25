// Storage: the events repository, an append-only log of changes read by the platform as a feed
// per tenant. Writers append without a lock; readers stop at a safe horizon (the oldest running
// transaction), so a reader that resumes after an id never misses an event that commits later.

import { sql, type Insertable, type Selectable } from 'kysely';
import type { EventsTable } from './tables.ts';
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
  | 'config.applied'
  // A feed import held by a source threshold, or approved past one (engine/feed-thresholds.ts).
  | 'feed.import_held'
  | 'feed.import_approved';

/** One change. Invariant: `fields` holds names of changed fields, never their values. */
export interface NewEvent {
  readonly type: EventType;
  readonly accountId?: string;
  readonly groupId?: string;
  readonly fields?: readonly string[];
  /**
   * Why a status changed (`user.deactivated`, `user.deactivation_held`, `user.reactivated`):
   * engine/status.ts `StatusDecision.reason`, tenant-file text only, never a user's value; for
   * `feed.import_held` / `feed.import_approved` the feed name and the counts that crossed its
   * thresholds (engine/feed-thresholds.ts `thresholdEvent`).
   */
  readonly reason?: string | undefined;
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
  /** `login` for the events of a login (server/login.ts); absent otherwise. */
  readonly source?: 'login' | undefined;
}

/** Called after events are written, inside their transaction (which may still roll back). */
export type EventObserver = (tenant: string, events: readonly NewEvent[]) => void;

/** One `events` row as inserted; `id` and `txid` come from their SQL defaults. */
export type EventRow = Omit<Insertable<EventsTable>, 'id' | 'txid'>;

/**
 * The rows of `events` in `ctx`, for an insert (`recordEvents`, or a writer that folds the
 * insert into a larger statement). Nothing else is needed: `id` and `txid` are defaulted in
 * SQL, and the order of events in the feed follows from them (see `listEvents`).
 */
export function eventRows(ctx: EventContext, events: readonly NewEvent[]): EventRow[] {
  return events.map((e) => ({
    tenant: ctx.tenant,
    type: e.type,
    account_id: e.accountId ?? null,
    group_id: e.groupId ?? null,
    config_hash: ctx.configHash,
    request_id: ctx.requestId,
    fields: e.fields ? JSON.stringify(e.fields) : null,
    reason: e.reason ?? null,
    source: ctx.source ?? null,
    created_at: ctx.now,
  }));
}

/**
 * Appends events in one insert, without a lock: writers of one tenant append concurrently.
 * Each row records its transaction (`txid`), which is what keeps readers from skipping an
 * event that commits later (`listEvents`). Within a transaction and inside one call, ids
 * follow the order of `events`. Call it anywhere in the transaction; outside one, the insert is
 * its own.
 */
export async function recordEvents(db: Db, ctx: EventContext, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('events').values(eventRows(ctx, events)).execute();
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
  readonly reason: string | null;
  /** `login` for a login's events (docs/sso.md); null for SCIM requests, the scheduler and `apply`. */
  readonly source: string | null;
  readonly createdAt: Date;
}

/**
 * One page of a tenant's feed: the events after the event `after` (0: from the start), oldest
 * first. The feed is ordered by (txid, id): by writing transaction, then id within it. It holds
 * only events of transactions older than every transaction still running
 * (`pg_snapshot_xmin(pg_current_snapshot())`): those are all finished, so every event that
 * commits later belongs to a younger transaction and sorts after everything shown. A reader
 * that resumes after the last id it got therefore never skips an event, though ids of two
 * transactions may come out of numeric order. An `after` that names no event of the tenant
 * starts from the events written before migration 0010 with a larger id, then every later one.
 * Must not run inside a transaction that has written (its own events are never shown).
 */
export async function listEvents(db: Db, tenant: string, after = 0, limit = 100): Promise<StoredEvent[]> {
  const { rows } = await sql<Selectable<EventsTable>>`
    select e.*
    from events e
    where e.tenant = ${tenant}
      and (e.txid, e.id) > (coalesce((select c.txid from events c where c.id = ${after} and c.tenant = ${tenant}), '0'::xid8), ${after}::bigint)
      and e.txid < pg_snapshot_xmin(pg_current_snapshot())
    order by e.txid, e.id
    limit ${limit}`.execute(db);
  return rows.map((r) => ({
    id: Number(r.id),
    tenant: r.tenant,
    type: r.type,
    accountId: r.account_id,
    groupId: r.group_id,
    configHash: r.config_hash,
    requestId: r.request_id,
    fields: r.fields,
    reason: r.reason,
    source: r.source ?? null,
    createdAt: r.created_at,
  }));
}

/** Placeholders (`$n`) of a combined write statement that hold what an EventContext holds. */
export interface EventParams {
  readonly tenant: string;
  readonly configHash: string;
  readonly requestId: string;
  readonly now: string;
  /** The placeholder of the events' source (`$n`, text or null); absent: null. */
  readonly source?: string;
}

/**
 * The `insert into events` of a combined write statement (server/db/user-write.ts,
 * server/db/member-write.ts), as SQL text for a data-modifying CTE, built once per statement
 * text. `source` is a relation of (ord, type, account_id, group_id, fields, reason) rows; they
 * take their ids in `ord` order. As with `recordEvents`, no lock is taken: `id` and `txid` come
 * from their SQL defaults and readers order the feed by them (`listEvents`).
 */
export function eventInsertSql(source: string, p: EventParams): string {
  return `insert into events (tenant, type, account_id, group_id, config_hash, request_id, fields, reason, source, created_at)
    select ${p.tenant}, e.type, e.account_id, e.group_id, ${p.configHash}, ${p.requestId}, e.fields, e.reason, ${p.source ? `${p.source}::text` : 'null'}, ${p.now}::timestamptz
    from (select * from (${source}) as s order by s.ord) as e
    order by e.ord
    returning id`;
}
