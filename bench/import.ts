// Feeds: `scimplan import`'s path (stream csv -> rows -> collapse -> plan -> createUser, with its
// job and checkpoints) at 10,000 and 100,000 rows, each against a bare single-row SQL INSERT of
// the same users in the same run, with the peak RSS and heap during each import, each size in a
// child process of its own.
// BENCH_IMPORT_ROWS overrides the larger row count; `--short` is 10,000 only;
// BENCH_DATABASE_URL runs it on PostgreSQL (PGlite in memory otherwise).

import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { sql, type Kysely } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { openDatabase } from '../server/db/database.ts';
import { runFeedImport } from '../server/feed-import.ts';
import { openFeedJob } from '../server/feed-jobs.ts';
import type { Database } from '../server/db/tables.ts';
import type { FeedPlan } from '../engine/feed-plan.ts';
import { rowToUser } from '../engine/feed-row.ts';
import type { Plan } from '../engine/plan.ts';
import { report } from './measure.ts';

const tenantFile = (tenant: string) => `tenant: ${tenant}
tokens:
  - env: BENCH_TOKEN
key: externalId
profile:
  email: userName
  lastName: name.familyName
  department: enterprise.department
groups:
  - group: Zorg
    when: department eq "Zorg"
feeds:
  - name: hr
    format: { type: csv, delimiter: ";" }
    columns: [nr, voornaam, achternaam, email, afdeling, einde]
    mapping:
      externalId: nr
      userName: lower(email)
      name.givenName: voornaam
      name.familyName: achternaam
      enterprise.department: afdeling
    collapse:
      by: parseDate(einde, "dd-MM-yyyy")
`;

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('\uFEFFnr;voornaam;achternaam;email;afdeling;einde\n');
  for (let i = 0; i < rows; i++) {
    const line = `${100000 + i};Voornaam${i};Achternaam${i};user${i}@example.com;${i % 3 === 0 ? 'Zorg' : 'ICT'};31-12-2030\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Peak RSS and heap while `run` runs, sampled every 20 ms (and at its end), and the peak live
 * heap: the heap right after a full collection, forced every 500 ms (under `--expose-gc`), which
 * is what the import holds rather than garbage not collected yet.
 */
async function peakMemory<T>(run: () => Promise<T>): Promise<{ value: T; rss: number; heap: number; live: number }> {
  let rss = 0;
  let heap = 0;
  let live = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const collect = () => {
    if (!globalThis.gc) return;
    globalThis.gc();
    live = Math.max(live, process.memoryUsage().heapUsed);
  };
  sample();
  const timer = setInterval(sample, 20);
  const collector = setInterval(collect, 500);
  try {
    const value = await run();
    sample();
    return { value, rss, heap, live };
  } finally {
    clearInterval(timer);
    clearInterval(collector);
  }
}

/** What the import reads: the file. */
const sourceOf = (file: string) => ({ open: () => createReadStream(file) });

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** The users of the bench file, read apart from the import (every row is its own key). */
async function usersOf(plan: Plan, feed: FeedPlan, file: string, now: Date): Promise<{ key: string; user: unknown }[]> {
  const users: { key: string; user: unknown }[] = [];
  for await (const record of createReadStream(file).pipe(parse({ bom: true, delimiter: ';', columns: true }))) {
    const r = rowToUser(plan, feed, record as Record<string, string>, now);
    if (r.ok) users.push({ key: r.key, user: r.user });
  }
  return users;
}

/** Bare single-row INSERTs of the bench file's users (no plan, no events, no groups): users per second. */
async function bareInserts(db: Kysely<Database>, plan: Plan, feed: FeedPlan, file: string, now: Date): Promise<number> {
  const users = await usersOf(plan, feed, file, now);
  await sql`create table if not exists bench_import_bare (key text primary key, resource jsonb not null)`.execute(db);
  await sql`truncate bench_import_bare`.execute(db);
  const start = process.hrtime.bigint();
  for (const u of users) await sql`insert into bench_import_bare (key, resource) values (${u.key}, ${JSON.stringify(u.user)})`.execute(db);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await sql`drop table bench_import_bare`.execute(db);
  return (users.length / ms) * 1000;
}

/**
 * One size, in this process (bench/import-one.ts runs it in a child of its own, so that one
 * size's heap does not inflate the next one's figure): the bare inserts, then the import with
 * its memory sampled every 20 ms. The baseline's users are garbage (and collected, under
 * `--expose-gc`) before the import starts.
 */
export async function benchImportOnce(n: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'scimplan-bench-import-'));
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  try {
    const now = new Date('2026-05-01T00:00:00Z');
    const tenant = `bench-import-${process.pid}-${n}`;
    const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantFile(tenant));
    if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
    const feed = plan.feeds[0]!;
    const file = join(dir, `rows-${n}.csv`);
    await writeCsv(file, n);
    const bare = await bareInserts(database.db, plan, feed, file, now);

    // `scimplan import`'s path: stream, rows, collapse, plan, write, with its job and checkpoints.
    globalThis.gc?.();
    const before = process.memoryUsage();
    const start = process.hrtime.bigint();
    const { value: run, rss, heap, live } = await peakMemory(async () => {
      const job = await openFeedJob(database.db, { tenant, feed: feed.name, hash: `bench-${tenant}`, origin: 'cli', now });
      return runFeedImport({ db: database.db, plan, requestId: 'bench', now }, feed, sourceOf(file), { job });
    });
    const importMs = Number(process.hrtime.bigint() - start) / 1e6;
    const created = run.records.filter((r) => r.outcome === 'created').length;
    if (created !== n) throw new Error(`import created ${created} of ${n}`);
    report(
      `Import (${database.kind}, ${n.toLocaleString('en-US')} csv rows, users per second)`,
      { name: 'bare single-row INSERT of the same users', perSecond: bare },
      [{ name: 'scimplan import (csv -> plan -> createUser, events, groups, checkpoints)', perSecond: (n / importMs) * 1000 }],
      'users',
    );
    console.log(`memory during the import of ${n.toLocaleString('en-US')} rows (own process): peak RSS ${mib(rss)}, peak heap ${mib(heap)}, peak live heap ${mib(live)} (before the import: RSS ${mib(before.rss)}, heap ${mib(before.heapUsed)})`);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** 10,000 and then the larger count, each in a child process of its own (bench/import-one.ts). */
export async function benchImport(): Promise<void> {
  const short = process.argv.includes('--short');
  const rows = Number(process.env['BENCH_IMPORT_ROWS'] ?? (short ? 10_000 : 100_000));
  for (const n of [...new Set([Math.min(10_000, rows), rows])]) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(new URL('./import-one.ts', import.meta.url)), String(n)], { stdio: 'inherit' });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the import bench of ${n} rows exited with ${code}`);
  }
}
