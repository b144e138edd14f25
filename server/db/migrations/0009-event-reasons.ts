// Storage: events of a status change carry its reason (the clause of `deactivate.when` that held,
// `onDelete: deactivate`, a safety-limit hold): tenant-file text, never a user's value.

import { sql, type Kysely, type Migration } from 'kysely';

export const eventReasons: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table events add column reason text').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table events drop column reason').execute(db);
  },
};
