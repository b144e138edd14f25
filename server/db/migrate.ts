// Storage: runs the in-code migrations with kysely's Migrator; the same list on PostgreSQL
// and PGlite, at start-up.

import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { initial } from './migrations/0001-initial.ts';
import { safetyIndexes } from './migrations/0002-safety.ts';
import { groupAdoption } from './migrations/0003-groups.ts';
import { webhookCursor } from './migrations/0004-webhooks.ts';
import { tenantFiles } from './migrations/0005-tenant-files.ts';
import { keyCase } from './migrations/0008-key-case.ts';
import { eventReasons } from './migrations/0009-event-reasons.ts';
import { eventHorizon } from './migrations/0010-event-horizon.ts';
import { listOrder } from './migrations/0011-list-order.ts';
import { feedJobs } from './migrations/0012-feeds.ts';
import { logins } from './migrations/0013-logins.ts';
import { attributeSources } from './migrations/0014-attribute-sources.ts';
import { feedCheckpoints } from './migrations/0015-feed-checkpoints.ts';
import { eventStatistics } from './migrations/0016-event-statistics.ts';
import { jsonStatistics } from './migrations/0017-json-statistics.ts';

/** Migrations by name; names sort in the order they must run. Never edit a shipped one. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-safety': safetyIndexes,
  '0003-groups': groupAdoption,
  '0004-webhooks': webhookCursor,
  '0005-tenant-files': tenantFiles,
  '0008-key-case': keyCase,
  '0009-event-reasons': eventReasons,
  '0010-event-horizon': eventHorizon,
  '0011-list-order': listOrder,
  '0012-feeds': feedJobs,
  '0013-logins': logins,
  '0014-attribute-sources': attributeSources,
  '0015-feed-checkpoints': feedCheckpoints,
  '0016-event-statistics': eventStatistics,
  '0017-json-statistics': jsonStatistics,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return { ...migrations };
  },
};

/** Brings the schema to the latest migration; throws the first migration error. */
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
