// Storage: a user write in one statement (one round trip, db/user-write-sql.ts): a request only
// binds parameters. Concurrent creates and plain updates of one tenant share a statement
// (db/batcher.ts).

import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { AttributeSources } from '../../engine/attribute-sources.ts';
import type { StatusColumns } from './account-state.ts';
import { Batchers } from './batcher.ts';
import type { EventContext, EventType, NewEvent } from './events.ts';
import type { GroupRef } from './groups.ts';
import { bindNamed, type NamedStatement } from './named-statement.ts';
import { forgetRuleGroups, knownRuleGroups, rememberRuleGroups } from './rule-group-ids.ts';
import type { UserRow } from './tables.ts';
import { INSERT, INSERT_KNOWN, INSERT_KNOWN_MANY, UPDATE, UPDATE_PLAIN, UPDATE_PLAIN_MANY } from './user-write-sql.ts';
import type { Db, ListedGroup } from './users.ts';

/** The columns a create or an update writes (the evaluated ones and the engine's status). */
export interface UserColumns extends StatusColumns {
  readonly user_name: string;
  readonly external_id: string | null;
  readonly work_email: string | null;
  readonly resource: Record<string, unknown>;
  readonly profile: Record<string, unknown>;
  readonly next_check_at: Date | null;
  readonly config_hash: string;
  /** The attribute sources (engine/attribute-sources.ts). */
  readonly sources: AttributeSources;
}

/** `columns` as the database takes them: the JSON columns as JSON text. */
export const columnValues = (columns: UserColumns) => ({
  ...columns,
  resource: JSON.stringify(columns.resource),
  profile: JSON.stringify(columns.profile),
  sources: JSON.stringify(columns.sources),
});

export interface UserWrite {
  readonly id: string;
  readonly columns: UserColumns;
  /** Names of the rule groups the user is in (the evaluation's); memberships missing are added. */
  readonly ruleGroups: readonly string[];
  /** `user.created` or `user.updated` with the changed fields; none for an update that changes none. */
  readonly userEvent: { readonly type: EventType; readonly fields: readonly string[] } | null;
  /** The engine's status event, if its decision has one. */
  readonly statusEvent: { readonly type: EventType; readonly reason?: string | undefined } | null;
  readonly events: EventContext;
}

export interface WrittenUser {
  readonly row: UserRow;
  /** The user's live groups after the write, as `groupsOfUsers` orders them. */
  readonly groups: readonly GroupRef[];
  readonly events: readonly NewEvent[];
}

interface Returned {
  readonly written?: boolean;
  readonly fresh?: boolean;
  readonly taken_live?: boolean | null;
  readonly groups_json?: GroupRef[] | string;
  readonly added_json?: string[] | string;
}

/** The evaluation's rule groups once each, ignoring case: lowercase name -> the name as the evaluation spells it. */
const ruleGroupsOf = (w: UserWrite): Map<string, string> => new Map(w.ruleGroups.map((n) => [n.toLowerCase(), n]));
/** Lowercase distinct rule group names, in the evaluation's order. */
const ruleNames = (w: UserWrite): string[] => [...ruleGroupsOf(w).keys()];

/** The values every statement binds, by name (each statement binds its own beside them: `run`'s `more`). */
function values(w: UserWrite): Record<string, unknown> {
  const { columns } = w;
  return {
    id: w.id,
    tenant: w.events.tenant,
    now: w.events.now,
    userName: columns.user_name,
    externalId: columns.external_id,
    workEmail: columns.work_email,
    resource: JSON.stringify(columns.resource),
    profile: JSON.stringify(columns.profile),
    status: columns.status,
    deactivatedAt: columns.deactivated_at,
    reason: columns.reason,
    nextCheckAt: columns.next_check_at,
    configHash: columns.config_hash,
    sources: JSON.stringify(columns.sources),
    userEvent: w.userEvent?.type ?? null,
    userFields: w.userEvent ? JSON.stringify(w.userEvent.fields) : null,
    statusEvent: w.statusEvent?.type ?? null,
    statusReason: w.statusEvent?.reason ?? null,
    eventConfig: w.events.configHash,
    requestId: w.events.requestId,
    eventSource: w.events.source ?? null,
  };
}

