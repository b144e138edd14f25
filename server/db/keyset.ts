// Storage: keyset pagination of the Users and Groups lists (RFC 9865 cursors). A page starts
// after a position in the list's order (sort value, created_at, id), never at an offset, so rows
// inserted or deleted during a walk do not shift the rows still to come.

import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { scimError } from '../errors.ts';
import type { Database } from './tables.ts';

export type ListTable = 'scim_users' | 'scim_groups';

/**
 * A row's place in a list's order, as the database prints it: the `sortBy` value as text (null
 * when the row has none, or `undefined` when the list has no `sortBy`), `created_at` as text
 * (microseconds kept) and the id. A client may have forged any of these strings: they only ever
 * reach SQL as parameters, and one that does not parse as its type is 400 invalidCursor.
 */
export interface KeysetPosition {
  readonly sortKey?: string | null;
  readonly created: string;
  readonly id: string;
}

export interface KeysetQuery {
  /** The ORDER BY expression of `sortBy`; ties and the default order are (created_at, id). */
  readonly sortBy?: RawBuilder<unknown>;
  readonly descending?: boolean;
  /** The last row of the previous page; null for the first page. */
  readonly after: KeysetPosition | null;
  readonly limit: number;
}

export interface KeysetPage<R> {
  readonly rows: R[];
  /** Where the next page starts; undefined on the last page. */
  readonly next: KeysetPosition | undefined;
}

/**
 * One page of `base` (already restricted to the tenant, live rows and the filter) after
 * `q.after`, in the list order: `sortBy` (nulls last) then created_at, id, both ascending. Reads
 * `limit + 1` rows to know whether another page follows.
 */
export async function keysetPage<T extends ListTable, R>(
  base: SelectQueryBuilder<Database, T, object>,
  table: T,
  q: KeysetQuery,
): Promise<KeysetPage<R>> {
  const created = sql.ref(`${table}.created_at`);
  const id = sql.ref(`${table}.id`);
  // The untyped builder: the same calls on either table, and two computed columns.
  let query = (base as unknown as SelectQueryBuilder<Database, 'scim_users', object>)
    .selectAll(table as 'scim_users')
    .select(sql<string>`${created}::text`.as('keyset_created'))
    .select(sql<string | null>`(${q.sortBy ?? sql`null`})::text`.as('keyset_sort'));
  if (q.after) query = query.where(after(q, created, id, q.after));
  if (q.sortBy) query = query.orderBy(q.sortBy, (ob) => (q.descending ? ob.desc() : ob.asc()).nullsLast());
  query = query.orderBy(created).orderBy(id);
  let page: Array<Record<string, unknown>>;
  try {
    page = (await query.limit(q.limit + 1).execute()) as Array<Record<string, unknown>>;
  } catch (error) {
    // SQLSTATE class 22 (data exception): a position value that is not of its column's type.
    if (q.after && /^22/.test(String((error as { code?: unknown }).code))) throw scimError('CURSOR_INVALID');
    throw error;
  }
  const more = page.length > q.limit;
  const rows = page.slice(0, q.limit).map(({ keyset_created: _c, keyset_sort: _s, ...row }) => row as R);
  const last = page[q.limit - 1];
  const next =
    more && last
      ? {
          ...(q.sortBy ? { sortKey: last.keyset_sort as string | null } : {}),
          created: String(last.keyset_created),
          id: String(last.id),
        }
      : undefined;
  return { rows, next };
}

/**
 * Rows after `position` in the order. With `sortBy`, a row with a greater (descending: smaller)
 * value comes after, then an equal value with a greater (created_at, id); rows without a value
 * sort last. Each value is a parameter the database reads as the type of what it is compared to.
 */
function after(q: KeysetQuery, created: RawBuilder<unknown>, id: RawBuilder<unknown>, position: KeysetPosition): RawBuilder<SqlBool> {
  const tie = sql<SqlBool>`(${created}, ${id}) > (${position.created}::timestamptz, ${position.id}::uuid)`;
  if (!q.sortBy) return tie;
  const value = sql`(${q.sortBy})`;
  if (position.sortKey === null || position.sortKey === undefined) return sql<SqlBool>`(${value} is null and ${tie})`;
  const beyond = q.descending ? sql<SqlBool>`${value} < ${position.sortKey}` : sql<SqlBool>`${value} > ${position.sortKey}`;
  return sql<SqlBool>`(${beyond} or (${value} = ${position.sortKey} and ${tie}) or ${value} is null)`;
}

/**
 * One page of a cursor walk over the tenant's live rows of `table` (users or groups) matching
 * `where`, plus the count of all matches.
 */
export async function liveRowsAfter<R>(
  db: Kysely<Database>,
  table: ListTable,
  tenant: string,
  q: KeysetQuery & { readonly where?: RawBuilder<SqlBool> },
): Promise<KeysetPage<R> & { total: number }> {
  let base = db.selectFrom(table).where('tenant', '=', tenant).where('deleted_at', 'is', null);
  if (q.where) base = base.where(q.where);
  const total = Number((await base.select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  if (q.limit <= 0) return { rows: [], next: undefined, total };
  return { ...(await keysetPage<ListTable, R>(base, table, q)), total };
}
