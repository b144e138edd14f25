// Storage: an idle pooled PostgreSQL connection that the server terminates (as
// `pg_ctl stop -m fast` or an administrator does) is reported and replaced; the process stays up.
// Runs on PostgreSQL only (TEST_DATABASE_URL); PGlite has no connections to lose.

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../server/db/database.ts';

const url = process.env['TEST_DATABASE_URL'];
const app = `scimplan-conn-${Math.random().toString(36).slice(2, 10)}`;

describe.skipIf(!url)('idle connection errors on PostgreSQL', () => {
  let victim: OpenDatabase;
  let admin: OpenDatabase;
  const errors: Error[] = [];

  beforeAll(async () => {
    const base = new URL(url!);
    base.searchParams.set('application_name', app);
    victim = await openDatabase({ databaseUrl: base.toString(), onConnectionError: (e) => errors.push(e) });
    admin = await openDatabase({ databaseUrl: url! });
  });
  afterAll(async () => {
    await victim?.close();
    await admin?.close();
  });

  it('reports the terminated connection, and the next query gets a new one', async () => {
    // Two connections in use at once, then idle in the pool.
    await Promise.all([sql`select pg_sleep(0.05)`.execute(victim.db), sql`select pg_sleep(0.05)`.execute(victim.db)]);
    const terminated = await sql<{ n: string | number }>`
      select count(*) as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${app}) t`.execute(admin.db);
    const n = Number(terminated.rows[0]!.n);
    expect(n).toBeGreaterThanOrEqual(1);
    // Each idle connection reports its own termination once its socket reads it.
    for (let i = 0; i < 250 && errors.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors.length).toBe(n);
    expect(errors[0]!.message).toMatch(/terminat/i);
    const after = await sql<{ one: number }>`select 1 as one`.execute(victim.db);
    expect(after.rows[0]!.one).toBe(1);
  });
});
