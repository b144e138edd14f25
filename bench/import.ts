// Feeds: `scimplan import`'s path (stream csv -> rows -> collapse -> plan -> createUser) for
// 100,000 rows against a bare single-row SQL INSERT of the same users, in the same run; and the
// heap after reading 10,000 and 100,000 rows (it grows with keys, not with the file).
// BENCH_IMPORT_ROWS overrides the row count; `--short` is 10,000.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { openDatabase } from '../server/db/database.ts';
import { importFeedUsers } from '../server/feed-import.ts';
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

export async function benchImport(): Promise<void> {
  const short = process.argv.includes('--short');
  const rows = Number(process.env['BENCH_IMPORT_ROWS'] ?? (short ? 10_000 : 100_000));
  const dir = await mkdtemp(join(tmpdir(), 'scimplan-bench-import-'));
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  try {
    // Memory: the heap after reading (and collapsing) 10,000 and `rows` rows.
    const now = new Date('2026-05-01T00:00:00Z');
    const tenant = `bench-import-${process.pid}`;
    const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantFile(tenant));
    if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
    const feed = plan.feeds[0]!;
    const memory: string[] = [];
    let users: Awaited<ReturnType<typeof readFeedSource>>['users'] = [];
    for (const n of [...new Set([Math.min(10_000, rows), rows])]) {
      const file = join(dir, `rows-${n}.csv`);
      await writeCsv(file, n);
      globalThis.gc?.();
      const before = process.memoryUsage().heapUsed;
      const source = await readFeedSource(plan, feed, createReadStream(file), now);
      const after = process.memoryUsage().heapUsed;
      memory.push(`${n.toLocaleString('en-US')} rows: heap +${((after - before) / 1048576).toFixed(1)} MiB while reading (${source.users.length} users)`);
      users = source.users;
    }

    // Baseline: the same users as bare single-row INSERTs (no plan, no events, no groups).
    await sql`create table if not exists bench_import_bare (key text primary key, resource jsonb not null)`.execute(database.db);
    await sql`truncate bench_import_bare`.execute(database.db);
    let start = process.hrtime.bigint();
    for (const u of users) await sql`insert into bench_import_bare (key, resource) values (${u.key}, ${JSON.stringify(u.user)})`.execute(database.db);
    const bareMs = Number(process.hrtime.bigint() - start) / 1e6;

    start = process.hrtime.bigint();
    const file = join(dir, `rows-${rows}.csv`);
    const source = await readFeedSource(plan, feed, createReadStream(file), now);
    const result = await importFeedUsers({ db: database.db, plan, requestId: 'bench', now }, feed, source.users);
    const importMs = Number(process.hrtime.bigint() - start) / 1e6;
    const created = result.records.filter((r) => r.outcome === 'created').length;
    if (created !== rows) throw new Error(`import created ${created} of ${rows}`);
    report(
      `Import (${database.kind}, ${rows.toLocaleString('en-US')} csv rows, users per second)`,
      { name: 'bare single-row INSERT of the same users', perSecond: (users.length / bareMs) * 1000 },
      [{ name: 'scimplan import (csv -> plan -> createUser, events, groups)', perSecond: (rows / importMs) * 1000 }],
      'users',
    );
    for (const line of memory) console.log(line);
    await sql`drop table bench_import_bare`.execute(database.db);
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