/** The full statements' rule groups: their names (as the evaluation spells them) and ids for those made here. */
function ruleGroupValues(w: UserWrite): Record<string, unknown> {
  const names = [...ruleGroupsOf(w).values()];
  return { groupNames: names, newIds: names.map(() => randomUUID()) };
}

async function run(db: Db, statement: NamedStatement, bound: Record<string, unknown>, more?: Record<string, unknown>): Promise<Returned | undefined> {
  const { rows } = await db.executeQuery<Returned>(CompiledQuery.raw(statement.text, bindNamed(statement, bound, more)));
  return rows[0];
}

const json = <T>(v: T | string | undefined, none: T): T => (v === undefined ? none : typeof v === 'string' ? (JSON.parse(v) as T) : v);

function written(w: UserWrite, row: UserRow, groups: readonly GroupRef[], added: readonly string[]): WrittenUser {
  const events: NewEvent[] = [];
  if (w.userEvent) events.push({ type: w.userEvent.type, accountId: row.id, fields: w.userEvent.fields });
  if (w.statusEvent) events.push({ type: w.statusEvent.type, accountId: row.id, reason: w.statusEvent.reason });
  for (const groupId of added) events.push({ type: 'group.member_added', accountId: row.id, groupId });
  if (events.length > 0) w.events.onWritten?.(w.events.tenant, events);
  return { row, groups, events };
}

/** One create of INSERT_KNOWN: its values, and its rule groups by id with their names. */
interface KnownInsert {
  readonly bound: Record<string, unknown>;
  readonly keyed: { readonly key: string; readonly ignoresCase: boolean };
  readonly groupIds: readonly string[];
  readonly groupNames: readonly string[];
}

/** Creates of one tenant: INSERT_KNOWN alone, INSERT_KNOWN_MANY for several. */
const KNOWN_INSERTS = new Batchers<Db, KnownInsert, Returned>({
  one: async (db, _tenant, item) => (await run(db, INSERT_KNOWN, item.bound, { key: item.keyed.key, ignoresCase: item.keyed.ignoresCase, groupIds: item.groupIds, groupNames: item.groupNames }))!,
  async many(db, tenant, items) {
    const groups = new Map<string, string>();
    for (const { groupIds, groupNames } of items) groupIds.forEach((id, i) => groups.set(id, groupNames[i]!));
    const rows = `[${items.map(({ bound, keyed, groupIds }, n) => manyRow(bound, n, { id: bound.id, key: keyed.key, ignores_case: keyed.ignoresCase, group_ids: groupIds })).join(',')}]`;
    return runMany<Returned>(db, INSERT_KNOWN_MANY, { tenant, groupIds: [...groups.keys()], groupNames: [...groups.values()], rows }, items.length);
  },
});

/** One account of a many statement's `$rows` (`manyRows`), as JSON text: `also` its own columns; the JSON columns are bound as text already. */
function manyRow(b: Readonly<Record<string, unknown>>, n: number, also: Readonly<Record<string, unknown>>): string {
  // Not `{ ...also, n, ... }`: V8 (Node 20) adds each property after a spread of one shape on its slow path, about 0.6 µs each (14 µs for these 16).
  const own = JSON.stringify(also);
  const scalars = JSON.stringify({
    n,
    user_name: b.userName,
    external_id: b.externalId,
    work_email: b.workEmail,
    status: b.status,
    deactivated_at: b.deactivatedAt,
    reason: b.reason,
    next_check_at: b.nextCheckAt,
    config_hash: b.configHash,
    now: b.now,
    user_event: b.userEvent,
    status_event: b.statusEvent,
    status_reason: b.statusReason,
    event_config: b.eventConfig,
    request_id: b.requestId,
    event_source: b.eventSource,
  });
  return `${own.slice(0, -1)},${scalars.slice(1, -1)},"resource":${b.resource},"profile":${b.profile},"sources":${b.sources},"user_fields":${b.userFields ?? 'null'}}`;
}

/** One update of UPDATE_PLAIN: its values and the version it was decided from. */
interface PlainUpdate {
  readonly bound: Record<string, unknown>;
  readonly version: number;
}

