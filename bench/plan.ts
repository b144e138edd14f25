// `scimplan plan` over 100,000 stored users: a config change (a mapping, a rule and the
// deactivation condition) previewed as users/second, against a bare keyset `select` of the
// same rows in the same batches (baseline). PGlite in memory, or PostgreSQL at BENCH_DATABASE_URL.

import { randomUUID } from 'node:crypto';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { evaluatePlan } from '../engine/evaluate.ts';
import type { Plan } from '../engine/plan.ts';
import { openDatabase } from '../server/db/database.ts';
import type { Database } from '../server/db/tables.ts';
import { DEFAULT_BATCH_SIZE, previewTenant } from '../server/reevaluate.ts';
import { sql, type Kysely } from 'kysely';
import { measure, report } from './measure.ts';
import { tenantYaml, users } from './synthetic.ts';

function compile(yaml: string): Plan {
  const { plan, diagnostics } = compileTenantFile('bench.yaml', yaml);
  if (!plan) throw new Error(`bench tenant does not compile: ${JSON.stringify(diagnostics)}`);
  return plan;
}

/**
 * Stores the users as the server would have (profile from the old plan). Each batch travels as
 * one JSON parameter unpacked by the database: thousands of bound parameters are slow on PGlite.
 */
async function store(db: Kysely<Database>, plan: Plan, population: readonly Record<string, unknown>[], now: Date): Promise<void> {
  for (let i = 0; i < population.length; i += 5000) {
    const rows = population.slice(i, i + 5000).map((resource) => {
      const e = evaluatePlan(plan, resource, now);
      return { id: randomUUID(), key: e.key, userName: resource['userName'], externalId: resource['externalId'], resource, profile: e.profile, status: e.deactivated ? 'deactivated' : 'active' };
    });
    await sql`insert into scim_users (id, tenant, key_value, user_name, external_id, resource, profile, status, deactivated_at, config_hash, created_at, updated_at)
      select (r->>'id')::uuid, ${plan.tenant}, r->>'key', r->>'userName', r->>'externalId', r->'resource', r->'profile', r->>'status',
             case when r->>'status' = 'deactivated' then ${now}::timestamptz end, ${plan.hash}, ${now}::timestamptz, ${now}::timestamptz
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as r`.execute(db);
  }
}

/** The baseline: the same rows, same columns, same keyset batches, nothing evaluated. */
async function bareSelect(db: Kysely<Database>, tenant: string): Promise<number> {
  let after: string | undefined;
  let n = 0;
  for (;;) {
    let q = db.selectFrom('scim_users').select(['id', 'user_name', 'key_value', 'resource', 'profile', 'status']).where('tenant', '=', tenant).where('deleted_at', 'is', null);
    if (after !== undefined) q = q.where('id', '>', after);
    const rows = await q.orderBy('id').limit(DEFAULT_BATCH_SIZE).execute();
    n += rows.length;
    if (rows.length < DEFAULT_BATCH_SIZE) return n;
    after = rows[rows.length - 1]!.id;
  }
}

export async function benchPlanCli(userCount = 100_000): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  const tenant = `bench-plan-${Math.random().toString(36).slice(2, 8)}`;
  const now = new Date('2026-06-01T00:00:00Z');
  try {
    const before = compile(tenantYaml(tenant));
    const population = users(userCount);
    await store(database.db, before, population, now);
    const after = compile(
      tenantYaml(tenant)
        .replace('  function: title\n', '  function: upper(title)\n')
        .replace('  when: active eq false\n', '  when: active eq false or enterprise.department eq "Sales"\n')
        .replace('groups:\n', 'groups:\n  - group: Everyone\n    when: email pr\n'),
    );
    let summary;
    const baseline = await measure('bare keyset select of the rows (baseline)', userCount, async () => {
      if ((await bareSelect(database.db, tenant)) !== userCount) throw new Error('baseline read the wrong number of rows');
    }, 2);
    const planned = await measure('plan: evaluate + diff every stored user', userCount, async () => {
      summary = await previewTenant({ db: database.db, plan: after, now });
    }, 2);
    report(`plan-cli: a config change over ${userCount.toLocaleString('en-US')} stored users (${database.kind})`, baseline, [planned], 'users');
    const s = summary!;
    console.log(`(${s.changedUsers} would change: ${s.profileChanges} profiles, ${s.deactivations} deactivations, ${s.usersJoiningGroups} joining groups)`);
  } finally {
    await database.db.deleteFrom('scim_users').where('tenant', '=', tenant).execute().catch(() => undefined);
    await database.close();
  }
}
