// Storage: indexes of the safety limit: recent deactivations of a tenant (the window count)
// and held accounts (approval, the held-deactivations metric). Both partial, so they stay small.

import { sql, type Kysely, type Migration } from 'kysely';

const statements = [
  `create index events_deactivations on events (tenant, created_at) where type = 'user.deactivated'`,
  `create index scim_users_pending on scim_users (tenant) where status = 'pending'`,
];

export const safetyIndexes: Migration = {
  async up(db: Kysely<any>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<any>) {
    await sql.raw('drop index scim_users_pending').execute(db);
    await sql.raw('drop index events_deactivations').execute(db);
  },
};
