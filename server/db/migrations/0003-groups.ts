// Storage: group adoption and lookups. `claimed_at` records when the SCIM client took a group
// as its own (created it, or adopted one a rule created); `externalId` filters use an index.

import { sql, type Kysely, type Migration } from 'kysely';

const statements = [
  `alter table scim_groups add column claimed_at timestamptz`,
  `update scim_groups set claimed_at = created_at where created_by = 'client'`,
  `create index scim_groups_external_id on scim_groups (tenant, external_id)`,
];

export const groupAdoption: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop index scim_groups_external_id').execute(db);
    await sql.raw('alter table scim_groups drop column claimed_at').execute(db);
  },
};
