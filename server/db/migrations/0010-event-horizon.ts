// Storage: each event records the id of the transaction that wrote it (`txid`, defaulted in
// SQL), so readers can order events by transaction and stop at the oldest transaction still
// running, instead of writers taking a per-tenant lock to keep ids in commit order.

import { sql, type Kysely, type Migration } from 'kysely';

const statements = [
  // Events written before this migration held the per-tenant lock: their ids are in commit
  // order already, and txid 0 puts them first, in id order. A constant default adds the column
  // without rewriting the table; the real default follows.
  `alter table events add column txid xid8 not null default '0'`,
  `alter table events alter column txid set default pg_current_xact_id()`,
  `create index events_feed on events (tenant, txid, id)`,
  `drop index events_tenant`,
];

export const eventHorizon: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('create index events_tenant on events (tenant, id)').execute(db);
    await sql.raw('drop index events_feed').execute(db);
    await sql.raw('alter table events drop column txid').execute(db);
  },
};
