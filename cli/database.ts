// Shared by `plan`, `apply` and `approve`: the database options -> an open database (or the
// one the caller handed over), and the tenant file -> its compiled plan (or the diagnostics
// printed and undefined).

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import type { Plan } from '../engine/plan.ts';
import type { OpenDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/tables.ts';
import { printDiagnostics } from './lint.ts';
import type { Io } from './output.ts';

export interface DatabaseOptions {
  /** PostgreSQL URL (`--database`); defaults to `DATABASE_URL`. */
  readonly database?: string;
  /** PGlite data folder (`--data-dir`); default `./.scimplan`. */
  readonly dataDir?: string;
  /**
   * An open database to work on instead of opening the one the other options name (tests, or a
   * program that already holds one); the command leaves it open.
   */
  readonly db?: Kysely<Database>;
}

/**
 * Opens the database the server uses. A PGlite folder must already hold a database: these
 * commands work on stored users, and a mistyped folder must not silently create an empty one.
 */
export async function openCliDatabase(options: DatabaseOptions, env: NodeJS.ProcessEnv = process.env): Promise<OpenDatabase> {
  const { openDatabase } = await import('../server/db/database.ts');
  const databaseUrl = options.database ?? env['DATABASE_URL'];
  if (databaseUrl) return openDatabase({ databaseUrl });
  const dataDir = options.dataDir ?? './.scimplan';
  if (dataDir !== 'memory://' && !existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new Error(`no database in \`${dataDir}\` (give --data-dir of a server's data, or --database/DATABASE_URL)`);
  }
  return openDatabase({ dataDir });
}

/** Describes a database error without its detail, which can quote row values. */
export function describeDbError(error: unknown): string {
  const e = error as { message?: string; code?: string };
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) return `database error ${e.code}`;
  return e.message ?? String(error);
}

/** The compiled plan of a tenant file; prints the errors and returns undefined when it has any. */
export async function compileConfig(configPath: string, io: Io): Promise<Plan | undefined> {
  const text = await readFile(configPath, 'utf8').catch(() => undefined);
  if (text === undefined) {
    io.err(`error: cannot read \`${configPath}\`\n`);
    return undefined;
  }
  const compiled = compileTenantFile(configPath, text);
  if (!compiled.plan) {
    // Diagnostics go to stderr: stdout carries the command's own output (JSON for `plan --format json`).
    printDiagnostics(compiled.diagnostics.filter((d) => d.severity === 'error'), 1, new Map([[configPath, text]]), 'text', { ...io, out: io.err });
    return undefined;
  }
  return compiled.plan;
}

/**
 * Opens the database (or takes `options.db`), runs `work` and closes what it opened. An
 * unreachable database, or an error thrown by `work`, prints one line without row values and
 * gives exit code 1.
 */
export async function withCliDatabase(
  options: DatabaseOptions,
  io: Io,
  work: (db: Kysely<Database>) => Promise<number>,
  onError: (error: unknown) => string = (error) => `error: ${describeDbError(error)}`,
): Promise<number> {
  let opened: OpenDatabase | undefined;
  if (!options.db) {
    try {
      opened = await openCliDatabase(options);
    } catch (error) {
      io.err(`error: cannot open the database: ${describeDbError(error)}\n`);
      return 1;
    }
  }
  try {
    return await work(options.db ?? opened!.db);
  } catch (error) {
    io.err(`${onError(error)}\n`);
    return 1;
  } finally {
    await opened?.close();
  }
}
