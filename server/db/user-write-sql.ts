// Storage: the statements of a user write (db/user-write.ts), built once at load with named
// placeholders (db/named-statement.ts): the user row, the rule groups it needs (created on first
// use), its rule memberships and its events, as data-modifying CTEs of one statement. Each write
// has a lean statement for its common case, whose plan holds only what that case does:
// - a create whose rule groups this process knows by id (db/rule-group-ids.ts) names them by
//   id, and the statement checks they are still those live groups;
// - an update of a user who already holds every rule group it needs writes the row and its
//   events only.
// Otherwise the full statement finds and makes the rule groups and adds the memberships. The two
// lean ones have a form for several accounts at once (`_MANY`, db/batcher.ts). The statements
// return only what the database decides (whether the row was written, the groups): the written
// row is the one the caller described.

import { eventInsertSql } from './events.ts';
import { namedStatement } from './named-statement.ts';

const COLUMNS = ['user_name', 'external_id', 'work_email', 'resource', 'profile', 'status', 'deactivated_at', 'reason', 'next_check_at', 'config_hash', 'sources'] as const;
/** The columns' types: a placeholder casts to its column's type (text needs none), a many statement's rows declare them. */
const TYPES: Record<(typeof COLUMNS)[number], string> = {
  user_name: 'text',
  external_id: 'text',
  work_email: 'text',
  resource: 'jsonb',
  profile: 'jsonb',
  status: 'text',
  deactivated_at: 'timestamptz',
  reason: 'text',
  next_check_at: 'timestamptz',
  config_hash: 'text',
  sources: 'jsonb',
};
const value = (c: (typeof COLUMNS)[number]) => `$${c.replace(/_([a-z])/g, (_, l: string) => l.toUpperCase())}${TYPES[c] === 'text' ? '' : `::${TYPES[c]}`}`;

/** The events of the user CTE `u`: its own event, its status event, then `added` (group_id, ord) as member_added. */
const eventsCte = (u: string, added: string, after = '') => `ev as (${eventInsertSql(
  `select 0::bigint as ord, $userEvent::text as type, x.id as account_id, null::uuid as group_id, $userFields::jsonb as fields, null::text as reason from ${u} x where $userEvent::text is not null
   union all select 1, $statusEvent::text, x.id, null, null, $statusReason::text from ${u} x where $statusEvent::text is not null
   ${added ? `union all select 1 + a.ord, 'group.member_added', x.id, a.group_id, null, null from ${added} a cross join ${u} x ${after}` : ''}`,
  { tenant: '$tenant', configHash: '$eventConfig', requestId: '$requestId', now: '$now', source: '$eventSource' },
)})`;

/**
 * The rule groups (`grp`: ord, id, display_name) and the memberships added (`mem`) of the user
 * CTE `u`, found or made by name. A group the snapshot does not show is inserted; when a
 * concurrent first use won, the no-op update returns the winner's row, which the snapshot cannot show.
 */
const ruleCtes = (u: string, upsert: boolean) => `
  wanted as (select w.name, w.new_id, w.ord from unnest($groupNames::text[], $newIds::uuid[]) with ordinality as w(name, new_id, ord)
    where exists (select from ${u})),
  found as (select w.ord, g.id, g.display_name from wanted w
    join scim_groups g on g.tenant = $tenant and lower(g.display_name) = lower(w.name) and g.deleted_at is null),
  made as (insert into scim_groups (id, tenant, display_name, created_by, created_at, updated_at)
    select w.new_id, $tenant, w.name, 'rule', $now::timestamptz, $now::timestamptz from wanted w where not exists (select from found f where f.ord = w.ord)
    on conflict (tenant, lower(display_name)) where deleted_at is null do update set updated_at = scim_groups.updated_at
    returning id, display_name),
  grp as (select ord, id, display_name from found
    union all select w.ord, m.id, m.display_name from made m join wanted w on lower(w.name) = lower(m.display_name)),
  ${membershipCtes(u, upsert)},
  ${
    upsert
      ? `flag as (update memberships m set via_rule = true from grp g
    where m.group_id = g.id and m.user_id = $id::uuid and m.tenant = $tenant and m.via_rule = false and exists (select from ${u})
    returning m.group_id),`
      : ''
  }
  ${eventsCte(u, 'added', upsert ? 'where (select count(*) from flag) >= 0' : '')}`;

/** The rule memberships of the user CTE `u` in the groups of `grp` (`mem`), and those added with their order (`added`). */
const membershipCtes = (u: string, upsert: boolean) => `mem as (insert into memberships (tenant, group_id, user_id, via_rule, created_at)
    select $tenant, g.id, x.id, true, $now::timestamptz from grp g cross join ${u} x
    ${upsert ? 'on conflict (group_id, user_id) do nothing' : ''}
    returning group_id),
  added as (select m.group_id, g.ord from mem m join grp g on g.id = m.group_id)`;

