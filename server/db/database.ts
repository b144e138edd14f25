// Storage: opens the database (PostgreSQL through pg when a URL is given, else embedded
// PGlite) and brings its schema to the latest migration.

import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from './tables.ts';
import { lockFolder } from './folder-lock.ts';
import { migrateToLatest } from './migrate.ts';

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; wins over `dataDir`. */
  readonly databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps everything in memory. Default `./.scimplan`. */
  readonly dataDir?: string;
  /**
   * Told when an idle pooled PostgreSQL connection fails (the server restarts, an administrator
   * terminates it, the network drops it). The pool has already dropped that connection and opens
   * a new one for the next query; the process never ends for it. Never given attribute values.
   */
  readonly onConnectionError?: (error: Error) => void;
}

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // Without a listener, pg's 'error' event of an idle client ends the process.
    pool.on('error', (error) => options.onConnectionError?.(error));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return finish(db, 'postgres');
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('./pglite-dialect.ts');
  const dataDir = options.dataDir ?? './.scimplan';
  // PGlite is one process's database: a second writer on the folder would be lost (issue 10).
  const lock = dataDir === 'memory://' ? undefined : lockFolder(dataDir);
  let pglite;
  try {
    pglite = dataDir === 'memory://' ? new PGlite() : new PGlite(dataDir);
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  // PGlite has no autovacuum, so no statistics unless we gather them: without them the planner
  // can pick a tenant-wide index scan over a primary-key lookup as tables grow.
  const analyze = () => sql`analyze`.execute(db).catch(() => undefined);
  const timer = setInterval(() => void analyze(), ANALYZE_EVERY_MS);
  timer.unref();
  const opened = await finish(db, 'pglite', async () => {
    clearInterval(timer);
    await pglite.close();
    lock?.release();
  });
  await analyze();
  return opened;
}

const ANALYZE_EVERY_MS = 10 * 60 * 1000;

async function finish(db: Kysely<Database>, kind: 'postgres' | 'pglite', after?: () => Promise<void>): Promise<OpenDatabase> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    await after?.();
    throw error;
  }
  return {
    db,
    kind,
    async close() {
      await db.destroy();
      await after?.();
    },
  };
}
