// Storage: the events repository, an append-only log of changes read by the platform in id order.

import type { Db } from './users.ts';

export type EventType =
  | 'user.created'
  | 'user.relinked'
  | 'user.updated'
  | 'user.deleted'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.key_change_rejected'
  | 'group.member_added';

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
}

export async function recordEvents(db: Db, ctx: EventContext, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
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
}

export interface StoredEvent {
  readonly id: number;
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
    type: r.type,
    accountId: r.account_id,
    groupId: r.group_id,
    configHash: r.config_hash,
    requestId: r.request_id,
    fields: r.fields,
    createdAt: r.created_at,
  }));
}