/** `rows` (with id, display_name) as a GroupRef JSON list in `groupsOfUsers` order. */
const groupsJson = (rows: string) =>
  `(select coalesce(json_agg(json_build_object('value', x.id, 'display', x.display_name) order by x.display_name), '[]') from ${rows} as x)`;

/**
 * The new account row, unless the key is taken. `$ignoresCase`: the key ignores case
 * (engine/key-value.ts): `$key` is then folded, and a row written before keys were folded
 * (`lower(key_value)` matches, `key_value` does not) takes the key too. `also`: one more
 * condition of the insert.
 */
const insertCtes = (also = '') => `legacy as (
    select deleted_at is null as live from scim_users
    where $ignoresCase::boolean and tenant = $tenant and lower(key_value) = lower($key) and key_value <> $key),
  ins as (
    insert into scim_users (id, tenant, key_value, ${COLUMNS.join(', ')}, created_at, updated_at, deleted_at)
    select $id::uuid, $tenant, $key, ${COLUMNS.map(value).join(', ')}, $now::timestamptz, $now::timestamptz, null
    where not exists (select from legacy) ${also}
    on conflict (tenant, key_value) do nothing
    returning id)`;

/** Whether the key is taken by a live account (when `ins` wrote nothing). */
const TAKEN_LIVE = `case when exists (select from ins) then null else (
    select bool_or(live) from (select deleted_at is null as live from scim_users where tenant = $tenant and key_value = $key union all select live from legacy) as t) end`;

export const INSERT = namedStatement(`/* prepared:user-insert */ with ${insertCtes()},
  ${ruleCtes('ins', false)}
  select exists (select from ins) as written, ${TAKEN_LIVE} as taken_live,
    ${groupsJson('grp')} as groups_json, (select coalesce(json_agg(group_id order by ord), '[]') from added) as added_json`);

/**
 * The rule groups named by id (`$groupIds`, with their names): each must still be the tenant's
 * live group of that name, else nothing is written (`fresh` is false).
 */
export const INSERT_KNOWN = namedStatement(`/* prepared:user-insert-known */ with
  grp as (select w.ord, g.id, g.display_name from unnest($groupIds::uuid[], $groupNames::text[]) with ordinality as w(id, name, ord)
    join scim_groups g on g.id = w.id and (g.tenant = $tenant and g.deleted_at is null and lower(g.display_name) = lower(w.name)) is true),
  ${insertCtes('and (select count(*) from grp) = cardinality($groupIds::uuid[])')},
  ${membershipCtes('ins', false)},
  ${eventsCte('ins', 'added')}
  select exists (select from ins) as written, (select count(*) from grp) = cardinality($groupIds::uuid[]) as fresh,
    ${TAKEN_LIVE} as taken_live, ${groupsJson('grp')} as groups_json`);

/**
 * The tenant in a condition of a shared statement, as a value the planner does not see (an
 * uncorrelated subquery, computed once: still an index condition). A custom plan that knows
 * the tenant estimates a small tenant's rows as few and looks cheaper than the generic plan,
 * which estimates an average tenant; the statement was then planned again on every call (1 ms
 * of planning beside 1 ms of running), for as long as a tenant is small: all its initial sync
 * (docs/storage.md, "Prepared statements keep their generic plans").
 */
const TENANT_UNSEEN = '(select $tenant::text)';

/**
 * The accounts of a statement for several at once (db/batcher.ts), from `$rows`: a JSON array
 * of them (`manyRow`), each with `n` (its place), `also` (its own columns) and what `values`
 * binds for one account.
 */
const manyRows = (also: string) => `r as (select * from jsonb_to_recordset($rows::jsonb) as r(n int, ${also}, ${COLUMNS.map((c) => `${c} ${TYPES[c]}`).join(', ')},
    now timestamptz, user_event text, user_fields jsonb, status_event text, status_reason text, event_config text, request_id text, event_source text))`;

/** The events of the written accounts `w` (rows of `manyRows`): each one's own event, its status event, then `members` (`m`: group_id, ord) as member_added. */
const manyEventsCte = (members = '') => `ev as (${eventInsertSql(
  `select w.n * 10000::bigint as ord, w.user_event as type, w.id as account_id, null::uuid as group_id, w.user_fields as fields, null::text as reason,
       w.request_id, w.event_config, w.event_source, w.now from w where w.user_event is not null
     union all select w.n * 10000::bigint + 1, w.status_event, w.id, null, null, w.status_reason, w.request_id, w.event_config, w.event_source, w.now
       from w where w.status_event is not null
     ${members ? `union all select w.n * 10000::bigint + 1 + m.ord, 'group.member_added', w.id, m.group_id, null, null, w.request_id, w.event_config, w.event_source, w.now from ${members}` : ''}`,
  { tenant: '$tenant', configHash: 'e.event_config', requestId: 'e.request_id', now: 'e.now', source: 'e.event_source' },
)})`;

