// Server: the provisioning semantics of SPEC §1 (create, replace, patch, delete of Users),
// each in one database transaction: key identity, profile, deactivation, group rules, events.

import { randomUUID } from 'node:crypto';
import { decideSources, type AttributeSource, type AttributeSources, type SourcedWrite } from '../engine/attribute-sources.ts';
import { evaluateKey, evaluatePlan } from '../engine/evaluate.ts';
import { keyIgnoresCase, sameKey, storedKey } from '../engine/key-value.ts';
import { changedFields } from '../engine/diff.ts';
import { nextCheckAt } from '../engine/next-check.ts';
import type { Evaluation, Plan } from '../engine/plan.ts';
import { decideDelete, decideLoginStatus, decideStatus, needsSafetyCheck, type AccountState } from '../engine/status.ts';
import { accountStateOf, statusColumns } from './db/account-state.ts';
import { recordEvents, type NewEvent } from './db/events.ts';
import { addRuleMemberships, ensureRuleGroups, groupsOfUsers, ruleGroupNames, type GroupRef } from './db/groups.ts';
import type { UserRow } from './db/tables.ts';
import { columnValues, insertUserWithRules, updateUserWithRules, type UserColumns } from './db/user-write.ts';
import { findLiveUser, findLiveUserWithGroups, findUserByKey, insertUser, updateUser, type Db } from './db/users.ts';
import { ScimError, scimError } from './errors.ts';
import { eventContext, liveOr404, transact, uniqueAs, unlessConflict, type ProvisionContext } from './request.ts';
import { holdDeactivation } from './safety.ts';
import { canonicalUser } from './scim/canonical.ts';
import { put } from './scim/json.ts';
import { applyUserPatch, parseUserPatch } from './scim/patch.ts';
import { requireAttributes } from './scim/required.ts';

export type { ProvisionContext } from './request.ts';

export interface StoredUser {
  readonly row: UserRow;
  readonly groups: readonly GroupRef[];
}

/** POST /Users: creates the account of a new key value, or re-links the deleted account holding it. */
export async function createUser(ctx: ProvisionContext, body: unknown): Promise<StoredUser> {
  const resource = storable(canonicalUser(body, ctx.plan.userScope));
  return createEvaluated(ctx, resource, evaluatePlan(ctx.plan, resource, ctx.now ?? new Date()));
}

