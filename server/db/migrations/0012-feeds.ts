// Storage: the jobs of feed imports posted over HTTP (POST /api/v1/tenants/{tenant}/feeds/{feed}):
// one row per import, its state and, once done, the result per record (row numbers, outcomes
// and reasons; never cell values).

import { sql, type Kysely, type Migration } from 'kysely';

export const feedJobs: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw(`create table feed_jobs (
      id text primary key,
      tenant text not null,
      feed text not null,
      status text not null check (status in ('running', 'done', 'held', 'failed')),
      result jsonb,
      created_at timestamptz not null,
      finished_at timestamptz
    )`).execute(db);
    await sql.raw('create index feed_jobs_tenant on feed_jobs (tenant, feed, created_at)').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop table feed_jobs').execute(db);
  },
};
