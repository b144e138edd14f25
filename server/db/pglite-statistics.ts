// Storage: planner statistics on PGlite, which has no autovacuum. Gathered when a table has
// changed by autovacuum's analyze threshold since its last ANALYZE (50 rows + 10% of the table,
// from pg_stat_user_tables, or the table's own `autovacuum_analyze_threshold` and
// `autovacuum_analyze_scale_factor` as PostgreSQL's autovacuum reads them), never on a clock, so
// a server that starts empty has statistics after its first few dozen written rows and a
// growing table keeps them current.

/** Runs one SQL statement through the database's queue (never inside another's transaction). */
export type StatementRunner = (text: string) => Promise<{ rows: readonly unknown[] }>;

/** autovacuum_analyze_threshold: rows changed before any table is analysed. */
export const ANALYZE_BASE_ROWS = 50;
/** autovacuum_analyze_scale_factor: the fraction of a table that must change on top of the base. */
export const ANALYZE_SCALE = 0.1;
/**
 * Fewest rows written between two checks. A table a few changes short of its threshold that then
 * stops changing (a handful of groups) would otherwise have a check (two statements, several ms
 * on PGlite) follow every few writes to other tables: under load on PGlite, 260 checks in 4,000
 * requests. A due table waits at most this many more written rows.
 */
export const MIN_CHECK_ROWS = 25;

interface TableState {
  readonly name: string;
  /** Rows inserted, updated or deleted since the table's last ANALYZE. */
  readonly changed: number;
  /** Rows at the last ANALYZE (`pg_class.reltuples`); -1 never analysed. */
  readonly rows: number;
  /** Bytes on disk, to tell a never-analysed table that holds data from an empty one. */
  readonly bytes: number;
  /** The table's storage parameters (`pg_class.reloptions`, `name=value`); null: none. */
  readonly options?: readonly string[] | null;
}

/** A numeric storage parameter of the table, or `fallback`. */
function option(t: TableState, name: string, fallback: number): number {
  const value = Number(t.options?.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1));
  return Number.isFinite(value) ? value : fallback;
}

const thresholdOf = (t: TableState): number =>
  option(t, 'autovacuum_analyze_threshold', ANALYZE_BASE_ROWS) + option(t, 'autovacuum_analyze_scale_factor', ANALYZE_SCALE) * Math.max(t.rows, 0);

/** Tables of the autovacuum rule; with `atStart`, also tables never analysed that hold data (stats lost to a crash). */
export function dueTables(tables: readonly TableState[], atStart: boolean): string[] {
  return tables.filter((t) => t.changed > thresholdOf(t) || (atStart && t.rows < 0 && t.bytes > 0)).map((t) => t.name);
}

/**
 * One per PGlite database (server/db/pglite-dialect.ts tells it what was written). Counts rows
 * written through the database; once they reach the smallest remaining threshold of a changed
 * table, it looks at the per-table counters after the connection is released and analyses the
 * tables that are due. Its own statements queue like any other, so a check never runs inside a
 * request's transaction and never runs twice at once.
 */
export class PGliteStatistics {
  readonly #run: StatementRunner;
  /** Rows written since the last check. */
  #written = 0;
  /** Rows to write before the next check: the smallest remaining threshold of a changed table. */
  #gate = ANALYZE_BASE_ROWS;
  #checking: Promise<void> | undefined;
  #closed = false;
  /** Tables analysed by this instance (for tests and logs: names only). */
  analysed = 0;
  /** Checks of the per-table counters run by this instance (for tests). */
  checks = 0;

  constructor(run: StatementRunner) {
    this.#run = run;
  }

  /** Told after each write statement, with the rows it touched. */
  rowsWritten(rows: number): void {
    this.#written += rows;
  }

  /** Told when a connection is released: checks when enough rows have been written since the last check. */
  released(): void {
    if (this.#closed || this.#checking || this.#written < this.#gate) return;
    void this.check(false);
  }

  /** Analyses the tables that are due (with `atStart`, also never-analysed tables holding data); resolves when done. */
  check(atStart: boolean): Promise<void> {
    this.#written = 0;
    const prior = this.#checking ?? Promise.resolve();
    const run: Promise<void> = prior
      .then(() => this.#check(atStart))
      .catch(() => undefined) // a closed or failing database: statistics wait for the next check
      .finally(() => {
        if (this.#checking === run) this.#checking = undefined;
      });
    this.#checking = run;
    return run;
  }

  async #check(atStart: boolean): Promise<void> {
    this.checks++;
    // Counters reach pg_stat_user_tables at most once a second unless a flush is forced.
    await this.#run('select pg_stat_force_next_flush()');
    const before = await this.#tables();
    const due = dueTables(before, atStart);
    if (due.length > 0 && !this.#closed) {
      await this.#run(`analyze ${due.map((name) => `"${name.replaceAll('"', '""')}"`).join(', ')}`);
      this.analysed += due.length;
    }
    const after = due.length > 0 ? await this.#tables() : before;
    const remaining = after.filter((t) => t.changed > 0 || due.includes(t.name)).map((t) => thresholdOf(t) - t.changed);
    // The next check comes when the table closest to its threshold could have reached it.
    this.#gate = remaining.length > 0 ? Math.max(MIN_CHECK_ROWS, Math.ceil(Math.min(...remaining))) : ANALYZE_BASE_ROWS;
  }

  async #tables(): Promise<TableState[]> {
    const { rows } = await this.#run(`select s.relname as name, s.n_mod_since_analyze::float8 as changed,
      c.reltuples::float8 as rows, pg_relation_size(s.relid)::float8 as bytes, c.reloptions as options
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid`);
    return rows as TableState[];
  }

  /** No check starts after this; resolves when a running one has ended. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#checking;
  }
}
