// Storage: which config file serves each tenant id, so that a restart keeps it with that file
// when a second file claims the same id (engine/claims.ts).

import { sql, type Kysely, type Migration } from 'kysely';

export const tenantFiles: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw(`create table tenant_files (
      tenant     text primary key,
      file       text not null,
      hash       text not null,
      updated_at timestamptz not null
    )`).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop table tenant_files').execute(db);
  },
};
