// Bulk: one 1,000-operation POST /Bulk against 1,000 sequential POST /Users (the baseline), over
// HTTP on 127.0.0.1 to one listening app, in the same run (PGlite; PostgreSQL with BENCH_DATABASE_URL).

import { compileTenantFile } from '../engine/compile-plan.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from '../server/db/database.ts';
import { TenantRegistry } from '../server/tenants.ts';
import { report, type Measurement } from './measure.ts';
import { tenantYaml, users } from './synthetic.ts';

const OPERATIONS = 1000;
const ROUNDS = 2;
const WARM_UP = 100;
/** Fewer rules than the other benchmarks: per-user group work is the same on both sides. */
const RULES = 10;

export async function benchBulk(): Promise<void> {
  const token = 'bench-bulk-token';
  const tenant = `bench-bulk-${process.pid}`;
  const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantYaml(tenant, RULES));
  if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  const app = buildApp({ db: database.db, tenants: new TenantRegistry([plan], { BENCH_TOKEN: token }) });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  let round = 0;
  // Every round creates fresh users (new key values): creates are what a first sync sends.
  const batch = (n: number): Record<string, unknown>[] => {
    round++;
    return users(n).map((u, i) => ({ ...u, externalId: `r${round}-${i}`, userName: `r${round}-user${i}@example.com` }));
  };
  try {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const send = async (path: string, body: unknown): Promise<{ status: number; json: () => Promise<unknown> }> =>
      fetch(`${address}/scim/v2/${tenant}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const sequential = async (n: number): Promise<void> => {
      for (const user of batch(n)) {
        const res = await send('/Users', user);
        await res.json();
        if (res.status !== 201) throw new Error(`POST /Users answered ${res.status}`);
      }
    };
    const bulk = async (n: number): Promise<void> => {
      const Operations = batch(n).map((data, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data }));
      const res = await send('/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations });
      const answer = (await res.json()) as { Operations?: { status: string }[] };
      const ops = answer.Operations ?? [];
      if (ops.length !== n || ops.some((o) => o.status !== '201')) throw new Error(`POST /Bulk answered ${res.status}`);
    };
    // Interleaved rounds, best of each: load from other processes hits both sides alike.
    await sequential(WARM_UP);
    await bulk(WARM_UP);
    let seqMs = Infinity;
    let bulkMs = Infinity;
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of r % 2 === 0 ? (['seq', 'bulk'] as const) : (['bulk', 'seq'] as const)) {
        const start = process.hrtime.bigint();
        await (side === 'seq' ? sequential(OPERATIONS) : bulk(OPERATIONS));
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        if (side === 'seq') seqMs = Math.min(seqMs, ms);
        else bulkMs = Math.min(bulkMs, ms);
      }
    }
    const baseline: Measurement = { name: `${OPERATIONS} sequential POST /Users`, perSecond: (OPERATIONS / seqMs) * 1000 };
    const measured: Measurement = { name: `one /Bulk of ${OPERATIONS} POSTs`, perSecond: (OPERATIONS / bulkMs) * 1000 };
    report(`Bulk (${database.kind}, HTTP on 127.0.0.1, users created per second)`, baseline, [measured], 'users');
  } finally {
    await app.close();
    await database.close();
  }
}
