// Storage: the scim_users repository. Plain functions over `db` or a transaction; every
// query filters on tenant.

import { createHash, randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { FilterShape } from './filter/user-filter.ts';
import { Batchers } from './batcher.ts';
import { jsonIds, rowsByIds } from './id-set.ts';
import { isEmbedded } from './database.ts';
import { liveRowsAfter, type KeysetPage, type KeysetQuery } from './keyset.ts';
import type { Database, NewUserRow, UserRow, UserStatus } from './tables.ts';

export type Db = Kysely<Database> | Transaction<Database>;

/**
 * The account holding a key value (as `storedKey` forms it), deleted or not; `forUpdate` locks
 * it for the transaction. `ignoreCase`: the key compares ignoring case, and rows written before
 * keys were folded to lower case are found too (`scim_users_key_lower`); a live one comes first.
 */
export async function findUserByKey(db: Db, tenant: string, keyValue: string, ignoreCase: boolean, forUpdate = false): Promise<UserRow | undefined> {
  let query = db.selectFrom('scim_users').selectAll().where('tenant', '=', tenant);
  query = ignoreCase
    ? query
        .where((eb) => eb.or([eb('key_value', '=', keyValue), eb(sql`lower(key_value)`, '=', sql`lower(${keyValue})`)]))
        .orderBy(sql`deleted_at is null`, 'desc')
        .orderBy('updated_at', 'desc')
        .limit(1)
    : query.where('key_value', '=', keyValue);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/**
 * findUserByKey for many keys in one statement (a feed import's batch): key -> the row
 * findUserByKey would give for it (with `ignoreCase`, a live row before a deleted one, then the
 * latest). Keys are passed as stored (storedKey).
 */
export async function findUsersByKeys(db: Db, tenant: string, keyValues: readonly string[], ignoreCase: boolean): Promise<Map<string, UserRow>> {
  const out = new Map<string, UserRow>();
  if (keyValues.length === 0) return out;
  const fold = (k: string) => (ignoreCase ? k.toLowerCase() : k);
  const wanted = [...new Set(keyValues)];
  const rows = await db
    .selectFrom('scim_users')
    .selectAll()
    .where('tenant', '=', tenant)
    .where((eb) => (ignoreCase ? eb.or([eb('key_value', 'in', wanted), eb(sql`lower(key_value)`, 'in', wanted.map(fold))]) : eb('key_value', 'in', wanted)))
    .orderBy(sql`deleted_at is null`, 'desc')
    .orderBy('updated_at', 'desc')
    .execute();
  const byFolded = new Map<string, UserRow>();
  for (const row of rows) if (!byFolded.has(fold(row.key_value))) byFolded.set(fold(row.key_value), row);
  for (const key of wanted) {
    const row = byFolded.get(fold(key));
    if (row) out.set(key, row);
  }
  return out;
}

/** A live (not deleted) user by SCIM id; `undefined` for other tenants' ids and malformed ids. */
export async function findLiveUser(db: Db, tenant: string, id: string, forUpdate = false): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.executeQuery<UserRow>(CompiledQuery.raw(forUpdate ? FIND_LIVE_FOR_UPDATE : FIND_LIVE, [tenant, id]));
  return rows[0];
}

// Precompiled: the hot path of every GET, PUT and PATCH by id binds parameters only. Only `id`
// is indexable (`(...) is true` hides the rest from the planner, see PRIMARY_KEY_ONLY).
const LIVE_BY_ID = 'id = $2::uuid and (tenant = $1 and deleted_at is null) is true';
const FIND_LIVE_WHERE = `select * from scim_users where ${LIVE_BY_ID}`;
const FIND_LIVE = `/* prepared:user-find */ ${FIND_LIVE_WHERE}`;
const FIND_LIVE_FOR_UPDATE = `/* prepared:user-find-locked */ ${FIND_LIVE_WHERE} for update`;
/*
 * PRIMARY_KEY_ONLY: a lookup by id must use the primary key whatever the statistics say. A table
 * that grew since it was last analyzed (a fresh server seeding users) has none, and PostgreSQL
 * then plans `tenant = $1 and deleted_at is null` as a scan of the tenant's part of the partial
 * userName index (a tie in cost at 0 rows), filtering by id: every user of the tenant read per
 * request (2 ms at 2,000 users), and a prepared statement keeps that generic plan. Wrapped in
 * `is true`, those conditions are no index condition; the result is the same (a WHERE keeps only
 * true rows either way).
 */

/**
 * `findLiveUser` with the user's live groups (as `groupsOfUsers` gives them) in the same
 * statement: GET by id is one round trip.
 */
export async function findLiveUserWithGroups(db: Db, tenant: string, id: string): Promise<FoundUser | undefined> {
  if (!isUuid(id)) return undefined;
  return LIVE_READS.run(db, tenant, id);
}

type FoundUser = { readonly row: UserRow; readonly groups: ListedGroup[] };

async function findOneWithGroups(db: Db, tenant: string, id: string): Promise<FoundUser | undefined> {
  const { rows } = await db.executeQuery<UserRow & { groups_json: unknown }>(CompiledQuery.raw(FIND_LIVE_WITH_GROUPS, [tenant, id]));
  return rows[0] && foundUser(rows[0]);
}

function foundUser({ groups_json, ...row }: UserRow & { groups_json: unknown }): FoundUser {
  return { row, groups: groupsOfJson(groups_json) };
}

/** findOneWithGroups of several ids; an id asked twice gets a copy of its own (callers may change what they get). */
async function findManyWithGroups(db: Db, tenant: string, ids: readonly string[]): Promise<readonly (FoundUser | undefined)[]> {
  const { rows } = await db.executeQuery<UserRow & { groups_json: unknown }>(CompiledQuery.raw(FIND_LIVE_WITH_GROUPS_MANY, [tenant, jsonIds(new Set(ids))]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const given = new Set<string>();
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) return undefined;
    const found = foundUser(given.has(id) ? structuredClone(row) : row);
    given.add(id);
    return found;
  });
}

