// Feeds: `scimplan import`'s path (stream csv -> rows -> collapse -> plan -> createUser, with its
// job and checkpoints) at 10,000 and 100,000 rows, each against a bare single-row SQL INSERT of
// the same users in the same run, with the peak RSS and heap during each import.
// BENCH_IMPORT_ROWS overrides the larger row count; `--short` is 10,000 only;
// BENCH_DATABASE_URL runs it on PostgreSQL (PGlite in memory otherwise).

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { openDatabase } from '../server/db/database.ts';
import { runFeedImport } from '../server/feed-import.ts';
import { openFeedJob } from '../server/feed-jobs.ts';
import { readFeedSource } from '../server/feed-source.ts';
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

/** Peak RSS and heap while `run` runs, sampled every 100 ms (and at its end). */
async function peakMemory<T>(run: () => Promise<T>): Promise<{ value: T; rss: number; heap: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  try {
    const value = await run();
    sample();
    return { value, rss, heap };
  } finally {
    clearInterval(timer);
  }
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

export async function benchImport(): Promise<void> {
  const short = process.argv.includes('--short');
  const rows = Number(process.env['BENCH_IMPORT_ROWS'] ?? (short ? 10_000 : 100_000));
  const dir = await mkdtemp(join(tmpdir(), 'scimplan-bench-import-'));
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  try {
    const now = new Date('2026-05-01T00:00:00Z');
    await sql`create table if not exists bench_import_bare (key text primary key, resource jsonb not null)`.execute(database.db);
    for (const n of [...new Set([Math.min(10_000, rows), rows])]) {
      const tenant = `bench-import-${process.pid}-${n}`;
      const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantFile(tenant));
      if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
      const feed = plan.feeds[0]!;
      const file = join(dir, `rows-${n}.csv`);
      await writeCsv(file, n);

      // Baseline: the same users as bare single-row INSERTs (no plan, no events, no groups).
      const { users } = await readFeedSource(plan, feed, createReadStream(file), now);
      await sql`truncate bench_import_bare`.execute(database.db);
      let start = process.hrtime.bigint();
      for (const u of users) await sql`insert into bench_import_bare (key, resource) values (${u.key}, ${JSON.stringify(u.user)})`.execute(database.db);
      const bareMs = Number(process.hrtime.bigint() - start) / 1e6;

      // `scimplan import`'s path: stream, rows, collapse, plan, write, with its job and checkpoints.
      globalThis.gc?.();
      start = process.hrtime.bigint();
      const { value: run, rss, heap } = await peakMemory(async () => {
        const job = await openFeedJob(database.db, { tenant, feed: feed.name, hash: `bench-${tenant}`, origin: 'cli', now });
        return runFeedImport({ db: database.db, plan, requestId: 'bench', now }, feed, createReadStream(file), { job });
      });
      const importMs = Number(process.hrtime.bigint() - start) / 1e6;
      const created = run.records.filter((r) => r.outcome === 'created').length;
      if (created !== n) throw new Error(`import created ${created} of ${n}`);
      report(
        `Import (${database.kind}, ${n.toLocaleString('en-US')} csv rows, users per second)`,
        { name: 'bare single-row INSERT of the same users', perSecond: (users.length / bareMs) * 1000 },
        [{ name: 'scimplan import (csv -> plan -> createUser, events, groups, checkpoints)', perSecond: (n / importMs) * 1000 }],
        'users',
      );
      console.log(`memory during the import of ${n.toLocaleString('en-US')} rows: peak RSS ${mib(rss)}, peak heap ${mib(heap)}`);
    }
    await sql`drop table bench_import_bare`.execute(database.db);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