/** Updates of one tenant that add no membership: UPDATE_PLAIN alone, UPDATE_PLAIN_MANY for several (whether each was written). */
const PLAIN_UPDATES = new Batchers<Db, PlainUpdate, boolean>({
  one: async (db, _tenant, { bound, version }) => (await run(db, UPDATE_PLAIN, bound, { version })) !== undefined,
  async many(db, tenant, items) {
    const rows = `[${items.map(({ bound, version }, n) => manyRow(bound, n, { id: bound.id, version })).join(',')}]`;
    const answers = await runMany<{ written: boolean }>(db, UPDATE_PLAIN_MANY, { tenant, ids: items.map((i) => i.bound.id), rows }, items.length);
    return answers.map((a) => a.written);
  },
});

/** A many statement's answer rows, one per account in `n` order (`count` of them), else an error. */
async function runMany<R>(db: Db, statement: NamedStatement, bound: Record<string, unknown>, count: number): Promise<R[]> {
  const { rows } = await db.executeQuery<R & { n: number }>(CompiledQuery.raw(statement.text, bindNamed(statement, bound)));
  if (rows.length !== count || rows.some((a, n) => a.n !== n)) throw new Error(`${statement.text.slice(0, 60)}: not one answer per account`);
  return rows;
}

/**
 * Inserts a new account for `key` (as stored: folded when it ignores case), in one statement. When the tenant already holds the key
 * nothing is written: `live` tells whether the statement's snapshot shows it live (a 409); else
 * (deleted, or a concurrent create that committed meanwhile) the caller decides under a lock.
 */
export async function insertUserWithRules(
  db: Db,
  key: { readonly stored: string; readonly ignoresCase: boolean },
  w: UserWrite,
): Promise<WrittenUser | { readonly taken: true; readonly live: boolean }> {
  const tenant = w.events.tenant;
  const bound = values(w);
  const keyed = { key: key.stored, ignoresCase: key.ignoresCase };
  const row: UserRow = { id: w.id, tenant, key_value: key.stored, ...w.columns, version: 1, created_at: w.events.now, updated_at: w.events.now, deleted_at: null };
  const names = ruleNames(w);
  const known = knownRuleGroups(db, tenant, names);
  if (known) {
    const item: KnownInsert = { bound, keyed, groupIds: known.map((g) => g.value), groupNames: names };
    const r = await KNOWN_INSERTS.run(db, tenant, item);
    if (r.fresh) {
      if (!r.written) return { taken: true, live: r.taken_live === true };
      // A new user's memberships are all new: every rule group was added, in the rules' order.
      return written(w, row, json(r.groups_json, []), known.map((g) => g.value));
    }
    forgetRuleGroups(db, tenant);
  }
  const r = (await run(db, INSERT, bound, { ...keyed, ...ruleGroupValues(w) }))!;
  if (!r.written) return { taken: true, live: r.taken_live === true };
  const groups = json(r.groups_json, []);
  rememberRuleGroups(db, tenant, groups);
  return written(w, row, groups, json(r.added_json, []));
}

/**
 * Updates the live account `stored` if it still has the version read (the one its new state was
 * decided from), in one statement; undefined when it changed or went meanwhile (nothing is
 * written). `held`: the user's groups as read with the row (db/users.ts
 * `findLiveUserWithGroups`); when it shows every rule group already held by a rule, the write
 * adds no membership and the answer shows those groups.
 */
export async function updateUserWithRules(db: Db, stored: UserRow, w: UserWrite, held?: readonly ListedGroup[]): Promise<WrittenUser | undefined> {
  const bound = values(w);
  const { version } = stored;
  const row: UserRow = { ...stored, ...w.columns, version: stored.version + 1, updated_at: w.events.now };
  if (held && holdsEveryRuleGroup(held, ruleNames(w))) {
    const item: PlainUpdate = { bound, version };
    const done = await PLAIN_UPDATES.run(db, w.events.tenant, item);
    return done ? written(w, row, held.map(({ value, display }) => ({ value, display })), []) : undefined;
  }
  const r = await run(db, UPDATE, bound, { version, ...ruleGroupValues(w) });
  return r ? written(w, row, json(r.groups_json, []), json(r.added_json, [])) : undefined;
}

const holdsEveryRuleGroup = (held: readonly ListedGroup[], names: readonly string[]): boolean =>
  names.every((name) => held.some((g) => g.rule && g.display.toLowerCase() === name));
