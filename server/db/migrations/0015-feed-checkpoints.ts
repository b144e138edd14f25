// Storage: resumable feed imports. A job keeps the hash of its file and a checkpoint (how many
// of its decided records are written, and the thresholds it was approved past); the result of
// each written batch is stored with it, so an interrupted import continues where it stopped and
// reports as one uninterrupted import would. `interrupted`: a job that was running when its
// server stopped.

import { sql, type Kysely, type Migration } from 'kysely';

export const feedCheckpoints: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table feed_jobs add column file_hash text').execute(db);
    await sql.raw('alter table feed_jobs add column checkpoint jsonb').execute(db);
    await sql.raw('alter table feed_jobs drop constraint feed_jobs_status_check').execute(db);
    await sql.raw("alter table feed_jobs add constraint feed_jobs_status_check check (status in ('running', 'done', 'held', 'failed', 'interrupted'))").execute(db);
    await sql.raw('create index feed_jobs_file on feed_jobs (tenant, feed, file_hash)').execute(db);
    await sql.raw(`create table feed_job_batches (
      job_id text not null references feed_jobs (id) on delete cascade,
      batch integer not null,
      records jsonb not null,
      primary key (job_id, batch)
    )`).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop table feed_job_batches').execute(db);
    await sql.raw('drop index feed_jobs_file').execute(db);
    await sql.raw("update feed_jobs set status = 'failed' where status = 'interrupted'").execute(db);
    await sql.raw('alter table feed_jobs drop constraint feed_jobs_status_check').execute(db);
    await sql.raw("alter table feed_jobs add constraint feed_jobs_status_check check (status in ('running', 'done', 'held', 'failed'))").execute(db);
    await sql.raw('alter table feed_jobs drop column checkpoint').execute(db);
    await sql.raw('alter table feed_jobs drop column file_hash').execute(db);
  },
};
