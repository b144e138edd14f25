// Storage: the scim_groups and memberships repository. Rules create groups on first use and
// add memberships; the SCIM client creates, renames and deletes groups and adds and removes
// only its own source of a membership.

import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { liveRowsAfter, type KeysetPage, type KeysetQuery } from './keyset.ts';
import type { GroupRow, NewGroupRow } from './tables.ts';
import { isUuid, type Db } from './users.ts';

export interface GroupRef {
  readonly value: string;
  readonly display: string;
}

/**
 * The ids of the named rule groups (keyed by lowercase name), creating those that do not exist
 * yet: two statements whatever the number of names. The partial unique index settles
 * concurrent first uses: the loser inserts nothing and reads the winner's row.
 */
export async function ensureRuleGroups(db: Db, tenant: string, names: readonly string[], now: Date): Promise<Map<string, string>> {
  const unique = [...new Map(names.map((n) => [n.toLowerCase(), n])).values()];
  if (unique.length === 0) return new Map();
  const rows = sql.join(unique.map((name) => sql`(${randomUUID()}, ${tenant}, ${name}, 'rule', ${now}, ${now})`));
  await sql`insert into scim_groups (id, tenant, display_name, created_by, created_at, updated_at)
    values ${rows}
    on conflict (tenant, lower(display_name)) where deleted_at is null do nothing`.execute(db);
  const found = await db
    .selectFrom('scim_groups')
    .select(['id', 'display_name'])
    .where('tenant', '=', tenant)
    .where(sql<string>`lower(display_name)`, 'in', unique.map((n) => n.toLowerCase()))
    .where('deleted_at', 'is', null)
    .execute();
  return new Map(found.map((r) => [r.display_name.toLowerCase(), r.id]));
}

/** Names (lowercase) of the groups a user already holds through a rule. */
export async function ruleGroupNames(db: Db, tenant: string, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select('g.display_name')
    .where('m.tenant', '=', tenant)
    .where('m.user_id', '=', userId)
    .where('m.via_rule', '=', true)
    .where('g.deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.display_name.toLowerCase()));
}

/** Adds rule memberships; returns the group ids that were not members before. */
export async function addRuleMemberships(db: Db, tenant: string, userId: string, groupIds: readonly string[], now: Date): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const inserted = await db
    .insertInto('memberships')
    .values(groupIds.map((groupId) => ({ tenant, group_id: groupId, user_id: userId, via_rule: true, created_at: now })))
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
    .returning('group_id')
    .execute();
  // A client-made membership that a rule now also holds is marked so it is never lost to a client removal.
  await db
    .updateTable('memberships')
    .set({ via_rule: true })
    .where('tenant', '=', tenant)
    .where('user_id', '=', userId)
    .where('group_id', 'in', groupIds)
    .where('via_rule', '=', false)
    .execute();
  return inserted.map((r) => r.group_id);
}

