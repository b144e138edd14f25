// Server: the Group semantics of the SCIM client (create or adopt, get, replace, patch, delete),
// each in one transaction; memberships change row by row in SQL, never as a serialised list.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { recordEvents, type NewEvent } from './db/events.ts';
import {
  addClientMembers,
  findLiveGroup,
  findLiveGroupByName,
  insertGroup,
  membersOfGroups,
  removeClientMembers,
  updateGroup,
  userIdsOf,
  type GroupChanges,
  type MemberRef,
  type MemberSelection,
} from './db/groups.ts';
import type { GroupRow } from './db/tables.ts';
import { isUuid, type Db } from './db/users.ts';
import { ScimError, scimError } from './errors.ts';
import { eventContext, isUniqueViolation, liveOr404, transact, uniqueAs, unlessConflict, type ProvisionContext } from './request.ts';
import { readGroupForMembers, writeMembers } from './db/member-write.ts';
import { memberCondition } from './db/filter/group-filter.ts';
import { groupChanges, groupInput } from './scim/group-patch.ts';

/**
 * At most this many members in one answer (one group, or a page of groups): a larger answer is
 * 400 tooMany, never read whole. Writes answer with every member (their bodies are bounded).
 */
export const MAX_MEMBERS_IN_ANSWER = 20_000;

export interface StoredGroup {
  readonly row: GroupRow;
  /** Live members; undefined when the caller did not ask for them (never loaded). */
  readonly members: readonly MemberRef[] | undefined;
}

/**
 * POST /Groups. A new display name creates a client group. The display name of a live group a
 * rule created and the client never claimed adopts that group (same id, rule memberships kept,
 * the client's members added): `adopted` is true and the answer is still 201. A name the client
 * already holds is 409 uniqueness.
 */
export async function createGroup(ctx: ProvisionContext, body: unknown, withMembers: boolean): Promise<{ group: StoredGroup; adopted: boolean }> {
  const input = groupInput(body);
  const attempt = () =>
    transact(ctx, async (trx, now) => {
      await checkMembers(trx, ctx, input.members ?? [], false);
      const existing = await findLiveGroupByName(trx, ctx.plan.tenant, input.displayName, true);
      if (existing && existing.claimed_at !== null) throw scimError('GROUP_NAME_TAKEN');
      const events: NewEvent[] = [];
      let row: GroupRow;
      if (existing) {
        row = await updateGroup(trx, ctx.plan.tenant, existing.id, {
          claimed_at: now,
          updated_at: now,
          ...(input.externalId !== null ? { external_id: input.externalId } : {}),
        });
        events.push({ type: 'group.updated', groupId: row.id, fields: input.externalId !== null && input.externalId !== existing.external_id ? ['externalId'] : [] });
      } else {
        row = await insertGroup(trx, {
          id: randomUUID(),
          tenant: ctx.plan.tenant,
          display_name: input.displayName,
          external_id: input.externalId,
          created_by: 'client',
          claimed_at: now,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        });
        events.push({ type: 'group.created', groupId: row.id });
      }
      const added = await addClientMembers(trx, ctx.plan.tenant, row.id, input.members ?? [], now);
      events.push(...added.map((userId): NewEvent => ({ type: 'group.member_added', groupId: row.id, accountId: userId })));
      await recordEvents(trx, eventContext(ctx, now), events);
      return { group: await withMembersOf(trx, ctx, row, withMembers), adopted: existing !== undefined };
    }, nameTaken);
  try {
    return await attempt();
  } catch (error) {
    // A concurrent create (client or rule) of the same name won the insert: decide again.
    if (error instanceof ScimError && isUniqueViolation(error.cause)) return attempt();
    throw error;
  }
}

/** GET /Groups/:id. */
export async function getGroup(ctx: ProvisionContext, id: string, withMembers: boolean): Promise<StoredGroup> {
  const row = liveOr404(await findLiveGroup(ctx.db, ctx.plan.tenant, id), 'GROUP_NOT_FOUND', undefined);
  return withMembersOf(ctx.db, ctx, row, withMembers, MAX_MEMBERS_IN_ANSWER);
}

/**
 * PUT /Groups/:id: the group becomes the body. `members` lists exactly the client's members
 * (absent means none); memberships a rule holds stay. Claims a rule's group.
 */
