// Statements per request: the SQL statements (round trips) one request of each kind costs on
// PostgreSQL, read from the cluster's own counters (pg_stat_statements) around N sequential
// requests through the app (in-process inject). Needs BENCH_DATABASE_URL on a cluster that
// preloads pg_stat_statements (.ci/start-postgres.sh does); prints why it skips otherwise.

import { compileTenantFile } from '../engine/compile-plan.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from '../server/db/database.ts';
import { TenantRegistry } from '../server/tenants.ts';
import { createDatabase, statementCounter } from './pg-database.ts';

const REQUESTS = 50;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Two rule groups every bench user is in, as in the issue's measurement. */
const tenantFile = (tenant: string) => `tenant: ${tenant}
tokens:
  - env: BENCH_TOKEN
key: externalId
profile:
  function: title
  department: enterprise.department
deactivate:
  when: active eq false
groups:
  - group: Everyone in sales
    when: department sw "Sal"
  - group: Sales
    when: department eq "Sales"
limits:
  requestsPerSecond: 100000
`;

const userBody = (i: number, title = 'Engineer', active = true) => ({
  schemas: [USER, ENTERPRISE],
  userName: `stmt${i}@example.com`,
  externalId: `stmt-${i}`,
  active,
  title,
  [ENTERPRISE]: { department: 'Sales' },
});

/** Of one kind of request: statements, and plans made (undefined when not counted), per request. */
export interface StatementsPerRequest {
  readonly [scenario: string]: { readonly statements: number; readonly plans: number | undefined };
}

/** Runs the scenarios on a fresh database; undefined (with a note) when it cannot count. */
export async function statementsPerRequest(baseUrl: string): Promise<StatementsPerRequest | undefined> {
  const database = await createDatabase(baseUrl, 'stmts');
  const counter = await statementCounter(baseUrl, database.name, { planning: true });
  if (!counter) {
    await database.drop();
    console.log('statements: pg_stat_statements is not loaded on this cluster (shared_preload_libraries); skipped');
    return undefined;
  }
  const tenant = 'stmts';
  const token = 'bench-statements-token';
  const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantFile(tenant));
  if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
  const opened = await openDatabase({ databaseUrl: database.url });
  const app = buildApp({ db: opened.db, tenants: new TenantRegistry([plan], { BENCH_TOKEN: token }) });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, expect: number, body?: unknown) => {
    const res = await app.inject({ method, url: `/scim/v2/${tenant}${path}`, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    if (res.statusCode !== expect) throw new Error(`${method} ${path} answered ${res.statusCode}, not ${expect}: ${res.body.slice(0, 200)}`);
    return (res.body ? res.json() : {}) as { id: string };
  };
  const results: Record<string, StatementsPerRequest[string]> = {};
  const count = async (name: string, run: (i: number) => Promise<unknown>) => {
    const [before, plansBefore] = [await counter.count(), await counter.plans()];
    for (let i = 0; i < REQUESTS; i++) await run(i);
    const [after, plansAfter] = [await counter.count(), await counter.plans()];
    results[name] = { statements: (after - before) / REQUESTS, plans: plansBefore === undefined || plansAfter === undefined ? undefined : (plansAfter - plansBefore) / REQUESTS };
  };
  try {
    await app.ready();
    // Warm-up: the rule groups and the client group exist before anything is counted.
    for (let i = 0; i < 5; i++) await call('POST', '/Users', 201, userBody(1_000_000 + i));
    const ids: string[] = [];
    const group = (await call('POST', '/Groups', 201, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Client group' })).id;

    await count('create (user in 2 rule groups)', async (i) => ids.push((await call('POST', '/Users', 201, userBody(i))).id));
    await count('create of a taken key (409)', (i) => call('POST', '/Users', 409, userBody(i)));
    // A disabled user in scope (an initial sync): starts deactivated, no safety limit to pass.
    await count('create of an inactive user', (i) => call('POST', '/Users', 201, userBody(500_000 + i, 'Engineer', false)));
    await count('replace (PUT)', (i) => call('PUT', `/Users/${ids[i]}`, 200, userBody(i, 'Director')));
    await count('patch (replace title)', (i) =>
      call('PATCH', `/Users/${ids[i]}`, 200, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `Title ${i}` }] }),
    );
    await count('get by id', (i) => call('GET', `/Users/${ids[i]}`, 200));
    await count('lookup (userName eq)', (i) => call('GET', `/Users?filter=${encodeURIComponent(`userName eq "stmt${i}@example.com"`)}`, 200));
    await count('group member add', (i) =>
      call('PATCH', `/Groups/${group}`, 204, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: ids[i] }] }] }),
    );
    await count('group member remove', (i) =>
      call('PATCH', `/Groups/${group}`, 204, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${ids[i]}"]` }] }),
    );
    return results;
  } finally {
    await app.close();
    await opened.close();
    await counter.close();
    await database.drop();
  }
}

export async function benchStatements(): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'] || process.env['DATABASE_URL'];
  if (!url) {
    console.log('\n## statements per request\nskipped: set BENCH_DATABASE_URL to a PostgreSQL that preloads pg_stat_statements');
    return;
  }
  const results = await statementsPerRequest(url);
  if (!results) return;
  console.log(`\n## statements per request (PostgreSQL, pg_stat_statements, BEGIN/COMMIT included; mean of ${REQUESTS} sequential requests)`);
  // Plans: how often the planner ran per request. A prepared statement that keeps its generic
  // plan is planned about five times per connection, then never; 1 or more means one is planned
  // on every call (docs/storage.md, "Prepared statements keep their generic plans").
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  console.log(`${''.padEnd(width)}  statements  plans`);
  for (const [name, { statements, plans }] of Object.entries(results)) {
    console.log(`${name.padEnd(width)}  ${statements.toFixed(2).padStart(10)}  ${plans === undefined ? '  n/a' : plans.toFixed(2).padStart(5)}`);
  }
}
