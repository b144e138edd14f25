// Storage: migrations, the constraints of docs/storage.md, and transactions that do not
// interleave on PGlite's single session.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { findLiveUser, insertUser } from '../../server/db/users.ts';
import { openTestDatabase, uniqueTenant } from './helpers.ts';

let database: OpenDatabase;
const tenant = uniqueTenant('db');

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const row = (key: string, userName: string, deleted = false) => {
  const now = new Date();
  return {
    id: randomUUID(),
    tenant,
    key_value: key,
    user_name: userName,
    external_id: key,
    work_email: null,
    resource: JSON.stringify({ userName }),
    profile: JSON.stringify({}),
    status: 'active' as const,
    deactivated_at: null,
    reason: null,
    next_check_at: null,
    config_hash: 'h',
    created_at: now,
    updated_at: now,
    deleted_at: deleted ? now : null,
  };
};

it('runs migrations idempotently', async () => {
  await migrateToLatest(database.db);
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = current_schema() and table_name in ('scim_users', 'scim_groups', 'memberships', 'events') order by table_name`.execute(database.db);
  expect(tables.rows.map((r) => r.table_name)).toEqual(['events', 'memberships', 'scim_groups', 'scim_users']);
});

it('enforces one account per key value, deleted ones included, and one live userName ignoring case', async () => {
  await insertUser(database.db, row('k1', 'Ann'));
  await expect(insertUser(database.db, row('k1', 'other'))).rejects.toMatchObject({ code: '23505' });
  await expect(insertUser(database.db, row('k2', 'ANN'))).rejects.toMatchObject({ code: '23505' });
  await insertUser(database.db, row('k3', 'gone', true));
  await insertUser(database.db, row('k4', 'GONE'));
  await expect(insertUser(database.db, row('k3', 'x'))).rejects.toMatchObject({ code: '23505' });
});

it('filters by tenant and ignores malformed ids', async () => {
  const mine = await insertUser(database.db, row('k5', 'k5'));
  expect(await findLiveUser(database.db, tenant, mine.id)).toBeDefined();
  expect(await findLiveUser(database.db, `${tenant}-other`, mine.id)).toBeUndefined();
  expect(await findLiveUser(database.db, tenant, 'not-a-uuid')).toBeUndefined();
});

it('keeps concurrent transactions apart (a rollback undoes only its own writes)', async () => {
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, (_, i) =>
      database.db.transaction().execute(async (trx) => {
        await insertUser(trx, row(`tx-${i}`, `tx-${i}`));
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (i % 2 === 1) throw new Error('roll back');
      }),
    ),
  );
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  const keys = await database.db.selectFrom('scim_users').select('key_value').where('tenant', '=', tenant).where('key_value', 'like', 'tx-%').orderBy('key_value').execute();
  expect(keys.map((k) => k.key_value)).toEqual(['tx-0', 'tx-2', 'tx-4', 'tx-6', 'tx-8']);
});

it('supports savepoints inside a transaction', async () => {
  const trx = await database.db.startTransaction().execute();
  await insertUser(trx, row('sp-1', 'sp-1'));
  const sp = await trx.savepoint('before_second').execute();
  await insertUser(sp, row('sp-2', 'sp-2'));
  await sp.rollbackToSavepoint('before_second').execute();
  await trx.commit().execute();
  const keys = await database.db.selectFrom('scim_users').select('key_value').where('tenant', '=', tenant).where('key_value', 'like', 'sp-%').execute();
  expect(keys.map((k) => k.key_value)).toEqual(['sp-1']);
});
