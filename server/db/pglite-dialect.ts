// Storage: a kysely Dialect over embedded PGlite, reusing kysely's PostgreSQL adapter,
// query compiler and introspector; only the driver is ours.

import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  createQueryId,
  sql,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { preparedStatementsOf } from './pglite-prepared.ts';
import { preparedName } from './prepared-name.ts';
import type { PGliteStatistics } from './pglite-statistics.ts';

/**
 * PGlite has one session. Invariant: at most one kysely connection is out at a time, so a
 * transaction never interleaves with another request's statements; waiters queue in order.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite;
  readonly #statistics: PGliteStatistics | undefined;
  /** `statistics` is told of every write and release, to gather statistics as the data changes. */
  constructor(pglite: PGlite, statistics?: PGliteStatistics) {
    this.#pglite = pglite;
    this.#statistics = statistics;
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.#statistics);
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

/** A `with ...` statement holding an insert, update or delete. */
const WRITING_CTE = /^\s*(?:\/\*[^*]*\*\/\s*)?with\b[\s\S]*\b(?:insert\s+into|update\s+\w+(?:\s+\w+)?\s+set|delete\s+from)\b/i;

class PGliteConnection implements DatabaseConnection {
  constructor(
    private readonly pglite: PGlite,
    private readonly statistics: PGliteStatistics | undefined,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const name = preparedName(query.sql);
    const result =
      name === undefined ? await this.pglite.query<R>(query.sql, [...query.parameters]) : await preparedStatementsOf(this.pglite).run<R>(name, query.sql, query.parameters);
    const affected = result.affectedRows;
    // PGlite reports the command tag like pg does; kysely only counts rows of writes.
    const command = (result as { command?: string }).command;
    const isWrite = command !== undefined && ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(command);
    if (isWrite && affected) this.statistics?.rowsWritten(affected);
    // A statement of data-modifying CTEs (server/db/user-write.ts) reports SELECT: counted as
    // one row written, a lower bound; the check itself reads the real per-table counters.
    else if (command === 'SELECT' && WRITING_CTE.test(query.sql)) this.statistics?.rowsWritten(1);
    return isWrite && affected !== undefined
      ? { rows: result.rows, numAffectedRows: BigInt(affected) }
      : { rows: result.rows };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite');
  }
}

class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  readonly #statistics: PGliteStatistics | undefined;

  constructor(pglite: PGlite, statistics: PGliteStatistics | undefined) {
    this.#connection = new PGliteConnection(pglite, statistics);
    this.#statistics = statistics;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const parts = ['begin'];
    if (settings.isolationLevel) parts.push(`isolation level ${settings.isolationLevel}`);
    if (settings.accessMode) parts.push(settings.accessMode);
    await connection.executeQuery(CompiledQuery.raw(parts.join(' ')));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(sql`savepoint ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(sql`rollback to ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(sql`release ${sql.id(name)}`.toOperationNode(), createQueryId()));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
    this.#statistics?.released();
  }

  async destroy(): Promise<void> {
    await this.#tail;
  }
}
