// Storage: a user write in one statement (one round trip): the user row, the rule groups it
// needs (created on first use), its rule memberships and its events, as data-modifying CTEs.
// The statement texts are built once, at load; a request only binds parameters.

import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { StatusColumns } from './account-state.ts';
import { eventInsertSql, type EventContext, type EventType, type NewEvent } from './events.ts';
import type { GroupRef } from './groups.ts';
import type { UserRow } from './tables.ts';
import type { Db } from './users.ts';

/** The columns a create or an update writes (the evaluated ones and the engine's status). */
export interface UserColumns extends StatusColumns {
  readonly user_name: string;
  readonly external_id: string | null;
  readonly work_email: string | null;
  /** JSON text. */
  readonly resource: string;
  /** JSON text. */
  readonly profile: string;
  readonly next_check_at: Date | null;
  readonly config_hash: string;
  /** JSON text: the attribute sources (engine/attribute-sources.ts). */
  readonly sources: string;
}

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

// $1 id, $2 tenant, $3 key value (create) or expected version (update), $4..$13 the columns,
// $14 now, $15 rule group names, $16 ids for groups created here, $17/$18 user event and its
// fields, $19 status event, $20 config hash of the events, $21 request id, $22 the status event's reason,
// then the events' source (`login` or null): $23 of an update, $24 of an insert; then the
// attribute sources (jsonb): $24 of an update, $25 of an insert.
const COLUMNS = ['user_name', 'external_id', 'work_email', 'resource', 'profile', 'status', 'deactivated_at', 'reason', 'next_check_at', 'config_hash'] as const;
const CASTS = ['', '', '', '::jsonb', '::jsonb', '', '::timestamptz', '', '::timestamptz', ''];
const value = (i: number) => `$${i + 4}${CASTS[i]}`;

/**
 * The rule groups (`grp`: ord, id, display_name) and the memberships added (`mem`) of the user
 * CTE `u`. A group the snapshot does not show is inserted; when a concurrent first use won, the
 * no-op update returns the winner's row, which the snapshot cannot show.
 */
const ruleCtes = (u: string, upsert: boolean) => `
  wanted as (select w.name, w.new_id, w.ord from unnest($15::text[], $16::uuid[]) with ordinality as w(name, new_id, ord)
    where exists (select from ${u})),
  found as (select w.ord, g.id, g.display_name from wanted w
    join scim_groups g on g.tenant = $2 and lower(g.display_name) = lower(w.name) and g.deleted_at is null),
  made as (insert into scim_groups (id, tenant, display_name, created_by, created_at, updated_at)
    select w.new_id, $2, w.name, 'rule', $14::timestamptz, $14::timestamptz from wanted w where not exists (select from found f where f.ord = w.ord)
    on conflict (tenant, lower(display_name)) where deleted_at is null do update set updated_at = scim_groups.updated_at
    returning id, display_name),
  grp as (select ord, id, display_name from found
    union all select w.ord, m.id, m.display_name from made m join wanted w on lower(w.name) = lower(m.display_name)),
  mem as (insert into memberships (tenant, group_id, user_id, via_rule, created_at)
    select $2, g.id, x.id, true, $14::timestamptz from grp g cross join ${u} x
    ${upsert ? 'on conflict (group_id, user_id) do nothing' : ''}
    returning group_id),
  ${
    upsert
      ? `flag as (update memberships m set via_rule = true from grp g
    where m.group_id = g.id and m.user_id = $1::uuid and m.tenant = $2 and m.via_rule = false and exists (select from ${u})
    returning m.group_id),`
      : ''
  }
  ev as (${eventInsertSql(
    `select 0::bigint as ord, $17::text as type, x.id as account_id, null::uuid as group_id, $18::jsonb as fields, null::text as reason from ${u} x where $17::text is not null
     union all select 1, $19::text, x.id, null, null, $22::text from ${u} x where $19::text is not null
     union all select 1 + g.ord, 'group.member_added', x.id, m.group_id, null, null from mem m join grp g on g.id = m.group_id cross join ${u} x
     ${upsert ? 'where (select count(*) from flag) >= 0' : ''}`,
    { tenant: '$2', configHash: '$20', requestId: '$21', now: '$14', source: upsert ? '$23' : '$24' },
  )})`;

const added = `(select coalesce(json_agg(m.group_id order by g.ord), '[]') from mem m join grp g on g.id = m.group_id)`;

