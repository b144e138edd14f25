// Bench helpers for PostgreSQL: a fresh database per run on BENCH_DATABASE_URL's cluster, and
// the cluster's own statement counters (pg_stat_statements) for the statements a run executed.

import { randomBytes } from 'node:crypto';

export interface BenchDatabase {
  readonly url: string;
  readonly name: string;
  /**
   * ANALYZE of the whole database: what autovacuum does within its naptime (1 min) on a
   * database in service. A bench's database lives for less than that, so without it PostgreSQL
   * plans (and keeps, for a prepared statement's generic plan) on tables it has no statistics of.
   */
  analyze(): Promise<void>;
  drop(): Promise<void>;
}

/** A new database on the cluster of `baseUrl`; `drop` removes it. */
export async function createDatabase(baseUrl: string, label: string): Promise<BenchDatabase> {
  const { default: pg } = await import('pg');
  const name = `scimplan_bench_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async analyze() {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query('analyze');
      } finally {
        await client.end();
      }
    },
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } catch {
        await client.query(`drop database if exists "${name}"`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Statements executed in one database, from pg_stat_statements (BEGIN and COMMIT included, as
 * each is a round trip). Read over a connection to the cluster's maintenance database, so the
 * reads are not counted. Undefined when the cluster does not load pg_stat_statements
 * (`shared_preload_libraries`; .ci/start-postgres.sh sets it).
 */
export interface StatementCounter {
  /** Statements executed in the database so far. */
  count(): Promise<number>;
  /**
   * Times the planner planned a statement of the database so far, or undefined when it is not
   * counted: `pg_stat_statements.track_planning`, which `statementCounter` turns on for the
   * database's new sessions when asked to and allowed (a superuser's setting).
   */
  plans(): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function statementCounter(baseUrl: string, database: string, options: { readonly planning?: boolean } = {}): Promise<StatementCounter | undefined> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query('create extension if not exists pg_stat_statements');
    await client.query('select 1 from pg_stat_statements limit 1');
  } catch {
    await client.end();
    return undefined;
  }
  // With `planning`, the database's sessions count their planning too (they must open after
  // this: a setting of the database). Off otherwise: tracking has a cost of its own under load.
  const planning = options.planning === true && await client.query(`alter database "${database.replace(/"/g, '""')}" set pg_stat_statements.track_planning = on`).then(
    () => true,
    () => false,
  );
  const sum = async (column: 'calls' | 'plans') => {
    const { rows } = await client.query<{ n: string }>(
      `select coalesce(sum(${column}), 0)::text as n from pg_stat_statements where dbid = (select oid from pg_database where datname = $1)`,
      [database],
    );
    return Number(rows[0]!.n);
  };
  return {
    count: () => sum('calls'),
    plans: async () => (planning ? sum('plans') : undefined),
    close: () => client.end(),
  };
}