export async function replaceGroup(ctx: ProvisionContext, id: string, body: unknown, ifMatch: string | undefined, withMembers: boolean): Promise<StoredGroup> {
  const input = groupInput(body);
  return transact(ctx, async (trx, now) => {
    const stored = await liveGroup(trx, ctx, id, ifMatch);
    const ids = input.members ?? [];
    await checkMembers(trx, ctx, ids, false);
    const removed = await removeClientMembers(trx, ctx.plan.tenant, stored.id, ids.length > 0 ? { kind: 'allBut', ids } : { kind: 'all' });
    const added = await addClientMembers(trx, ctx.plan.tenant, stored.id, ids, now);
    const row = await updateGroup(trx, ctx.plan.tenant, stored.id, {
      display_name: input.displayName,
      external_id: input.externalId,
      claimed_at: stored.claimed_at ?? now,
      updated_at: now,
    });
    await recordEvents(trx, eventContext(ctx, now), [
      { type: 'group.updated', groupId: row.id, fields: changedAttributes(stored, row) },
      ...memberEvents(row.id, added, removed),
    ]);
    return withMembersOf(trx, ctx, row, withMembers);
  }, nameTaken);
}

/**
 * PATCH /Groups/:id: every operation, in order, in one transaction; members are added and
 * removed row by row, so one member of a large group costs one membership row and the group
 * row (its version). Member ids are checked before anything changes: an id that is not a live
 * user of the tenant (for a removal: not a user of the tenant at all) is 400 invalidValue.
 * Returns the new row; the answer is 204.
 */
export async function patchGroup(ctx: ProvisionContext, id: string, body: unknown, ifMatch: string | undefined): Promise<GroupRow> {
  const changes = groupChanges(body);
  const fast = await patchMembers(ctx, id, changes, ifMatch);
  if (fast) return fast;
  return transact(ctx, async (trx, now) => {
    const stored = await liveGroup(trx, ctx, id, ifMatch);
    const otherId = changes.find((c) => c.kind === 'sameId' && c.value !== stored.id);
    if (otherId?.kind === 'sameId') throw scimError('PATCH_READ_ONLY', { n: otherId.n, attribute: 'id' });
    const adding = changes.flatMap((c) => (c.kind === 'addMembers' || c.kind === 'replaceMembers' ? c.ids : []));
    const removing = changes.flatMap((c) => (c.kind === 'removeMembers' ? c.ids : []));
    await checkMembers(trx, ctx, adding, false);
    await checkMembers(trx, ctx, removing, true);
    const tenant = ctx.plan.tenant;
    const attributes: GroupChanges = {};
    const added = new Set<string>();
    const removed = new Set<string>();
    const note = (ins: readonly string[], outs: readonly string[]) => {
      for (const u of ins) if (!removed.delete(u)) added.add(u);
      for (const u of outs) if (!added.delete(u)) removed.add(u);
    };
    for (const change of changes) {
      switch (change.kind) {
        case 'displayName':
          attributes.display_name = change.value;
          break;
        case 'externalId':
          attributes.external_id = change.value;
          break;
        case 'addMembers':
          note(await addClientMembers(trx, tenant, stored.id, change.ids, now), []);
          break;
        case 'replaceMembers': {
          const selection: MemberSelection = change.ids.length > 0 ? { kind: 'allBut', ids: change.ids } : { kind: 'all' };
          const outs = await removeClientMembers(trx, tenant, stored.id, selection);
          note(await addClientMembers(trx, tenant, stored.id, change.ids, now), outs);
          break;
        }
        case 'removeMembers':
          note([], await removeClientMembers(trx, tenant, stored.id, { kind: 'users', ids: change.ids }));
          break;
        case 'removeAllMembers':
          note([], await removeClientMembers(trx, tenant, stored.id, { kind: 'all' }));
          break;
        case 'removeMembersWhere':
          note([], await removeClientMembers(trx, tenant, stored.id, { kind: 'where', condition: memberCondition(change.filter, sql.ref('memberships')) }));
          break;
        case 'sameId':
          break;
      }
    }
    const row = await updateGroup(trx, tenant, stored.id, { ...attributes, claimed_at: stored.claimed_at ?? now, updated_at: now });
    const fields = changedAttributes(stored, row);
    await recordEvents(trx, eventContext(ctx, now), [
      ...(fields.length > 0 ? [{ type: 'group.updated' as const, groupId: row.id, fields }] : []),
      ...memberEvents(row.id, [...added], [...removed]),
    ]);
    return row;
  }, nameTaken);
}

/**
 * The common PATCH of a client (members added and removed by id, no user both): one read and
 * one conditional write, retried when the group changed in between. Undefined: not such a
 * PATCH, or the group kept changing; the caller takes the locked transaction.
 */
