// Storage: no value statistics for the jsonb columns. No statement compares a whole document:
// filters read attributes out of them by expressions (db/filter/condition.ts, keys bound as
// parameters), which the planner estimates without column statistics. Yet ANALYZE sorted each
// sampled document to build them: on PGlite an ANALYZE of 10,000 users took 325 ms with them and
// 42 ms without, and the statistics keeper (server/db/pglite-statistics.ts) runs one each time a
// tenth of the users changed (a PATCH of every user in a day). On PostgreSQL autovacuum's
// ANALYZE saves the same work. The other columns keep theirs.

import { sql, type Kysely, type Migration } from 'kysely';

const JSON_COLUMNS = [
  ['scim_users', 'resource'],
  ['scim_users', 'profile'],
  ['scim_users', 'sources'],
  ['events', 'fields'],
  ['feed_jobs', 'result'],
  ['feed_jobs', 'checkpoint'],
  ['feed_job_batches', 'records'],
] as const;

export const jsonStatistics: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const [table, column] of JSON_COLUMNS) await sql.raw(`alter table ${table} alter column ${column} set statistics 0`).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const [table, column] of JSON_COLUMNS) await sql.raw(`alter table ${table} alter column ${column} set statistics -1`).execute(db);
  },
};
