// Server: the hot statements keep their generic plans. PostgreSQL plans a prepared statement
// with its values for the first five calls, then keeps the generic plan unless the custom ones
// looked cheaper; a statement that keeps preferring custom plans is planned again on every call.
// Issue 12 found three such: PATCH's shared read by id (`id = any($2::uuid[])`: planning 0.28 ms,
// running 0.21 ms), the member PATCH's read, and the `userName eq` lookup (its `limit $n` made a
// small count's custom plan look cheaper). db/id-set.ts and db/users.ts `uniqueQuery` are the fixes.
// Read from `pg_prepared_statements`, which shows one session's statements: PGlite's one session
// (a PostgreSQL pool's connections each have their own), on the same planner. Each test has a
// database of its own, so that what other test files stored does not decide the planner's
// choices; the second stores tenants of unequal sizes on purpose (the shared create, which knew
// the tenant, was planned on every call). Nothing is timed.

import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { buildTestApp, ENTERPRISE, openPrivateDatabase, tenantYaml, uniqueTenant, userBody, type TestApp } from './helpers.ts';

const tenant = uniqueTenant('plans');
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});
let t: TestApp;
const ROUNDS = 25;
const AT_ONCE = 4;

/** An app over a PGlite of its own (closed after the file), for `tenant` without a rate limit: a test sends hundreds of requests in a second or two. */
async function privateApp(name: string): Promise<TestApp> {
  const database: OpenDatabase = await openPrivateDatabase();
  const app = buildTestApp(database.db, [tenantYaml(name, 'limits:\n  requestsPerSecond: 100000\n')]);
  closers.push(async () => {
    await app.app.close();
    await database.close();
  });
  return app;
}

/** Each prepared statement of the session: how often it ran with a generic and with a custom plan. */
async function preparedPlans(): Promise<Map<string, { generic: number; custom: number }>> {
  const { rows } = await sql<{ name: string; generic_plans: string; custom_plans: string }>`
    select name, generic_plans, custom_plans from pg_prepared_statements`.execute(t.db);
  return new Map(rows.map((r) => [r.name, { generic: Number(r.generic_plans), custom: Number(r.custom_plans) }]));
}

/** The statements run 10 times or more that were planned with their values more than the first five times. */
const replanned = (plans: Map<string, { generic: number; custom: number }>) =>
  [...plans].filter(([, p]) => p.generic + p.custom >= 10 && p.custom > 5).map(([name, p]) => `${name}: ${p.custom} custom, ${p.generic} generic`);

/** ROUNDS rounds of AT_ONCE concurrent requests made by `request(i)`, each answered with `status`. */
async function rounds(status: number, request: (i: number) => Promise<{ statusCode: number; body: string }>): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, (_, k) => request(round * AT_ONCE + k)));
    for (const answer of answers) expect(answer.statusCode, answer.body).toBe(status);
  }
}

it('plans each hot statement of create, lookup, read, patch and member changes at most five times', async (ctx) => {
  if (process.env['TEST_DATABASE_URL']) ctx.skip();
  t = await privateApp(tenant);
  const ids: string[] = [];
  await rounds(201, async (i) => {
    const res = await t.scim(tenant, 'POST', '/Users', userBody(`plan-${i}`, `plan${i}@example.com`, { title: i % 2 ? 'Director' : 'Engineer', [ENTERPRISE]: { department: 'Sales' } }));
    ids[i] = (res.json() as { id: string }).id;
    return res;
  });
  await rounds(200, (i) => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "plan${i}@example.com"`)}`));
  await rounds(200, (i) => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "plan${i}@example.com"`)}&count=1`));
  await rounds(200, (i) => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`externalId eq "plan-${i}"`)}`));
  await rounds(200, (i) => t.scim(tenant, 'GET', `/Users/${ids[i]}`));
  await rounds(200, (i) => t.scim(tenant, 'PATCH', `/Users/${ids[i]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `T${i}` }] }));
  const group = await t.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Plans' });
  expect(group.statusCode).toBe(201);
  const groupId = (group.json() as { id: string }).id;
  for (let i = 0; i < ROUNDS; i++) {
    const op = i % 2 ? { op: 'remove', path: `members[value eq "${ids[i - 1]}"]` } : { op: 'add', path: 'members', value: [{ value: ids[i] }] };
    const res = await t.scim(tenant, 'PATCH', `/Groups/${groupId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] });
    expect(res.statusCode, res.body).toBeLessThan(300);
  }

  const plans = await preparedPlans();
  const calls = (name: string) => (plans.get(name)?.generic ?? 0) + (plans.get(name)?.custom ?? 0);
  const named = (prefix: string) => [...plans.keys()].filter((name) => name.startsWith(prefix));
  // Each statement the fixes touched ran often enough for the planner to have chosen: the two
  // reads, and the lookups' shared statements (on PGlite concurrent lookups share one).
  for (const name of ['user-find-groups-many', 'group-members-read']) expect(calls(name), `${name} ran`).toBeGreaterThanOrEqual(10);
  const often = (names: string[]) => names.filter((name) => calls(name) >= 10).length;
  expect(often(named('user-list-many-')), 'shared lookups').toBeGreaterThanOrEqual(1);
  expect(replanned(plans)).toEqual([]);
}, 120_000);

it('keeps the shared create generic for a small tenant beside a big one (a custom plan would know the tenant)', async (ctx) => {
  if (process.env['TEST_DATABASE_URL']) ctx.skip();
  const small = uniqueTenant('plans-small');
  t = await privateApp(small);
  // A tenant of 2,000 accounts and ten of 20, as the planner's statistics know them; without
  // TENANT_UNSEEN (db/user-write-sql.ts) every shared create of `small` was planned anew.
  await sql`insert into scim_users (id, tenant, key_value, user_name, resource, profile, sources, status, config_hash, created_at, updated_at)
    select gen_random_uuid(), case when i <= 2000 then 'big' else 'other-' || (i % 10) end, 'k' || i, 'u' || i,
      jsonb_build_object('userName', 'u' || i), '{}', '{}', 'active', 'h', now(), now()
    from generate_series(1, 2200) as i`.execute(t.db);
  await sql`analyze`.execute(t.db);
  await rounds(201, (i) => t.scim(small, 'POST', '/Users', userBody(`small-${i}`, `small${i}@example.com`, { [ENTERPRISE]: { department: 'Sales' } })));
  const plans = await preparedPlans();
  expect(plans.get('user-insert-known-many')?.generic ?? 0, 'shared creates').toBeGreaterThanOrEqual(10);
  expect(replanned(plans)).toEqual([]);
}, 120_000);
