// Bulk: one 1,000-operation POST /Bulk against 1,000 sequential POST /Users (the baseline), on the
// same in-process app and database in the same run (PGlite; PostgreSQL with BENCH_DATABASE_URL).

import { compileTenantFile } from '../engine/compile-plan.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from '../server/db/database.ts';
import { TenantRegistry } from '../server/tenants.ts';
import { measure, report } from './measure.ts';
import { tenantYaml, users } from './synthetic.ts';

const OPERATIONS = 1000;
const ROUNDS = 2;
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
  const batch = (): Record<string, unknown>[] => {
    round++;
    return users(OPERATIONS).map((u, i) => ({ ...u, externalId: `r${round}-${i}`, userName: `r${round}-user${i}@example.com` }));
  };
  try {
    await app.ready();
    const sequential = async (): Promise<void> => {
      for (const user of batch()) {
        const res = await app.inject({ method: 'POST', url: `/scim/v2/${tenant}/Users`, headers, payload: JSON.stringify(user) });
        if (res.statusCode !== 201) throw new Error(`POST /Users answered ${res.statusCode}`);
      }
    };
    const bulk = async (): Promise<void> => {
      const Operations = batch().map((data, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data }));
      const res = await app.inject({
        method: 'POST',
        url: `/scim/v2/${tenant}/Bulk`,
        headers,
        payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations }),
      });
      const ops = res.statusCode === 200 ? (res.json().Operations as { status: string }[]) : [];
      if (ops.length !== OPERATIONS || ops.some((o) => o.status !== '201')) throw new Error(`POST /Bulk answered ${res.statusCode}`);
    };
    const baseline = await measure(`${OPERATIONS} sequential POST /Users`, OPERATIONS, sequential, ROUNDS);
    const measured = await measure(`one /Bulk of ${OPERATIONS} POSTs`, OPERATIONS, bulk, ROUNDS);
    report(`Bulk (${database.kind}, in-process inject, users created per second)`, baseline, [measured], 'users');
  } finally {
    await app.close();
    await database.close();
  }
}
