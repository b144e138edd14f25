// Server: planner statistics on PGlite follow the data (server/db/pglite-statistics.ts). A
// server that starts empty and gets users through SCIM has statistics without any clock, and
// GET by id and PATCH's locking lookup are planned as primary-key lookups. The same requests on
// a PGlite without the statistics keeper show what it prevents. Always on PGlite (PostgreSQL has
// autovacuum); nothing is timed.

import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely, PostgresQueryCompiler, sql, type KyselyPlugin } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { PGliteDialect } from '../../server/db/pglite-dialect.ts';
import { ANALYZE_BASE_ROWS, dueTables, MIN_CHECK_ROWS, PGliteStatistics } from '../../server/db/pglite-statistics.ts';
import type { Database } from '../../server/db/tables.ts';
import { findLiveUser, findUserByKey, liveUserStatements } from '../../server/db/users.ts';
import { buildTestApp, tenantYaml, uniqueTenant, until, userBody } from './helpers.ts';

const USERS = 120;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** A server on `db` that gets USERS users through POST /Users; returns the tenant and one user's id and key. */
async function seedThroughScim(db: Kysely<Database>): Promise<{ tenant: string; id: string; key: string }> {
  const tenant = uniqueTenant('stats');
  const { app } = buildTestApp(db, [tenantYaml(tenant)]);
  closers.push(() => app.close());
  let id = '';
  for (let i = 0; i < USERS; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Users`,
      headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify(userBody(`stats-${i}`, `user${i}@example.com`)),
    });
    expect(res.statusCode).toBe(201);
    if (i === USERS / 2) id = res.json().id;
  }
  return { tenant, id, key: `stats-${USERS / 2}` };
}

/**
 * The plans of the SQL the repository sends for GET by id and PATCH's locking lookup (fixed
 * statement texts of `findLiveUser`) and create's locking key lookup (built by kysely, captured).
 */
async function lookupPlans(db: Kysely<Database>, tenant: string, id: string, key: string): Promise<string[]> {
  const compiler = new PostgresQueryCompiler();
  const sent: CompiledQuery[] = [];
  const capture: KyselyPlugin = {
    transformQuery: ({ node, queryId }) => (sent.push(compiler.compileQuery(node, queryId)), node),
    transformResult: async ({ result }) => result,
  };
  const capturing = db.withPlugin(capture);
  expect(await findLiveUser(db, tenant, id)).toBeDefined();
  await capturing.transaction().execute(async (trx) => {
    expect(await findLiveUser(trx, tenant, id, true)).toBeDefined();
    expect(await findUserByKey(trx, tenant, key, false, true)).toBeDefined();
  });
  const keyLookups = sent.filter((q) => q.sql.startsWith('select'));
  expect(keyLookups).toHaveLength(1);
  const lookups = [
    CompiledQuery.raw(liveUserStatements.find, [tenant, id]),
    CompiledQuery.raw(liveUserStatements.locked, [tenant, id]),
    keyLookups[0]!,
    CompiledQuery.raw(liveUserStatements.withGroups, [tenant, id]),
    CompiledQuery.raw(liveUserStatements.withGroupsMany, [tenant, JSON.stringify([id])]),
  ];
  const plans: string[] = [];
  for (const q of lookups) {
    const { rows } = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]));
    plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  return plans;
}

describe('PGlite statistics', () => {
  it('gathers statistics on a server that started empty, so lookups by id and key use their indexes', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    closers.push(() => database.close());
    const { db } = database;
    const { tenant, id, key } = await seedThroughScim(db);
    // The keeper runs after a request releases the connection; wait until it has looked again.
    await until('statistics of scim_users', async () => {
      const { rows } = await db.executeQuery<{ n: number }>(CompiledQuery.raw(`select reltuples::float8 as n from pg_class where relname = 'scim_users'`));
      return rows[0]!.n >= USERS / 2;
    });
    const [byId, lockById, lockByKey, byIdWithGroups, manyById] = await lookupPlans(db, tenant, id, key);
    expect(byId).toMatch(/Index Scan using scim_users_pkey/);
    expect(lockById).toMatch(/Index Scan using scim_users_pkey/);
    expect(lockByKey).toMatch(/Index Scan using scim_users_tenant_key_value_key/);
    expect(byIdWithGroups).toMatch(/Index Scan using scim_users_pkey/);
    expect(manyById).toMatch(/Index Scan using scim_users_pkey/);
  }, 240_000);

  it('(control) without the keeper, the key lookup misses its index; lookups by id keep the primary key regardless', async () => {
    const pglite = new PGlite();
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
    closers.push(async () => {
      await db.destroy();
      await pglite.close();
    });
    await migrateToLatest(db);
    const { tenant, id, key } = await seedThroughScim(db);
    const [byId, lockById, lockByKey, byIdWithGroups, manyById] = await lookupPlans(db, tenant, id, key);
    // Issue 12 found lookups by id planned as a walk of the tenant's userName index, filtering
    // every row on the id; they now leave the planner only the primary key (PRIMARY_KEY_ONLY).
    expect(byId).toMatch(/Index Scan using scim_users_pkey/);
    expect(lockById).toMatch(/Index Scan using scim_users_pkey/);
    expect(byIdWithGroups).toMatch(/Index Scan using scim_users_pkey/);
    expect(manyById).toMatch(/Index Scan using scim_users_pkey/);
    expect(lockByKey).not.toMatch(/scim_users_tenant_key_value_key/);
  }, 240_000);

  it('follows autovacuum’s threshold: 50 rows plus 10% of the table since its last analysis', () => {
    const table = (name: string, changed: number, rows: number, bytes = 8192) => ({ name, changed, rows, bytes });
    expect(ANALYZE_BASE_ROWS).toBe(50);
    expect(dueTables([table('empty', 50, -1), table('new', 51, -1)], false)).toEqual(['new']);
    expect(dueTables([table('big', 10_050, 100_000), table('bigger', 10_051, 100_000)], false)).toEqual(['bigger']);
    // At start, a table that holds data but was never analysed (statistics lost to a crash) is due too.
    expect(dueTables([table('lost', 0, -1), table('none', 0, -1, 0), table('kept', 0, 100)], true)).toEqual(['lost']);
  });

  it("follows a table's own autovacuum_analyze_* storage parameters, as autovacuum does (events: when it has doubled)", async () => {
    const table = (name: string, changed: number, options: string[] | null) => ({ name, changed, rows: 10_000, bytes: 8192, options });
    const log = ['autovacuum_analyze_scale_factor=1.0'];
    expect(dueTables([table('log', 10_050, log), table('grown', 10_051, log), table('default', 1_051, null)], false)).toEqual(['grown', 'default']);
    expect(dueTables([table('base', 150, ['autovacuum_analyze_threshold=100', 'autovacuum_analyze_scale_factor=0.005'])], false)).toEqual([]);
    expect(dueTables([table('base', 151, ['autovacuum_analyze_threshold=100', 'autovacuum_analyze_scale_factor=0.005'])], false)).toEqual(['base']);
    // The migration sets it on `events`, and the keeper reads it from the database.
    const database = await openDatabase({ dataDir: 'memory://' });
    closers.push(() => database.close());
    const { rows } = await sql<{ options: string[] | null }>`select reloptions as options from pg_class where relname = 'events'`.execute(database.db);
    expect(rows[0]!.options).toEqual(log);
  });

  it('gathers no value statistics for the jsonb columns (migration 0017), and those of the others as before', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    closers.push(() => database.close());
    await sql`insert into scim_users (id, tenant, key_value, user_name, resource, profile, sources, status, config_hash, created_at, updated_at)
      select gen_random_uuid(), 't', 'k' || i, 'u' || i, jsonb_build_object('userName', 'u' || i), '{}', '{}', 'active', 'h', now(), now()
      from generate_series(1, 200) as i`.execute(database.db);
    await sql`analyze scim_users`.execute(database.db);
    const { rows } = await sql<{ attname: string }>`select attname from pg_stats where tablename = 'scim_users' order by attname`.execute(database.db);
    const gathered = rows.map((r) => r.attname);
    expect(gathered).toEqual(expect.arrayContaining(['id', 'tenant', 'user_name', 'status']));
    for (const column of ['resource', 'profile', 'sources']) expect(gathered).not.toContain(column);
  });

  it('checks at most every MIN_CHECK_ROWS written rows, even when a table that stopped changing is a few rows short of due', async () => {
    const pglite = new PGlite();
    const statistics: PGliteStatistics = new PGliteStatistics((text) => sql.raw(text).execute(db));
    const db: Kysely<unknown> = new Kysely<unknown>({ dialect: new PGliteDialect(pglite, statistics) });
    closers.push(async () => {
      await statistics.close();
      await db.destroy();
      await pglite.close();
    });
    await sql`create table few (id int)`.execute(db);
    await sql`create table many (id int)`.execute(db);
    // 45 changes: 5 short of the threshold, and `few` changes no more.
    await sql`insert into few select generate_series(1, 45)`.execute(db);
    await statistics.check(false);
    const before = statistics.checks;
    const writes = 100;
    for (let i = 0; i < writes; i++) await sql`insert into many values (${i})`.execute(db);
    // No check starts after this; a running one ends first.
    await statistics.close();
    expect(statistics.checks - before).toBeLessThanOrEqual(Math.ceil(writes / MIN_CHECK_ROWS));
    // `many` passed its threshold (50 rows) and was analysed; `few` never was.
    const { rows } = await sql<{ relname: string; analysed: boolean }>`select relname, last_analyze is not null as analysed from pg_stat_user_tables where relname in ('few', 'many') order by relname`.execute(db);
    expect(rows).toEqual([
      { relname: 'few', analysed: false },
      { relname: 'many', analysed: true },
    ]);
  });
});