/**
 * INSERT_KNOWN for several new accounts at once: `$groupIds` and `$groupNames` are every rule
 * group any of them names by id. As INSERT_KNOWN does, it writes nothing unless every group is
 * still that live group (`fresh`); each account is then written unless its key is taken, and
 * the answer has one row per account, in `n` order.
 */
export const INSERT_KNOWN_MANY = namedStatement(`/* prepared:user-insert-known-many */ with
  ${manyRows('id uuid, key text, ignores_case boolean, group_ids uuid[]')},
  grp as (select g.id, g.display_name from unnest($groupIds::uuid[], $groupNames::text[]) as w(id, name)
    join scim_groups g on g.id = w.id and (g.tenant = ${TENANT_UNSEEN} and g.deleted_at is null and lower(g.display_name) = lower(w.name)) is true),
  legacy as (select r.n, u.deleted_at is null as live from r join scim_users u
    on r.ignores_case and u.tenant = ${TENANT_UNSEEN} and lower(u.key_value) = lower(r.key) and u.key_value <> r.key),
  ins as (
    insert into scim_users (id, tenant, key_value, ${COLUMNS.join(', ')}, created_at, updated_at, deleted_at)
    select r.id, $tenant, r.key, ${COLUMNS.map((c) => `r.${c}`).join(', ')}, r.now, r.now, null from r
    where not exists (select from legacy l where l.n = r.n) and (select count(*) from grp) = cardinality($groupIds::uuid[])
    order by r.n
    on conflict (tenant, key_value) do nothing
    returning id),
  w as (select r.* from r join ins on ins.id = r.id),
  mem as (insert into memberships (tenant, group_id, user_id, via_rule, created_at)
    select $tenant, m.group_id, w.id, true, w.now from w cross join lateral unnest(w.group_ids) as m(group_id)
    returning group_id),
  ${manyEventsCte('w cross join lateral unnest(w.group_ids) with ordinality as m(group_id, ord)')}
  select r.n, exists (select from ins where ins.id = r.id) as written, (select count(*) from grp) = cardinality($groupIds::uuid[]) as fresh,
    case when exists (select from ins where ins.id = r.id) then null else (select bool_or(t.live) from (
      select u.deleted_at is null as live from scim_users u where u.tenant = ${TENANT_UNSEEN} and u.key_value = r.key
      union all select l.live from legacy l where l.n = r.n) as t) end as taken_live,
    ${groupsJson('(select g.id, g.display_name from grp g where g.id = any(r.group_ids))')} as groups_json
  from r order by r.n`);

// By the primary key only, whatever the statistics say (db/users.ts PRIMARY_KEY_ONLY).
const updateCte = `upd as (
    update scim_users set ${COLUMNS.map((c) => `${c} = ${value(c)}`).join(', ')}, updated_at = $now::timestamptz, version = version + 1
    where id = $id::uuid and (tenant = $tenant and version = $version::int and deleted_at is null) is true
    returning id)`;

export const UPDATE = namedStatement(`/* prepared:user-update */ with ${updateCte},
  ${ruleCtes('upd', true)}
  select ${groupsJson(`(select g.id, g.display_name from memberships m join scim_groups g on g.id = m.group_id
        where m.tenant = $tenant and m.user_id = $id::uuid and g.tenant = $tenant and g.deleted_at is null
      union select g.id, g.display_name from mem m join grp g on g.id = m.group_id)`)} as groups_json,
    (select coalesce(json_agg(group_id order by ord), '[]') from added) as added_json
  from upd`);

/** An update that adds no membership: the row and its events. */
export const UPDATE_PLAIN = namedStatement(`/* prepared:user-update-plain */ with ${updateCte},
  ${eventsCte('upd', '')}
  select true as written from upd`);

/**
 * UPDATE_PLAIN for several accounts at once: each is written if it still has its version read.
 * `$ids` lets the planner find them by primary key whatever the size of `$rows`. Of two in one
 * batch for the same account one is written (`returning r.n` tells which); the other, as a
 * concurrent write would, reads again.
 */
export const UPDATE_PLAIN_MANY = namedStatement(`/* prepared:user-update-plain-many */ with
  ${manyRows('id uuid, version int')},
  upd as (
    update scim_users u set ${COLUMNS.map((c) => `${c} = r.${c}`).join(', ')}, updated_at = r.now, version = u.version + 1
    from r where u.id = any($ids::uuid[]) and u.id = r.id and (u.tenant = ${TENANT_UNSEEN} and u.version = r.version and u.deleted_at is null) is true
    returning r.n),
  w as (select r.* from r join upd on upd.n = r.n),
  ${manyEventsCte()}
  select r.n, exists (select from upd where upd.n = r.n) as written from r order by r.n`);
