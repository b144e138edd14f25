// Storage: a key that ignores case (userName) is found ignoring case, also in rows written
// before keys were stored folded to lower case (engine/key-value.ts).

import { sql, type Kysely, type Migration } from 'kysely';

export const keyCase: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('create index scim_users_key_lower on scim_users (tenant, lower(key_value))').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop index scim_users_key_lower').execute(db);
  },
};
