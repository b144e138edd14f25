// Storage: a client's member adds and removes of one group in two round trips whatever the
// group's size: one read (the group and the named users), one write statement (the group's
// version, the membership rows, the members' versions and the events, as data-modifying CTEs).
// The statement texts are built once, at load.

import { CompiledQuery } from 'kysely';
import { eventInsertSql, type EventContext, type NewEvent } from './events.ts';
import { jsonIds, rowsByIds } from './id-set.ts';
import { usersOfTenant } from './groups.ts';
import type { GroupRow } from './tables.ts';
import { isUuid, type Db } from './users.ts';

const READ = `/* prepared:group-members-read */ select g.*,
    (select coalesce(json_agg(json_build_object('id', scim_users.id, 'tenant', scim_users.tenant, 'deleted_at', scim_users.deleted_at)), '[]')
      from ${rowsByIds('scim_users', '$3')}) as named_users
  from scim_groups g where g.id = $2::uuid and (g.tenant = $1 and g.deleted_at is null) is true`;

export interface GroupForMembers {
  readonly row: GroupRow;
  /** Which of the named ids are live users of the tenant. */
  readonly live: Set<string>;
  /** Which of the named ids are users of the tenant, deleted or not. */
  readonly known: Set<string>;
}

/** The live group and which of `ids` are its tenant's users, in one statement; undefined: no such group. */
export async function readGroupForMembers(db: Db, tenant: string, id: string, ids: readonly string[]): Promise<GroupForMembers | undefined> {
  if (!isUuid(id)) return undefined;
  const wanted = [...new Set(ids.filter(isUuid).map((i) => i.toLowerCase()))];
  const { rows } = await db.executeQuery<GroupRow & { named_users: unknown }>(CompiledQuery.raw(READ, [tenant, id, jsonIds(wanted)]));
  if (!rows[0]) return undefined;
  const { named_users, ...row } = rows[0];
  const users = (typeof named_users === 'string' ? JSON.parse(named_users) : named_users) as { id: string; tenant: string; deleted_at: string | null }[];
  return { row: row as GroupRow, live: usersOfTenant(users, tenant, false), known: usersOfTenant(users, tenant, true) };
}

// By the primary key only, whatever the statistics say (db/users.ts PRIMARY_KEY_ONLY).
// $1 tenant, $2 group id, $3 version read, $4 ids to add, $5 ids to remove, $6 now, $7 config hash, $8 request id.
const WRITE = `/* prepared:group-members-write */ with grp as (
    update scim_groups set version = version + 1, claimed_at = coalesce(claimed_at, $6::timestamptz), updated_at = $6::timestamptz
    where id = $2::uuid and (tenant = $1 and version = $3::int and deleted_at is null) is true
    returning *),
  ins as (insert into memberships (tenant, group_id, user_id, via_client, created_at)
    select $1, grp.id, u.id, true, $6::timestamptz from grp cross join unnest($4::uuid[]) with ordinality as u(id, ord) order by u.ord
    on conflict (group_id, user_id) do nothing
    returning user_id),
  flag as (update memberships set via_client = true
    where group_id = $2::uuid and tenant = $1 and user_id = any($4::uuid[]) and via_client = false and exists (select from grp)
    returning user_id),
  keep as (update memberships set via_client = false
    where group_id = $2::uuid and tenant = $1 and user_id = any($5::uuid[]) and via_rule and via_client and exists (select from grp)
    returning user_id),
  del as (delete from memberships
    where group_id = $2::uuid and tenant = $1 and user_id = any($5::uuid[]) and via_rule = false and exists (select from grp)
    returning user_id),
  bump as (update scim_users set version = version + 1 where id in (select user_id from ins union all select user_id from del) returning id),
  ev as (${eventInsertSql(
    `select 0::bigint as ord, 'group.member_added'::text as type, i.user_id as account_id, $2::uuid as group_id, null::jsonb as fields, null::text as reason from ins i
     union all select 1, 'group.member_removed', d.user_id, $2::uuid, null, null from del d
       where (select count(*) from bump) + (select count(*) from flag) + (select count(*) from keep) >= 0`,
    { tenant: '$1', configHash: '$7', requestId: '$8', now: '$6' },
  )})
  select grp.*, (select coalesce(json_agg(user_id), '[]') from ins) as added, (select coalesce(json_agg(user_id), '[]') from del) as removed,
    (select count(*) from ev) as event_count
  from grp`;

/**
 * Adds the client's source to memberships of `add` and takes it off those of `remove` (a
 * membership a rule holds stays), if the group still has `version`: undefined when it changed
 * or went meanwhile (nothing is written). `add` and `remove` are disjoint, checked user ids.
 */
export async function writeMembers(
  db: Db,
  group: GroupRow,
  add: readonly string[],
  remove: readonly string[],
  events: EventContext,
): Promise<{ row: GroupRow; events: NewEvent[] } | undefined> {
  const params = [events.tenant, group.id, group.version, [...new Set(add)], [...new Set(remove)], events.now, events.configHash, events.requestId];
  const { rows } = await db.executeQuery<GroupRow & { added: unknown; removed: unknown; event_count: unknown }>(CompiledQuery.raw(WRITE, params));
  if (!rows[0]) return undefined;
  const { added, removed, event_count: _, ...row } = rows[0];
  const list = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as string[];
  const written: NewEvent[] = [
    ...list(added).map((accountId): NewEvent => ({ type: 'group.member_added', groupId: group.id, accountId })),
    ...list(removed).map((accountId): NewEvent => ({ type: 'group.member_removed', groupId: group.id, accountId })),
  ];
  if (written.length > 0) events.onWritten?.(events.tenant, written);
  return { row: row as GroupRow, events: written };
}