/** Live groups of each user, in one query over the memberships_user index. */
export async function groupsOfUsers(db: Db, tenant: string, userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const result = new Map<string, GroupRef[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return result;
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
    .select(['m.user_id', 'g.id', 'g.display_name'])
    .where('m.tenant', '=', tenant)
    .where('m.user_id', 'in', userIds)
    .where('g.tenant', '=', tenant)
    .where('g.deleted_at', 'is', null)
    .orderBy('g.display_name')
    .execute();
  for (const row of rows) result.get(row.user_id)?.push({ value: row.id, display: row.display_name });
  return result;
}

// ---- SCIM client groups --------------------------------------------------------------------
// A membership holds two sources: `via_rule` (a group rule, add-only) and `via_client` (the SCIM
// client). The client adds and removes only its own source; a row goes when neither remains.

/** A live member of a group as `members` shows it. */
export interface MemberRef {
  readonly value: string;
  readonly display: string;
}

/** A live group by SCIM id; `undefined` for other tenants' ids and malformed ids. */
export async function findLiveGroup(db: Db, tenant: string, id: string, lock = false): Promise<GroupRow | undefined> {
  if (!isUuid(id)) return undefined;
  let query = db.selectFrom('scim_groups').selectAll().where('tenant', '=', tenant).where('id', '=', id).where('deleted_at', 'is', null);
  // NO KEY UPDATE serialises writers of the group without blocking the foreign-key checks of
  // concurrent membership inserts (FOR UPDATE would, and deadlock with user updates).
  if (lock) query = query.forNoKeyUpdate();
  return query.executeTakeFirst();
}

/** The live group with this display name, case-insensitive. */
export async function findLiveGroupByName(db: Db, tenant: string, displayName: string, lock = false): Promise<GroupRow | undefined> {
  let query = db
    .selectFrom('scim_groups')
    .selectAll()
    .where('tenant', '=', tenant)
    .where(sql<boolean>`lower(display_name) = lower(${displayName})`)
    .where('deleted_at', 'is', null);
  if (lock) query = query.forNoKeyUpdate();
  return query.executeTakeFirst();
}

export async function insertGroup(db: Db, row: NewGroupRow): Promise<GroupRow> {
  return db.insertInto('scim_groups').values(row).returningAll().executeTakeFirstOrThrow();
}

export type GroupChanges = Partial<Pick<NewGroupRow, 'display_name' | 'external_id' | 'claimed_at' | 'updated_at' | 'deleted_at'>>;

/** Applies changes and increments `version` (every write to a group, memberships included). */
export async function updateGroup(db: Db, tenant: string, id: string, changes: GroupChanges): Promise<GroupRow> {
  return db
    .updateTable('scim_groups')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ListGroupsQuery {
  readonly where?: RawBuilder<SqlBool>;
  readonly sortBy?: RawBuilder<unknown>;
  readonly descending?: boolean;
  readonly offset: number;
  readonly limit: number;
}

/** Live groups matching `where`, in a stable order, plus the count of all matches. Never reads memberships unless `where` does. */
export async function listGroups(db: Db, tenant: string, q: ListGroupsQuery): Promise<{ rows: GroupRow[]; total: number }> {
  let base = db.selectFrom('scim_groups').where('tenant', '=', tenant).where('deleted_at', 'is', null);
  if (q.where) base = base.where(q.where);
  const counted = await base.select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const total = Number(counted.n);
  if (q.limit <= 0 || q.offset >= total) return { rows: [], total };
  let query = base.selectAll();
  if (q.sortBy) query = query.orderBy(q.sortBy, (ob) => (q.descending ? ob.desc() : ob.asc()).nullsLast());
  query = query.orderBy('created_at').orderBy('id');
  return { rows: await query.offset(q.offset).limit(q.limit).execute(), total };
}

/** One page of a cursor walk over live groups matching `where` (keyset, see keyset.ts), plus the count of all matches. */
export const listGroupsAfter = (db: Db, tenant: string, q: KeysetQuery & { readonly where?: RawBuilder<SqlBool> }): Promise<KeysetPage<GroupRow> & { total: number }> =>
  liveRowsAfter<GroupRow>(db, 'scim_groups', tenant, q);

/**
 * Live members of each group (deleted users are hidden, their rows kept), in one query. With
 * `max`, a first query counts at most `max + 1` members (no sort: it stops there) and the answer
 * is undefined when there are more than `max` in all: a group of 100,000 members is never read
 * whole, nor sorted, for an answer that cannot carry it.
 */
export async function membersOfGroups(db: Db, tenant: string, groupIds: readonly string[], max?: number): Promise<Map<string, MemberRef[]> | undefined> {
  const result = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return result;
  const live = db
    .selectFrom('memberships as m')
    .innerJoin('scim_users as u', 'u.id', 'm.user_id')
    .where('m.tenant', '=', tenant)
    .where('m.group_id', 'in', groupIds)
    .where('u.deleted_at', 'is', null);
  if (max !== undefined) {
    const bounded = live.select(sql<number>`1`.as('one')).limit(max + 1);
    const counted = await db.selectFrom(bounded.as('b')).select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    if (Number(counted.n) > max) return undefined;
  }
  const rows = await live.select(['m.group_id', 'u.id', 'u.user_name']).orderBy('m.group_id').orderBy('m.created_at').orderBy('u.id').execute();
  for (const row of rows) result.get(row.group_id)?.push({ value: row.id, display: row.user_name });
  return result;
}

/**
 * Which of `ids` are live users of the tenant (other tenants' ids and malformed ids are not);
 * with `includeDeleted`, users deleted through SCIM count too.
 */
export async function userIdsOf(db: Db, tenant: string, ids: readonly string[], includeDeleted = false): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter(isUuid).map((id) => id.toLowerCase()))];
  if (wanted.length === 0) return new Set();
  // Only the primary key in SQL: with `tenant` (or `deleted_at`) there, a planner without
  // statistics (PGlite never analyses) may walk a tenant index over every user of the tenant.
  const rows = await db.selectFrom('scim_users').select(['id', 'tenant', 'deleted_at']).where(sql<SqlBool>`id = any(${wanted}::uuid[])`).execute();
  return usersOfTenant(rows, tenant, includeDeleted);
}