/** createUser of a canonical, storable `resource` and its evaluation at `ctx.now`. */
async function createEvaluated(ctx: ProvisionContext, resource: Record<string, unknown>, evaluation: Evaluation): Promise<StoredUser> {
  const { plan } = ctx;
  const now = ctx.now ?? new Date();
  requireAttributes(resource, plan.userScope);
  const key = evaluation.key;
  if (key === null) throw scimError('KEY_MISSING', { attribute: plan.keyAttribute });
  const nextCheck = nextCheckAt(plan, resource, now);
  // A new (or re-linked) account: every attribute is the writer's.
  const { sources } = decideSources({ preferences: preferencesOf(plan), incoming: resource, source: sourceOf(ctx), now });
  const columns = (state: AccountState) => evaluatedColumns(plan, resource, evaluation, nextCheck, sources, state);
  // A new key, decided as a new account: one statement, unless the key is taken by a deleted
  // account (a re-link, whose deactivation must pass the safety limit). A new account whose
  // condition holds starts deactivated (engine `start`) without passing it. Both paths record
  // `user.created` first and the status event right after it, in one insert: that is how the
  // safety window tells a start from a deactivation (server/safety.ts `recentDeactivations`).
  const fresh = decideFor(ctx)(plan, { state: undefined, conditionHolds: evaluation.deactivated, relink: false, now, user: resource });
  if (!needsSafetyCheck(fresh)) {
    const inserted = await uniqueAs(userTaken(plan), () =>
      insertUserWithRules(ctx.db, { stored: storedKey(plan, key), ignoresCase: keyIgnoresCase(plan) }, {
        id: randomUUID(),
        columns: columns(fresh.next),
        ruleGroups: evaluation.groups,
        userEvent: { type: 'user.created', fields: changedFields({}, evaluation.profile) },
        statusEvent: fresh.event ? { type: fresh.event, reason: fresh.reason } : null,
        events: eventContext(ctx, now),
      }),
    );
    if (!('taken' in inserted)) {
      ctx.signals?.nextCheckStored(nextCheck);
      return { row: inserted.row, groups: inserted.groups };
    }
    if (inserted.live) throw scimError('USER_EXISTS', { attribute: plan.keyAttribute });
  }
  const stored = await transact(ctx, async (trx) => {
    const existing = await findUserByKey(trx, plan.tenant, storedKey(plan, key), keyIgnoresCase(plan), true);
    if (existing && existing.deleted_at === null) throw scimError('USER_EXISTS', { attribute: plan.keyAttribute });
    const decision = decideFor(ctx)(plan, { state: existing && accountStateOf(existing), conditionHolds: evaluation.deactivated, relink: existing !== undefined, now, user: resource });
    const status = await holdDeactivation(trx, plan, decision, now);
    // A re-linked account is written as a new one is, keeping its id and creation time.
    const written = { ...columnValues(columns(status.next)), updated_at: now, deleted_at: null };
    const events: NewEvent[] = [];
    let row: UserRow;
    if (existing) {
      row = await updateUser(trx, plan.tenant, existing.id, written);
      events.push({ type: 'user.relinked', accountId: row.id, fields: changedFields(existing.profile, evaluation.profile) });
    } else {
      row = await insertUser(trx, { id: randomUUID(), tenant: plan.tenant, key_value: storedKey(plan, key), ...written, created_at: now });
      events.push({ type: 'user.created', accountId: row.id, fields: changedFields({}, evaluation.profile) });
    }
    if (status.event) events.push({ type: status.event, accountId: row.id, reason: status.reason });
    return finish(trx, ctx, row, evaluation, events, now);
  }, userTaken(plan));
  ctx.signals?.nextCheckStored(nextCheck);
  return stored;
}

/** PUT /Users/:id: replaces the resource as sent; the key value must not change. */
export async function replaceUser(ctx: ProvisionContext, id: string, body: unknown, ifMatch?: string): Promise<StoredUser> {
  const resource = replacement(ctx.plan, body);
  return updateWith(ctx, id, ifMatch, (stored) => withKeyOf(stored.resource, resource, ctx.plan.keyAttribute));
}

/**
 * replaceUser of the live account `read`, which the caller has just read (a feed import reads
 * its accounts by batch): `body(resource)` is what replaces a stored resource. The first attempt
 * starts from `read` instead of reading it again; one after a concurrent write starts from the
 * account as it is then.
 */
export async function replaceReadUser(ctx: ProvisionContext, read: UserRow, body: (stored: Readonly<Record<string, unknown>>) => unknown): Promise<StoredUser> {
  const replacing = (stored: UserRow) => withKeyOf(stored.resource, replacement(ctx.plan, body(stored.resource)), ctx.plan.keyAttribute);
  return updateWith(ctx, read.id, undefined, replacing, read);
}

/** A replacing body as stored: canonical, with every required attribute. */
function replacement(plan: Plan, body: unknown): Record<string, unknown> {
  const resource = canonicalUser(body, plan.userScope);
  requireAttributes(resource, plan.userScope);
  return resource;
}

/**
 * PATCH /Users/:id: the body becomes a checked list of RFC 7644 §3.5.2 operations before the
 * database is read (malformed requests are answered without a transaction); the list applied
 * to the stored resource is then stored as PUT stores.
 */
export async function patchUser(ctx: ProvisionContext, id: string, body: unknown, ifMatch?: string): Promise<StoredUser> {
  const patch = parseUserPatch(body, ctx.plan.userScope, ctx.plan.timezone);
  return updateWith(ctx, id, ifMatch, (stored) => applyUserPatch(stored.resource, patch, stored.id));
}

