// Storage: the scim_users repository. Plain functions over `db` or a transaction; every
// query filters on tenant.

import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import { keysetPage, type KeysetPage, type KeysetQuery } from './keyset.ts';
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

/** A live (not deleted) user by SCIM id; `undefined` for other tenants' ids and malformed ids. */
export async function findLiveUser(db: Db, tenant: string, id: string, forUpdate = false): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined;
  let query = db
    .selectFrom('scim_users')
    .selectAll()
    .where('tenant', '=', tenant)
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

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

export interface ListUsersQuery {
  readonly where?: RawBuilder<SqlBool>;
  /** An SQL expression to sort by; ties and the default order are (created_at, id). */
  readonly sortBy?: RawBuilder<unknown>;
  readonly descending?: boolean;
  readonly offset: number;
  readonly limit: number;
}

/** Live users matching `where`, in a stable order, plus the count of all matches. */
export async function listUsers(db: Db, tenant: string, q: ListUsersQuery): Promise<{ rows: UserRow[]; total: number }> {
  let base = db.selectFrom('scim_users').where('tenant', '=', tenant).where('deleted_at', 'is', null);
  if (q.where) base = base.where(q.where);
  const count = async () => Number((await base.select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  if (q.limit <= 0) return { rows: [], total: await count() };
  // One query for the page and the number of all matches (a window count over the filter).
  let query = base.selectAll().select(sql<string | number>`count(*) over ()`.as('total_matches'));
  if (q.sortBy) query = query.orderBy(q.sortBy, (ob) => (q.descending ? ob.desc() : ob.asc()).nullsLast());
  query = query.orderBy('created_at').orderBy('id');
  const page = await query.offset(q.offset).limit(q.limit).execute();
  if (page.length === 0) return { rows: [], total: q.offset === 0 ? 0 : await count() };
  const total = Number(page[0]!.total_matches);
  const rows = page.map(({ total_matches: _, ...row }) => row as UserRow);
  return { rows, total };
}

/** One page of a cursor walk over live users matching `where` (keyset, see keyset.ts), plus the count of all matches. */
export async function listUsersAfter(
  db: Db,
  tenant: string,
  q: KeysetQuery & { readonly where?: RawBuilder<SqlBool> },
): Promise<KeysetPage<UserRow> & { total: number }> {
  let base = db.selectFrom('scim_users').where('tenant', '=', tenant).where('deleted_at', 'is', null);
  if (q.where) base = base.where(q.where);
  const total = Number((await base.select(sql<string | number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
  if (q.limit <= 0) return { rows: [], next: undefined, total };
  return { ...(await keysetPage<'scim_users', UserRow>(base, 'scim_users', q)), total };
}

export const isUuid = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export type { UserRow, UserStatus };