/** Reads by id of one tenant's concurrent requests, by FIND_LIVE_WITH_GROUPS_MANY (db/batcher.ts). */
const LIVE_READS = new Batchers<Db, string, FoundUser | undefined>({ one: findOneWithGroups, many: findManyWithGroups });

export async function insertUser(db: Db, row: NewUserRow): Promise<UserRow> {
  return db.insertInto('scim_users').values(row).returningAll().executeTakeFirstOrThrow();
}

export type UserChanges = Partial<
  Pick<
    NewUserRow,
    | 'user_name'
    | 'external_id'
    | 'work_email'
    | 'resource'
    | 'profile'
    | 'sources'
    | 'status'
    | 'deactivated_at'
    | 'reason'
    | 'next_check_at'
    | 'config_hash'
    | 'updated_at'
    | 'deleted_at'
  >
>;

/** Applies changes and increments `version`; returns the new row. */
export async function updateUser(db: Db, tenant: string, id: string, changes: UserChanges): Promise<UserRow> {
  return db
    .updateTable('scim_users')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The columns a User resource is rendered from (server/user-view.ts `renderUser`): all a list page reads. */
const VIEW_COLUMNS = ['id', 'resource', 'profile', 'status', 'deactivated_at', 'reason', 'version', 'created_at', 'updated_at'] as const;
export type ViewRow = Pick<UserRow, (typeof VIEW_COLUMNS)[number]>;

export interface ListUsersQuery {
  readonly where?: RawBuilder<SqlBool>;
  /** An SQL expression to sort by; ties and the default order are (created_at, id). */
  readonly sortBy?: RawBuilder<unknown>;
  readonly descending?: boolean;
  readonly offset: number;
  readonly limit: number;
}

/** A group of a listed user, as `groupsOfUsers` (server/db/groups.ts) gives it, and whether a rule put the user in it. */
export interface ListedGroup {
  readonly value: string;
  readonly display: string;
  readonly rule: boolean;
}

/**
 * Live users matching `where`, in a stable order, plus the count of all matches and the live
 * groups of each listed user, all in one statement (the groups as `groupsOfUsers` orders them).
 */
export async function listUsers(db: Db, tenant: string, q: ListUsersQuery): Promise<{ rows: ViewRow[]; total: number; groups: Map<string, ListedGroup[]> }> {
  return withGroups(await listUserRows(db, tenant, q));
}

function withGroups(listed: { rows: (ViewRow & { groups_json: unknown })[]; total: number }): { rows: ViewRow[]; total: number; groups: Map<string, ListedGroup[]> } {
  const groups = new Map<string, ListedGroup[]>();
  const rows = listed.rows.map(({ groups_json, ...row }) => {
    groups.set(row.id, groupsOfJson(groups_json));
    return row;
  });
  return { rows, total: listed.total, groups };
}

/** GROUPS_OF_ROW's list as the driver gives it: parsed, or as JSON text. */
const groupsOfJson = (json: unknown): ListedGroup[] => (typeof json === 'string' ? JSON.parse(json) : json) as ListedGroup[];

/** The live groups of the outer `scim_users` row as a JSON list, as `groupsOfUsers` (db/groups.ts) orders them. */
const GROUPS_OF_ROW = `(select coalesce(json_agg(json_build_object('value', g.id, 'display', g.display_name, 'rule', m.via_rule) order by g.display_name), '[]')
  from memberships m join scim_groups g on g.id = m.group_id
  where m.tenant = scim_users.tenant and m.user_id = scim_users.id and g.tenant = scim_users.tenant and g.deleted_at is null)`;
const groupsOfRow = sql.raw<unknown>(GROUPS_OF_ROW);
const FIND_LIVE_WITH_GROUPS = `/* prepared:user-find-groups */ select scim_users.*, ${GROUPS_OF_ROW} as groups_json from scim_users where ${LIVE_BY_ID}`;
const FIND_LIVE_WITH_GROUPS_MANY = `/* prepared:user-find-groups-many */ select scim_users.*, ${GROUPS_OF_ROW} as groups_json
  from ${rowsByIds('scim_users', '$2')} where (tenant = $1 and deleted_at is null) is true`;

/** The statement texts of `findLiveUser` and `findLiveUserWithGroups` (parameters: tenant, id; for `withGroupsMany` tenant, ids), for plan checks. */
export const liveUserStatements = { find: FIND_LIVE, locked: FIND_LIVE_FOR_UPDATE, withGroups: FIND_LIVE_WITH_GROUPS, withGroupsMany: FIND_LIVE_WITH_GROUPS_MANY } as const;

async function listUserRows(db: Db, tenant: string, q: ListUsersQuery): Promise<{ rows: (ViewRow & { groups_json: unknown })[]; total: number }> {
  const base = matching(db, tenant, q.where);
  const count = async () => Number((await base.select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  if (q.limit <= 0) return { rows: [], total: await count() };
  const page = await pageQuery(db, tenant, q).execute();
  if (page.length === 0) return { rows: [], total: q.offset === 0 ? 0 : await count() };
  return pageRows(page);
}

const matching = (db: Db, tenant: string, where: RawBuilder<SqlBool> | undefined) => {
  const base = db.selectFrom('scim_users').where('tenant', '=', tenant).where('deleted_at', 'is', null);
  return where ? base.where(where) : base;
};

/**
 * One page and the number of all matches (a window count over the filter), each user's groups
 * included. `fenced` reads the matches in a subquery the planner cannot flatten (`offset 0`),
 * then orders them: for a prepared statement of a selective filter (a lookup by value), whose
 * generic plan PostgreSQL chooses without the value, so that the plan never walks the tenant's
 * list-order index filtering every row (26 ms per lookup at 10,000 users when the statistics
 * were older than the data) instead of the filter's own index.
 */
function pageQuery(db: Db, tenant: string, q: ListUsersQuery, fenced = false) {
  // The fence's `offset 0` is text, not a parameter: a custom plan that knows it is 0 looks cheaper (db/id-set.ts).
  const source = fenced ? db.selectFrom(matching(db, tenant, q.where).selectAll().offset(sql.lit(0)).as('scim_users')) : matching(db, tenant, q.where);
  let query = source
    .select(VIEW_COLUMNS)
    .select([sql<string | number>`count(*) over ()`.as('total_matches'), groupsOfRow.as('groups_json')]);
  if (q.sortBy) query = query.orderBy(q.sortBy, (ob) => (q.descending ? ob.desc() : ob.asc()).nullsLast());
  const ordered = query.orderBy('created_at').orderBy('id').limit(q.limit);
  return q.offset > 0 ? ordered.offset(q.offset) : ordered;
}

type PageRow = ViewRow & { groups_json: unknown; total_matches?: string | number };

/**
 * The rows of a page and the number of all matches: the window count (`total_matches`), or the
 * rows themselves from a statement without one (a `unique` shape's, `uniqueQuery`).
 */
function pageRows(page: readonly PageRow[]): { rows: (ViewRow & { groups_json: unknown })[]; total: number } {
  const counted = page[0]?.total_matches;
  const total = counted === undefined ? page.length : Number(counted);
  return { rows: page.map(({ total_matches: _, ...row }) => row), total };
}

/**
 * `listUsers` of the first page (`limit` > 0) for a filter shape (db/filter/user-filter.ts
 * `userValueFilter`): the statement is compiled once per shape, by the same query as
 * `listUsers`, and prepared by name (a name per text), so a lookup only binds the tenant, the
 * value and the limit: no query is built or planned per request.
 */
export async function listUsersByValue(db: Db, tenant: string, shape: FilterShape, value: string, limit: number): Promise<UserPage> {
  const statement = byValueStatement(db, shape);
  return statement.lookups.run(db, tenant, { value, limit });
}

type UserPage = { rows: ViewRow[]; total: number; groups: Map<string, ListedGroup[]> };

interface Lookup {
  readonly value: string;
  readonly limit: number;
}

async function listByValue(db: Db, statement: ByValueStatement, tenant: string, { value, limit }: Lookup): Promise<UserPage> {
  const parameters = statement.parameters.slice();
  parameters[statement.tenant] = tenant;
  parameters[statement.value] = value;
  if (statement.limit !== undefined) parameters[statement.limit] = limit;
  const { rows } = await db.executeQuery<PageRow>(CompiledQuery.raw(statement.text, parameters));
  return withGroups(pageRows(rows));
}

/** listByValue of several lookups in one statement: each one's page, in their order. */
async function listManyByValue(db: Db, statement: ByValueStatement, tenant: string, lookups: readonly Lookup[]): Promise<UserPage[]> {
  const values = JSON.stringify(lookups.map((l, i) => ({ n: i + 1, value: l.value, lim: l.limit })));
  const { rows } = await db.executeQuery<PageRow & { n: string | number }>(CompiledQuery.raw(statement.many, [tenant, values, ...statement.manyParameters]));
  const pages = lookups.map((): PageRow[] => []);
  for (const { n, ...row } of rows) pages[Number(n) - 1]!.push(row);
  return pages.map((page) => withGroups(pageRows(page)));
}

interface ByValueStatement {
  readonly text: string;
  readonly parameters: readonly unknown[];
  readonly tenant: number;
  readonly value: number;
  /** Where the limit is bound; none in the statement of a `unique` shape. */
  readonly limit: number | undefined;
  /**
   * The same page for several lookups (tenant, the lookups as JSON, then `manyParameters`): the
   * shape's statement as a lateral subquery per value, whose rows carry their lookup's place `n`.
   */
  readonly many: string;
  readonly manyParameters: readonly unknown[];
  /** Lookups of one tenant's concurrent requests, by `many` (db/batcher.ts). */
  readonly lookups: Batchers<Db, Lookup, UserPage>;
}

const BY_VALUE = new WeakMap<FilterShape, ByValueStatement>();
/** Stand-ins compiled into a shape's statement, where the request's tenant and limit are bound. */
const TENANT_SENTINEL = `scimplan-tenant-${randomUUID()}`;
const LIMIT_SENTINEL = 987_654_321;

/**
 * The statement of a `unique` shape (`userName eq`): the matching live user with its groups,
 * and nothing a page needs beyond that. A count of 1 or more keeps the one row, the row count is
 * the total, and one row needs no order. Its only parameters are the tenant and the value, so
 * PostgreSQL keeps its generic plan (the unique index): a page's `limit $n` lets a custom plan
 * look cheaper whenever the count is small (as `count=1` is), and a prepared statement that
 * prefers custom plans is planned again on every call. The `limit 1` written in the text changes
 * no answer; as the lateral subquery of the shared statement (`many`) it keeps each lookup a
 * probe of the index, where a subquery without one is merged into a join of the whole table
 * (PGlite's shared lookups fell from 2,653 to 306 per second).
 */
const uniqueQuery = (db: Db, tenant: string, where: RawBuilder<SqlBool>) =>
  matching(db, tenant, where).select(VIEW_COLUMNS).select(groupsOfRow.as('groups_json')).limit(sql.lit(1));

function byValueStatement(db: Db, shape: FilterShape): ByValueStatement {
  const known = BY_VALUE.get(shape);
  if (known) return known;
  const query = shape.unique ? uniqueQuery(db, TENANT_SENTINEL, shape.where) : pageQuery(db, TENANT_SENTINEL, { where: shape.where, offset: 0, limit: LIMIT_SENTINEL }, true);
  const compiled = query.compile();
  const only = (sentinel: unknown): number => {
    const at = compiled.parameters.flatMap((p, i) => (p === sentinel ? [i] : []));
    if (at.length !== 1) throw new Error(`a filter shape's statement binds a stand-in ${at.length} times, not once`);
    return at[0]!;
  };
  const hash = createHash('sha256').update(compiled.sql).digest('hex').slice(0, 16);
  const [tenant, value, limit] = [only(TENANT_SENTINEL), only(shape.sentinel), shape.unique ? undefined : only(LIMIT_SENTINEL)];
  // The shape's statement per lookup: its tenant becomes $1, its value and limit the lookup's columns, the rest follow $2.
  const others = compiled.parameters.flatMap((_, i) => (i === tenant || i === value || i === limit ? [] : [i]));
  const inner = compiled.sql.replace(/\$(\d+)/g, (_, d: string) => {
    const i = Number(d) - 1;
    return i === tenant ? '$1' : i === value ? 'v.value' : i === limit ? 'v.lim' : `$${others.indexOf(i) + 3}`;
  });
  // The lookups as one JSON parameter, not arrays, so that the generic plan stays (see db/id-set.ts).
  const many = `/* prepared:user-list-many-${hash} */ select v.n, p.* from jsonb_to_recordset($2::jsonb) as v(n int, value text, lim int)
    cross join lateral (${inner}) as p order by v.n, p.created_at, p.id`;
  const statement: ByValueStatement = {
    text: `/* prepared:user-list-${hash} */ ${compiled.sql}`,
    parameters: compiled.parameters,
    tenant,
    value,
    limit,
    many,
    manyParameters: others.map((i) => compiled.parameters[i]),
    lookups: new Batchers<Db, Lookup, UserPage>({
      one: (on, name, lookup) => listByValue(on, statement, name, lookup),
      many: (on, name, lookups) => listManyByValue(on, statement, name, lookups),
      // On PostgreSQL a lookup goes alone: it commits nothing, and sharing its statement cost
      // more in waiting than it saved (docs/storage.md, "Concurrent requests share statements").
      shares: isEmbedded,
    }),
  };
  BY_VALUE.set(shape, statement);
  return statement;
}

/** One page of a cursor walk over live users matching `where` (keyset, see keyset.ts), plus the count of all matches. */
export const listUsersAfter = (db: Db, tenant: string, q: KeysetQuery & { readonly where?: RawBuilder<SqlBool> }): Promise<KeysetPage<UserRow> & { total: number }> =>
  liveRowsAfter<UserRow>(db, 'scim_users', tenant, q);

export const isUuid = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export type { UserRow, UserStatus };

/** The first `limit` live users of a tenant by user name (id and name only), and how many there are. */
export async function liveUserNames(db: Db, tenant: string, limit: number): Promise<{ users: { id: string; userName: string }[]; total: number }> {
  const live = db.selectFrom('scim_users').where('tenant', '=', tenant).where('deleted_at', 'is', null);
  const rows = await live.select(['id', 'user_name']).orderBy('user_name').orderBy('id').limit(limit).execute();
  const { total } = await live.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow();
  return { users: rows.map((r) => ({ id: r.id, userName: r.user_name })), total: Number(total) };
}