/** DELETE /Users/:id: soft delete; with `onDelete: deactivate` the account is deactivated too. */
export async function deleteUser(ctx: ProvisionContext, id: string, ifMatch?: string): Promise<void> {
  const { plan } = ctx;
  const now = ctx.now ?? new Date();
  await transact(ctx, async (trx) => {
    const stored = liveOr404(await findLiveUser(trx, plan.tenant, id, true), 'USER_NOT_FOUND', ifMatch);
    const events: NewEvent[] = [{ type: 'user.deleted', accountId: stored.id }];
    const status = decideDelete(plan, accountStateOf(stored), now);
    await updateUser(trx, plan.tenant, stored.id, {
      deleted_at: now,
      updated_at: now,
      ...(status.transition ? statusColumns(status.next) : {}),
    });
    if (status.event) events.push({ type: status.event, accountId: stored.id, reason: status.reason });
    await recordEvents(trx, eventContext(ctx, now), events);
  }, userTaken(plan));
}

/** GET /Users/:id. */
export async function getUser(ctx: ProvisionContext, id: string): Promise<StoredUser> {
  const found = await findLiveUserWithGroups(ctx.db, ctx.plan.tenant, id);
  return { row: liveOr404(found?.row, 'USER_NOT_FOUND', undefined), groups: found?.groups ?? [] };
}

/**
 * `read`: the live row the caller already read (a login finds it by key, a feed import by
 * batch), used as the first optimistic attempt's instead of reading it again by id.
 */
async function updateWith(
  ctx: ProvisionContext,
  id: string,
  ifMatch: string | undefined,
  next: (stored: UserRow) => Record<string, unknown>,
  read?: UserRow,
): Promise<StoredUser> {
  const { plan } = ctx;
  const now = ctx.now ?? new Date();
  // What the write stores over `stored`: its resource with the attributes another source keeps.
  const decide = (stored: UserRow) => sourcedWrite(ctx, stored, next(stored), now);
  // Optimistic: read, let the engine decide, write in one statement if the row still has the
  // version read. A concurrent write makes it read again; a decision that must pass the safety
  // limit, or a row that keeps changing, takes the locked transaction below.
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    const found = attempt === 0 && read ? { row: read, groups: undefined } : await findLiveUserWithGroups(ctx.db, plan.tenant, id);
    const stored = liveOr404(found?.row, 'USER_NOT_FOUND', ifMatch);
    const { resource, sources } = decide(stored);
    const evaluation = evaluatePlan(plan, resource, now);
    if (!sameKey(plan, evaluation.key, stored.key_value)) {
      await recordEvents(ctx.db, eventContext(ctx, now), [{ type: 'user.key_change_rejected', accountId: stored.id, fields: [plan.keyAttribute] }]);
      throw scimError('KEY_CHANGE', { attribute: plan.keyAttribute });
    }
    const decision = decideFor(ctx)(plan, { state: accountStateOf(stored), conditionHolds: evaluation.deactivated, now, user: resource });
    if (needsSafetyCheck(decision)) break;
    const nextCheck = nextCheckAt(plan, resource, now);
    const fields = changedFields(stored.profile, evaluation.profile);
    const updated = await unlessConflict(() => uniqueAs(userTaken(plan), () =>
      updateUserWithRules(ctx.db, stored, {
        id: stored.id,
        columns: evaluatedColumns(plan, resource, evaluation, nextCheck, sources, decision.next),
        ruleGroups: evaluation.groups,
        userEvent: fields.length > 0 ? { type: 'user.updated', fields } : null,
        statusEvent: decision.event ? { type: decision.event, reason: decision.reason } : null,
        events: eventContext(ctx, now),
      }, found?.groups),
    ));
    if (updated) {
      ctx.signals?.nextCheckStored(nextCheck);
      return { row: updated.row, groups: updated.groups };
    }
  }
  // A rejected key change is audited in its own transaction after the request's one rolled back.
  let rejected: string | undefined;
  const result = await transact(ctx, async (trx) => {
    const stored = liveOr404(await findLiveUser(trx, plan.tenant, id, true), 'USER_NOT_FOUND', ifMatch);
    const { resource, sources } = decide(stored);
    const evaluation = evaluatePlan(plan, resource, now);
    if (!sameKey(plan, evaluation.key, stored.key_value)) {
      rejected = stored.id;
      throw scimError('KEY_CHANGE', { attribute: plan.keyAttribute });
    }
    const decision = decideFor(ctx)(plan, { state: accountStateOf(stored), conditionHolds: evaluation.deactivated, now, user: resource });
    const status = await holdDeactivation(trx, plan, decision, now);
    const row = await updateUser(trx, plan.tenant, stored.id, {
      ...columnValues(evaluatedColumns(plan, resource, evaluation, nextCheckAt(plan, resource, now), sources, status.next)),
      updated_at: now,
    });
    // `user.updated` tells the platform which profile fields changed: a request that changes
    // none (a replayed PUT, an attribute no mapping reads, a status flip alone) writes none.
    const fields = changedFields(stored.profile, evaluation.profile);
    const events: NewEvent[] = fields.length > 0 ? [{ type: 'user.updated', accountId: row.id, fields }] : [];
    if (status.event) events.push({ type: status.event, accountId: row.id, reason: status.reason });
    return finish(trx, ctx, row, evaluation, events, now);
  }, userTaken(plan)).catch(async (error: unknown) => {
    if (rejected !== undefined) {
      await recordEvents(ctx.db, eventContext(ctx, now), [{ type: 'user.key_change_rejected', accountId: rejected, fields: [plan.keyAttribute] }]);
    }
    throw error;
  });
  ctx.signals?.nextCheckStored(result.row.next_check_at);
  return result;
}