/** The ids of `rows` that are users of the tenant (live ones unless `includeDeleted`). */
export function usersOfTenant(rows: readonly { id: string; tenant: string; deleted_at: unknown }[], tenant: string, includeDeleted: boolean): Set<string> {
  return new Set(rows.filter((r) => r.tenant === tenant && (includeDeleted || r.deleted_at === null)).map((r) => r.id));
}

/** Adds the client's source to these memberships; returns the users that were not members before. */
export async function addClientMembers(db: Db, tenant: string, groupId: string, userIds: readonly string[], now: Date): Promise<string[]> {
  if (userIds.length === 0) return [];
  const ids = [...new Set(userIds)];
  const inserted = await sql<{ user_id: string }>`insert into memberships (tenant, group_id, user_id, via_client, created_at)
    select ${tenant}, ${groupId}::uuid, u, true, ${now} from unnest(${ids}::uuid[]) as u
    on conflict (group_id, user_id) do nothing returning user_id`.execute(db);
  await bumpUserVersions(db, inserted.rows.map((r) => r.user_id));
  await db
    .updateTable('memberships')
    .set({ via_client: true })
    .where('tenant', '=', tenant)
    .where('group_id', '=', groupId)
    .where(sql<SqlBool>`user_id = any(${ids}::uuid[])`)
    .where('via_client', '=', false)
    .execute();
  return inserted.rows.map((r) => r.user_id);
}

/**
 * Which memberships of a group a removal names: listed users, all, all but the listed users, or
 * an SQL condition over the `memberships` row (a PATCH value filter).
 */
export type MemberSelection =
  | { readonly kind: 'users'; readonly ids: readonly string[] }
  | { readonly kind: 'all' }
  | { readonly kind: 'allBut'; readonly ids: readonly string[] }
  | { readonly kind: 'where'; readonly condition: RawBuilder<SqlBool> };

/**
 * Takes the client's source off the selected memberships. A membership a rule also holds stays
 * (rules add, never remove); the others are deleted. Returns the users no longer members.
 */
export async function removeClientMembers(db: Db, tenant: string, groupId: string, which: MemberSelection): Promise<string[]> {
  if (which.kind === 'users' && which.ids.length === 0) return [];
  const selected = (): RawBuilder<SqlBool> => {
    switch (which.kind) {
      case 'users':
        return sql<SqlBool>`memberships.user_id = any(${[...new Set(which.ids.filter(isUuid))]}::uuid[])`;
      case 'allBut':
        return sql<SqlBool>`not (memberships.user_id = any(${[...new Set(which.ids.filter(isUuid))]}::uuid[]))`;
      case 'all':
        return sql<SqlBool>`true`;
      case 'where':
        return which.condition;
    }
  };
  await db
    .updateTable('memberships')
    .set({ via_client: false })
    .where('tenant', '=', tenant)
    .where('group_id', '=', groupId)
    .where('via_rule', '=', true)
    .where('via_client', '=', true)
    .where(selected())
    .execute();
  const deleted = await db
    .deleteFrom('memberships')
    .where('tenant', '=', tenant)
    .where('group_id', '=', groupId)
    .where('via_rule', '=', false)
    .where(selected())
    .returning('user_id')
    .execute();
  await bumpUserVersions(db, deleted.map((r) => r.user_id));
  return deleted.map((r) => r.user_id);
}

/**
 * A user's `groups` attribute is part of the resource its ETag stands for: a client change to
 * its memberships moves `meta.version`, so `If-None-Match` never answers 304 over it. The ids
 * come from this tenant's memberships; the primary key alone keeps the plan a key lookup.
 */
async function bumpUserVersions(db: Db, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .updateTable('scim_users')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where(sql<SqlBool>`id = any(${[...userIds]}::uuid[])`)
    .execute();
}
