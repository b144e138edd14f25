// Storage: the source of each stored attribute (engine/attribute-sources.ts, docs/sso.md "Which
// source wins"): per attribute path, `{ source, at }` of the write that gave it its value.
// Null for rows written before: their attributes have an unknown source.

import { sql, type Kysely, type Migration } from 'kysely';

export const attributeSources: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table scim_users add column sources jsonb').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table scim_users drop column sources').execute(db);
  },
};