/**
 * A login (server/login.ts): `claims(base)` is the SCIM user the login describes over a stored
 * resource (`{}` for none). The account of its key is updated as a PUT updates it, or created as
 * a POST creates it (just in time; a deleted account holding the key is re-linked); a create
 * that loses a race to another one updates the winner. Never deactivates (`decideLoginStatus`).
 * One read of the account (by key; the update starts from that row) and one evaluation of the
 * plan (of the created or the updated resource; the key alone is evaluated to find the account).
 */
export async function loginUser(ctx: ProvisionContext, claims: (base: Readonly<Record<string, unknown>>) => Record<string, unknown>): Promise<StoredUser & { created: boolean }> {
  const { plan } = ctx;
  const now = ctx.now ?? new Date();
  const login = { ...ctx, source: 'login' as const, now };
  const fresh = storable(canonicalUser(claims({}), plan.userScope));
  const key = evaluateKey(plan, fresh, now);
  if (key === null) throw scimError('KEY_MISSING', { attribute: plan.keyAttribute });
  const update = (row: UserRow) => updateWith(login, row.id, undefined, (stored) => canonicalUser(claims(stored.resource), plan.userScope), row);
  const existing = await findUserByKey(ctx.db, plan.tenant, storedKey(plan, key), keyIgnoresCase(plan));
  if (existing && existing.deleted_at === null) return { ...(await update(existing)), created: false };
  try {
    return { ...(await createEvaluated(login, fresh, evaluatePlan(plan, fresh, now))), created: true };
  } catch (error) {
    const winner = error instanceof ScimError && error.code === 'USER_EXISTS' ? await findUserByKey(ctx.db, plan.tenant, storedKey(plan, key), keyIgnoresCase(plan)) : undefined;
    if (!winner || winner.deleted_at !== null) throw error;
    return { ...(await update(winner)), created: false };
  }
}

/**
 * What a write by `ctx`'s source of `resource` (canonical) over `stored` stores: its storable
 * attributes, with those another source keeps (engine/attribute-sources.ts). The feed import's
 * plan phase decides with it what its write will store.
 */
export function sourcedWrite(ctx: ProvisionContext, stored: UserRow, resource: Record<string, unknown>, now: Date): SourcedWrite {
  return decideSources({ preferences: preferencesOf(ctx.plan), stored: { resource: stored.resource, sources: sourcesOf(stored) }, incoming: storable(resource), source: sourceOf(ctx), now });
}

const decideFor = (ctx: ProvisionContext) => (ctx.source === 'login' ? decideLoginStatus : decideStatus);

/** The source a write records for the attributes it gives a value (engine/attribute-sources.ts). */
const sourceOf = (ctx: ProvisionContext): AttributeSource => ctx.source ?? 'scim';

const preferencesOf = (plan: Plan) => plan.sso?.preferences ?? {};

/** The stored sources (jsonb: an object, or JSON text from a raw statement); null for a row before migration 0014. */
const sourcesOf = (row: UserRow): AttributeSources | null =>
  typeof row.sources === 'string' ? (JSON.parse(row.sources) as AttributeSources) : (row.sources ?? null);

