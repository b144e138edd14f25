// Storage: opens the database (PostgreSQL through pg when a URL is given, else embedded
// PGlite) and brings its schema to the latest migration.

import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from './tables.ts';
import { lockFolder } from './folder-lock.ts';
import { migrateToLatest } from './migrate.ts';
import { PGliteStatistics } from './pglite-statistics.ts';
import { preparedName } from './prepared-name.ts';

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
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: POOL_SIZE,
      // While the database is down every pooled connection fails at once and requests queue for
      // a new one: each waits at most this long, then answers 503 (instead of hanging).
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A connection whose peer vanished without a FIN (a dropped network, a killed host) is
      // noticed by TCP keepalive instead of hanging until the kernel gives up.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A database that accepts connections but answers nothing (a frozen host) must not hold a
      // request forever: the query fails (503) after this long, client-side.
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // Without a listener, pg's 'error' event of an idle client ends the process.
    pool.on('error', (error) => options.onConnectionError?.(error));
    // A connection in use (between the statements of a transaction) emits its 'error' on the
    // client, where the pool listens only while it is idle: without this listener too, a
    // `pg_ctl stop -m fast` under load ends the process. The request using it fails (503, logged
    // as `database not reachable`) and the pool drops the connection when it is released.
    pool.on('connect', (client) => {
      client.on('error', ignoreInUseError);
      prepareNamed(client, pg.Query);
    });
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
  // PGlite has no autovacuum, so no statistics unless we gather them: without them the planner
  // can pick a tenant-wide index scan over a primary-key lookup as tables grow. They follow the
  // data (server/db/pglite-statistics.ts); statements go through the dialect's queue.
  const statistics = new PGliteStatistics((text) => sql.raw(text).execute(db));
  const db: Kysely<Database> = new Kysely<Database>({ dialect: new PGliteDialect(pglite, statistics) });
  EMBEDDED.add(db);
  const opened = await finish(db, 'pglite', async () => {
    await pglite.close();
    lock?.release();
  }, () => statistics.close());
  await statistics.check(true);
  return opened;
}

/** Kysely instances over PGlite: one session, whose statements run without yielding to the event loop. */
const EMBEDDED = new WeakSet<object>();

/** Whether `db` is a PGlite database opened by `openDatabase` (not a transaction or plugin copy of it). */
export const isEmbedded = (db: object): boolean => EMBEDDED.has(db);

/**
 * The hot-path statements (db/user-write.ts, db/member-write.ts, db/users.ts) open with
 * `/* prepared:NAME *\/`: on PostgreSQL each connection prepares them once, by that name, and
 * then only binds and executes them (no parse and plan per request); on PGlite the one session
 * does the same (pglite-prepared.ts).
 */
function prepareNamed(client: import('pg').PoolClient, Query: typeof import('pg').Query): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' ? preparedName(text) : undefined;
    if (name === undefined) return query(text, values, callback);
    if (callback !== undefined) return query({ name, text, values }, callback);
    // A query made from the text alone, then named: pg copies a config object's every property
    // descriptor per statement (utils.cloneQueryConfig), which cost more than binding it.
    const named = new Query(text as string) as unknown as { name: string; values: unknown; callback: (error: Error | null, result: unknown) => void };
    named.name = name;
    named.values = values;
    return new Promise((resolve, reject) => {
      named.callback = (error, result) => (error ? reject(error) : resolve(result));
      query(named);
    });
  }) as typeof client.query;
}

/** Reported by the request whose query fails on that connection; the idle case by `onConnectionError`. */
function ignoreInUseError(): void {}

/** PostgreSQL connections per process. */
const POOL_SIZE = 10;
/** Longest wait for a pooled connection (a free one or a new one), in ms. */
const CONNECT_TIMEOUT_MS = 5_000;
const QUERY_TIMEOUT_MS = 60_000;

async function finish(db: Kysely<Database>, kind: 'postgres' | 'pglite', after?: () => Promise<void>, before?: () => Promise<void>): Promise<OpenDatabase> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await before?.();
    await db.destroy();
    await after?.();
    throw error;
  }
  return {
    db,
    kind,
    async close() {
      await before?.();
      await db.destroy();
      await after?.();
    },
  };
}
