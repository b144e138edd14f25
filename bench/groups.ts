// Groups: adding and removing one member of a 100,000-member group through PATCH /Groups (HTTP,
// in-process inject) against a bare single-row INSERT and DELETE of a membership (the baseline),
// on the same database in the same run (PGlite; PostgreSQL with BENCH_DATABASE_URL).

import { sql } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from '../server/db/database.ts';
import { TenantRegistry } from '../server/tenants.ts';
import { measure, report } from './measure.ts';
import { tenantYaml } from './synthetic.ts';

const MEMBERS = 100_000;
/** Member changes per round; each is one add and one remove of a user outside the group. */
const PAIRS = 100;
const ROUNDS = 5;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export async function benchGroups(): Promise<void> {
  const token = 'bench-groups-token';
  const tenant = `bench-groups-${process.pid}`;
  const { plan, diagnostics } = compileTenantFile('bench.yaml', tenantYaml(tenant, 1));
  if (!plan) throw new Error(`bench tenant does not compile: ${diagnostics.map((d) => d.code).join(', ')}`);
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  const { db } = database;
  const app = buildApp({ db, tenants: new TenantRegistry([plan], { BENCH_TOKEN: token }) });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  try {
    await app.ready();
    // Users and memberships are seeded in SQL: the benchmark is about one change, not the setup.
    const seed = (prefix: string, count: number) =>
      sql`insert into scim_users (id, tenant, key_value, user_name, resource, profile, status, config_hash, created_at, updated_at)
        select gen_random_uuid(), ${tenant}, ${prefix} || i, ${prefix} || i || '@example.com', '{}'::jsonb, '{}'::jsonb, 'active', 'bench', now(), now()
        from generate_series(1, ${count}::int) as i`.execute(db);
    await seed('member-', MEMBERS);
    await seed('spare-', PAIRS);
    const createGroup = async (displayName: string): Promise<string> => {
      const created = await app.inject({ method: 'POST', url: `/scim/v2/${tenant}/Groups`, headers, payload: JSON.stringify({ displayName }) });
      if (created.statusCode !== 201) throw new Error(`POST /Groups answered ${created.statusCode}`);
      return created.json().id as string;
    };
    const groupId = await createGroup('Everyone');
    // The same requests on an empty group show that the cost does not depend on the group's size.
    const emptyId = await createGroup('Nobody');
    await sql`insert into memberships (tenant, group_id, user_id, via_client, created_at)
      select ${tenant}, ${groupId}::uuid, id, true, now() from scim_users where tenant = ${tenant} and key_value like 'member-%'`.execute(db);
    const spare = (await sql<{ id: string }>`select id from scim_users where tenant = ${tenant} and key_value like 'spare-%'`.execute(db)).rows.map((r) => r.id);

    const bare = async (): Promise<void> => {
      for (const userId of spare) {
        await db.insertInto('memberships').values({ tenant, group_id: groupId, user_id: userId, via_client: true, created_at: new Date() }).execute();
        await db.deleteFrom('memberships').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
      }
    };
    const patch = async (group: string, op: 'add' | 'remove', userId: string): Promise<void> => {
      const Operations = [op === 'add' ? { op, path: 'members', value: [{ value: userId }] } : { op, path: `members[value eq "${userId}"]` }];
      const res = await app.inject({ method: 'PATCH', url: `/scim/v2/${tenant}/Groups/${group}`, headers, payload: JSON.stringify({ schemas: [PATCH_OP], Operations }) });
      if (res.statusCode !== 204) throw new Error(`PATCH /Groups answered ${res.statusCode}`);
    };
    const http = (group: string) => async (): Promise<void> => {
      for (const userId of spare) {
        await patch(group, 'add', userId);
        await patch(group, 'remove', userId);
      }
    };
    const baseline = await measure('bare INSERT + DELETE of one membership row', PAIRS * 2, bare, ROUNDS);
    const measured = await measure(`PATCH /Groups add + remove of one member (${MEMBERS.toLocaleString('en-US')} members)`, PAIRS * 2, http(groupId), ROUNDS);
    const empty = await measure('PATCH /Groups add + remove of one member (empty group)', PAIRS * 2, http(emptyId), ROUNDS);
    const count = await sql<{ n: string | number }>`select count(*) as n from memberships where group_id = ${groupId}::uuid`.execute(db);
    if (Number(count.rows[0]?.n) !== MEMBERS) throw new Error('the group lost or gained members during the benchmark');
    report(`Group membership (${database.kind}, in-process inject, member changes per second)`, baseline, [measured, empty], 'changes');
    // Issue 12: member add and remove on a 100,000-member group stay within 2x of an empty group.
    console.log(`${MEMBERS.toLocaleString('en-US')}-member group / empty group: ${(measured.perSecond / empty.perSecond).toFixed(3)}x (must be >= 0.5)`);
  } finally {
    await app.close();
    await database.close();
  }
}
