// Test helpers of the CLI suite: captured output, and a copy of the example data (the acme
// tenant file and two dozen users) under a tenant of its own in the test worker's database,
// handed to the commands open; or, for the end-to-end path, in a PGlite data folder (or
// PostgreSQL at TEST_DATABASE_URL) that the commands open from their flags.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { main } from '../../cli/main.ts';
import type { Io } from '../../cli/output.ts';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Plan } from '../../engine/plan.ts';
import { openDatabase, type OpenDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/tables.ts';
import { createUser } from '../../server/provision.ts';
import { ENTERPRISE, openTestDatabase, USER_SCHEMA, uniqueTenant } from '../server/helpers.ts';

export const ACME_URN = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs the CLI in this process with captured output. `database`: handed to `plan`, `apply` and
 * `approve` open, instead of the one their flags name.
 */
export async function run(argv: readonly string[], database?: Kysely<Database>): Promise<Run> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', color: false };
  const code = await main(argv, io, database);
  return { code, out, err };
}

/** A copy of the example data: its folder, tenant, the acme file text and the CLI's database flags. */
export interface ExampleData {
  readonly dir: string;
  readonly tenant: string;
  /** examples/valid/acme-entra.yaml with this copy's tenant id. */
  readonly yaml: string;
  /** The CLI's database flags: none when the database is handed over open (see `run`). */
  readonly dbArgs: readonly string[];
  /** Runs the CLI on this copy's database: handed over open, or named by `dbArgs`. */
  run(argv: readonly string[]): Promise<Run>;
  /** Writes a variant of the tenant file into the folder; returns its path. */
  write(name: string, yaml: string): Promise<string>;
  /** This copy's database; close it after use (closing the worker's shared one does nothing). */
  open(): Promise<OpenDatabase>;
  remove(): Promise<void>;
}

/** The example users: 10 sales, 5 engineers, 3 directors, 4 temps with an end date, 2 disabled. */
export function exampleUsers(): Record<string, unknown>[] {
  const users: Record<string, unknown>[] = [];
  const add = (n: number, department: string, title: string, extra: Record<string, unknown> = {}) => {
    for (let i = 0; i < n; i++) {
      const k = users.length + 1;
      users.push({
        schemas: [USER_SCHEMA, ENTERPRISE, ACME_URN],
        externalId: `ext-${k}`,
        userName: `user${k}@acme.example`,
        active: true,
        title,
        name: { givenName: `Given${k}`, familyName: `Family${k}` },
        emails: [{ type: 'work', value: `user${k}@acme.example`, primary: true }],
        [ENTERPRISE]: { department, employeeNumber: String(1000 + k) },
        ...extra,
      });
    }
  };
  add(10, 'Sales', 'Account Manager');
  add(5, 'Engineering', 'Engineer');
  add(3, 'Board', 'Director');
  add(4, 'Temp', 'Contractor', { [ACME_URN]: { employmentEndDate: '2026-06-30T22:00:00Z' } });
  add(2, 'Sales', 'Account Manager', { active: false });
  return users;
}

export const SEEDED_AT = new Date('2026-05-01T09:00:00Z');

/**
 * Seeds a copy of the example data. By default into the test worker's database, which the
 * commands get handed open; with `inFolder`, into a PGlite data folder of its own (or a pool of
 * its own on TEST_DATABASE_URL) that the commands open from `dbArgs`, as on the command line.
 */
export async function exampleData(options: { readonly inFolder?: boolean } = {}): Promise<ExampleData> {
  const dir = await mkdtemp(join(tmpdir(), 'scimplan-cli-'));
  const tenant = uniqueTenant('acme');
  const yaml = (await readFile('examples/valid/acme-entra.yaml', 'utf8')).replace(/^tenant: acme$/m, `tenant: ${tenant}`);
  const url = process.env['TEST_DATABASE_URL'];
  const dataDir = join(dir, 'data');
  const open = options.inFolder ? () => openDatabase(url ? { databaseUrl: url } : { dataDir }) : openTestDatabase;
  const db = await open();
  try {
    const plan = planOf(yaml);
    for (const user of exampleUsers()) await createUser({ db: db.db, plan, requestId: 'seed', now: SEEDED_AT }, user);
  } finally {
    await db.close();
  }
  const handed = options.inFolder ? undefined : db.db;
  return {
    dir,
    tenant,
    yaml,
    dbArgs: !options.inFolder ? [] : url ? ['--database', url] : ['--data-dir', dataDir],
    run: (argv) => run(argv, handed),
    async write(name, text) {
      const file = join(dir, name);
      await writeFile(file, text);
      return file;
    },
    open,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export function planOf(yaml: string, file = 'inline.yaml'): Plan {
  const { plan, diagnostics } = compileTenantFile(file, yaml);
  if (!plan) throw new Error(`does not compile: ${diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return plan;
}

/** Replaces exactly one occurrence of `from` (the test fails loudly if the example changed). */
export function edit(yaml: string, from: string, to: string): string {
  if (yaml.split(from).length !== 2) throw new Error(`\`${from}\` does not occur exactly once in the example`);
  return yaml.replace(from, to);
}
