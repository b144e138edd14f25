// Storage: the webhook delivery cursor, one row per tenant: the last event id the receiver
// acknowledged, and a lease so that one server instance at a time delivers a tenant's events.

import { sql, type Kysely, type Migration } from 'kysely';

const statements = [
  `create table webhook_cursor (
    tenant       text primary key,
    last_id      bigint not null default 0,
    locked_by    text,
    locked_until timestamptz,
    updated_at   timestamptz not null
  )`,
];

export const webhookCursor: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('drop table webhook_cursor').execute(db);
  },
};
