// Storage: `events` is an append-only log whose statements read it by index (the feed by
// (tenant, txid, id), the safety window by its partial index); the planner needs its size, which
// PostgreSQL extrapolates from the page count between two ANALYZEs, not fresh value statistics.
// Analysed when it has doubled rather than grown by a tenth, by autovacuum on PostgreSQL and by
// the statistics keeper on PGlite (server/db/pglite-statistics.ts). On PGlite an ANALYZE of
// 40,000 events took 220 ms: at each tenth of growth, that is about 50 us per event written.

import { sql, type Kysely, type Migration } from 'kysely';

export const eventStatistics: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table events set (autovacuum_analyze_scale_factor = 1.0)').execute(db);
  },
  async down(db: Kysely<any>): Promise<void> {
    await sql.raw('alter table events reset (autovacuum_analyze_scale_factor)').execute(db);
  },
};