async function patchMembers(ctx: ProvisionContext, id: string, changes: ReturnType<typeof groupChanges>, ifMatch: string | undefined): Promise<GroupRow | undefined> {
  const adding: string[] = [];
  const removing: string[] = [];
  for (const c of changes) {
    if (c.kind === 'addMembers') adding.push(...c.ids);
    else if (c.kind === 'removeMembers') removing.push(...c.ids);
    else return undefined;
  }
  const removed = new Set(removing.map((r) => r.toLowerCase()));
  if (adding.some((a) => removed.has(a.toLowerCase()))) return undefined;
  const now = ctx.now ?? new Date();
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    const read = await readGroupForMembers(ctx.db, ctx.plan.tenant, id, [...adding, ...removing]);
    const stored = liveOr404(read?.row, 'GROUP_NOT_FOUND', ifMatch);
    checkKnown(adding, read!.live, false);
    checkKnown(removing, read!.known, true);
    const written = await unlessConflict(() => uniqueAs(nameTaken, () => writeMembers(ctx.db, stored, adding, removing.filter(isUuid), eventContext(ctx, now))));
    if (written) return written.row;
  }
  return undefined;
}

/** Optimistic writes of one member PATCH before it takes the locked transaction. */
const OPTIMISTIC_ATTEMPTS = 3;

/**
 * DELETE /Groups/:id. A group that no rule of the tenant names is soft deleted (404 from then
 * on). A group a rule names cannot go (rules add, never remove, and would re-create it): the
 * client's memberships are removed and its claim released, rule memberships stay, the answer
 * is 204 too, and a later POST of the name adopts it again.
 */
export async function deleteGroup(ctx: ProvisionContext, id: string, ifMatch: string | undefined): Promise<void> {
  await transact(ctx, async (trx, now) => {
    const stored = await liveGroup(trx, ctx, id, ifMatch);
    const name = stored.display_name.toLowerCase();
    const ruleNamed = ctx.plan.groups.some((rule) => rule.group.toLowerCase() === name);
    if (ruleNamed) {
      const removed = await removeClientMembers(trx, ctx.plan.tenant, stored.id, { kind: 'all' });
      await updateGroup(trx, ctx.plan.tenant, stored.id, { claimed_at: null, updated_at: now });
      await recordEvents(trx, eventContext(ctx, now), memberEvents(stored.id, [], removed));
      return;
    }
    await updateGroup(trx, ctx.plan.tenant, stored.id, { deleted_at: now, updated_at: now });
    await recordEvents(trx, eventContext(ctx, now), [{ type: 'group.deleted', groupId: stored.id }]);
  }, nameTaken);
}

/** Members referenced by a request must be users of this tenant; nothing is applied otherwise. */
async function checkMembers(trx: Db, ctx: ProvisionContext, ids: readonly string[], includeDeleted: boolean): Promise<void> {
  if (ids.length === 0) return;
  checkKnown(ids, await userIdsOf(trx, ctx.plan.tenant, ids, includeDeleted), includeDeleted);
}

/** 400 unless every id is in `known` (the tenant's users: live ones, or with `includeDeleted` any). */
function checkKnown(ids: readonly string[], known: ReadonlySet<string>, includeDeleted: boolean): void {
  const unknown = [...new Set(ids)].filter((id) => !known.has(id));
  if (unknown.length === 0) return;
  // Only server-issued ids (UUIDs) are echoed: anything else a client put there may be personal data.
  const first = unknown.find((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id));
  const what = first ? `\`${first}\`` : 'a value that is not a user id';
  const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
  throw scimError(includeDeleted ? 'MEMBERS_NOT_USERS' : 'MEMBERS_NOT_LIVE_USERS', { what, more });
}

async function withMembersOf(db: Db, ctx: ProvisionContext, row: GroupRow, withMembers: boolean, max?: number): Promise<StoredGroup> {
  if (!withMembers) return { row, members: undefined };
  const members = await membersOfGroups(db, ctx.plan.tenant, [row.id], max);
  if (!members) throw scimError('GROUP_MEMBERS_TOO_MANY', { max: max ?? 0 });
  return { row, members: members.get(row.id) ?? [] };
}

/** The live group for a write, or 404; 412 on a stale If-Match. */
async function liveGroup(trx: Db, ctx: ProvisionContext, id: string, ifMatch: string | undefined): Promise<GroupRow> {
  return liveOr404(await findLiveGroup(trx, ctx.plan.tenant, id, true), 'GROUP_NOT_FOUND', ifMatch);
}

function changedAttributes(before: GroupRow, after: GroupRow): string[] {
  const fields: string[] = [];
  if (before.display_name !== after.display_name) fields.push('displayName');
  if (before.external_id !== after.external_id) fields.push('externalId');
  return fields;
}

function memberEvents(groupId: string, added: readonly string[], removed: readonly string[]): NewEvent[] {
  return [
    ...added.map((accountId): NewEvent => ({ type: 'group.member_added', groupId, accountId })),
    ...removed.map((accountId): NewEvent => ({ type: 'group.member_removed', groupId, accountId })),
  ];
}

/** Only the display name can clash. */
const nameTaken = (): ScimError => scimError('GROUP_NAME_TAKEN');
