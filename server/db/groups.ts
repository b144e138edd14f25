// Storage: the scim_groups and memberships repository. Rules create groups on first use and
// add memberships; nothing here removes a membership.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './users.ts';

export interface GroupRef {
  readonly value: string;
  readonly display: string;
}

/** The id of the live group with this display name (case-insensitive), created by a rule if absent. */
export async function ensureRuleGroup(db: Db, tenant: string, displayName: string, now: Date): Promise<string> {
  // The partial unique index settles concurrent first uses: the loser inserts nothing and reads.
  await sql`insert into scim_groups (id, tenant, display_name, created_by, created_at, updated_at)
    values (${randomUUID()}, ${tenant}, ${displayName}, 'rule', ${now}, ${now})
    on conflict (tenant, lower(display_name)) where deleted_at is null do nothing`.execute(db);
  const row = await db
    .selectFrom('scim_groups')
    .select('id')
    .where('tenant', '=', tenant)
    .where(sql<boolean>`lower(display_name) = lower(${displayName})`)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return row.id;
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