// $23: the key ignores case (engine/key-value.ts): $3 is then folded, and a row written before
// keys were folded (`lower(key_value)` matches, `key_value` does not) takes the key too.
const INSERT = `/* prepared:user-insert */ with legacy as (
    select deleted_at is null as live from scim_users
    where $23::boolean and tenant = $2 and lower(key_value) = lower($3) and key_value <> $3),
  ins as (
    insert into scim_users (id, tenant, key_value, ${COLUMNS.join(', ')}, sources, created_at, updated_at, deleted_at)
    select $1::uuid, $2, $3, ${COLUMNS.map((_, i) => value(i)).join(', ')}, $25::jsonb, $14::timestamptz, $14::timestamptz, null
    where not exists (select from legacy)
    on conflict (tenant, key_value) do nothing
    returning *),
  taken as (select deleted_at is null as live from scim_users where tenant = $2 and key_value = $3
    union all select live from legacy),
  ${ruleCtes('ins', false)}
  select ins.*, (select bool_or(live) from taken) as taken_live,
    (select coalesce(json_agg(json_build_object('value', g.id, 'display', g.display_name) order by g.display_name), '[]')
      from mem m join grp g on g.id = m.group_id) as groups_json,
    ${added} as added_json,
    (select count(*) from ev) as event_count
  from (select 1) as one left join ins on true`;

// By the primary key only, whatever the statistics say (db/users.ts PRIMARY_KEY_ONLY).
const UPDATE = `/* prepared:user-update */ with upd as (
    update scim_users set ${COLUMNS.map((c, i) => `${c} = ${value(i)}`).join(', ')}, sources = $24::jsonb, updated_at = $14::timestamptz, version = version + 1
    where id = $1::uuid and (tenant = $2 and version = $3::int and deleted_at is null) is true
    returning *),
  ${ruleCtes('upd', true)}
  select upd.*,
    (select coalesce(json_agg(json_build_object('value', x.id, 'display', x.display_name) order by x.display_name), '[]') from (
      select g.id, g.display_name from memberships m join scim_groups g on g.id = m.group_id
        where m.tenant = $2 and m.user_id = $1::uuid and g.tenant = $2 and g.deleted_at is null
      union select g.id, g.display_name from mem m join grp g on g.id = m.group_id) as x) as groups_json,
    ${added} as added_json,
    (select count(*) from ev) as event_count
  from upd`;

type Returned = UserRow & { taken_live: boolean | null; groups_json: GroupRef[] | string; added_json: string[] | string; event_count: unknown };

const parameters = (w: UserWrite, third: string | number): unknown[] => {
  const names = [...new Map(w.ruleGroups.map((n) => [n.toLowerCase(), n])).values()];
  return [
    w.id,
    w.events.tenant,
    third,
    ...COLUMNS.map((c) => w.columns[c]),
    w.events.now,
    names,
    names.map(() => randomUUID()),
    w.userEvent?.type ?? null,
    w.userEvent ? JSON.stringify(w.userEvent.fields) : null,
    w.statusEvent?.type ?? null,
    w.events.configHash,
    w.events.requestId,
    w.statusEvent?.reason ?? null,
  ];
};

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function written(w: UserWrite, r: Returned): WrittenUser {
  const { taken_live: _t, groups_json, added_json, event_count: _e, ...row } = r;
  const events: NewEvent[] = [];
  if (w.userEvent) events.push({ type: w.userEvent.type, accountId: row.id, fields: w.userEvent.fields });
  if (w.statusEvent) events.push({ type: w.statusEvent.type, accountId: row.id, reason: w.statusEvent.reason });
  for (const groupId of json(added_json)) events.push({ type: 'group.member_added', accountId: row.id, groupId });
  if (events.length > 0) w.events.onWritten?.(w.events.tenant, events);
  return { row: row as UserRow, groups: json(groups_json), events };
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
  const { rows } = await db.executeQuery<Returned>(CompiledQuery.raw(INSERT, [...parameters(w, key.stored), key.ignoresCase, w.events.source ?? null, w.columns.sources]));
  const r = rows[0]!;
  if (r.id === null) return { taken: true, live: r.taken_live === true };
  return written(w, r);
}

/**
 * Updates a live account if it still has `version` (the one its new state was decided from),
 * in one statement; undefined when it changed or went meanwhile (nothing is written).
 */
export async function updateUserWithRules(db: Db, version: number, w: UserWrite): Promise<WrittenUser | undefined> {
  const { rows } = await db.executeQuery<Returned>(CompiledQuery.raw(UPDATE, [...parameters(w, version), w.events.source ?? null, w.columns.sources]));
  return rows[0] ? written(w, rows[0]) : undefined;
}