/** Optimistic writes of one update before it takes the locked transaction. */
const OPTIMISTIC_ATTEMPTS = 3;

/** Group rules, events, and the memberships as the response shows them (the locked path). */
async function finish(trx: Db, ctx: ProvisionContext, row: UserRow, evaluation: Evaluation, events: NewEvent[], now: Date): Promise<StoredUser> {
  // Usually the user already holds every rule group: one read, and nothing to write.
  const held = evaluation.groups.length > 0 ? await ruleGroupNames(trx, ctx.plan.tenant, row.id) : new Set<string>();
  const missing = evaluation.groups.filter((name) => !held.has(name.toLowerCase()));
  if (missing.length > 0) {
    const ids = await ensureRuleGroups(trx, ctx.plan.tenant, missing, now);
    const groupIds = missing.map((name) => ids.get(name.toLowerCase())).filter((id): id is string => id !== undefined);
    const added = await addRuleMemberships(trx, ctx.plan.tenant, row.id, groupIds, now);
    for (const groupId of added) events.push({ type: 'group.member_added', accountId: row.id, groupId });
  }
  await recordEvents(trx, eventContext(ctx, now), events);
  const groups = await groupsOfUsers(trx, ctx.plan.tenant, [row.id]);
  return { row, groups: groups.get(row.id) ?? [] };
}

/**
 * What a create, re-link or update stores from the resource it evaluated: the indexed columns,
 * the resource, profile and attribute sources as JSON, the next-check moment, the config that
 * evaluated it and the engine's status `state`. Throws USER_NAME_REQUIRED (`userName` is
 * required, RFC 7643 §4.1.1). The times are the caller's. One object literal: this runs on
 * every write, and spreading partial objects into it cost more than the rest of it.
 */
function evaluatedColumns(plan: Plan, resource: Record<string, unknown>, evaluation: Evaluation, nextCheck: Date | null, sources: AttributeSources, state: AccountState): UserColumns {
  const userName = resource['userName'];
  if (typeof userName !== 'string' || userName.trim() === '') throw scimError('USER_NAME_REQUIRED');
  const externalId = resource['externalId'];
  return {
    user_name: userName,
    external_id: typeof externalId === 'string' ? externalId : null,
    work_email: workEmail(resource),
    resource,
    profile: evaluation.profile,
    sources,
    next_check_at: nextCheck,
    config_hash: plan.hash,
    status: state.status,
    deactivated_at: state.deactivatedAt,
    reason: state.reason,
  };
}

/** The first work email, lower-cased (the column its index serves). */
function workEmail(resource: Record<string, unknown>): string | null {
  const emails = resource['emails'];
  if (!Array.isArray(emails)) return null;
  for (const e of emails as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { type, value } = e as { type?: unknown; value?: unknown };
    if (typeof type === 'string' && type.toLowerCase() === 'work' && typeof value === 'string') return value.toLowerCase();
  }
  return null;
}

/** Secrets are never stored, whatever a client sends (Okta sends `password` on create). */
function storable(resource: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...resource };
  for (const key of Object.keys(copy)) if (key.toLowerCase() === 'password') delete copy[key];
  return copy;
}

/**
 * A full PUT that leaves out a top-level key attribute keeps the stored value: omitting is not
 * changing it. A different value is still a key change.
 */
function withKeyOf(stored: Record<string, unknown>, next: Record<string, unknown>, keyAttribute: string): Record<string, unknown> {
  if (keyAttribute.includes('.') || keyAttribute.includes(':')) return next;
  if (next[keyAttribute] !== undefined || stored[keyAttribute] === undefined) return next;
  const copy = { ...next };
  put(copy, keyAttribute, stored[keyAttribute]);
  return copy;
}

/** A unique violation of a user request: the userName index, or else the mapping key. */
const userTaken =
  (plan: Plan) =>
  (error: unknown): ScimError =>
    String((error as { constraint?: unknown }).constraint ?? '').includes('user_name')
      ? scimError('USER_NAME_TAKEN')
      : scimError('USER_EXISTS', { attribute: plan.keyAttribute });
