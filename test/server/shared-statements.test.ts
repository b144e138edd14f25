// Server: concurrent requests of one tenant share statements (db/batcher.ts): creates
// (db/user-write.ts INSERT_KNOWN_MANY), reads by id (db/users.ts FIND_LIVE_WITH_GROUPS_MANY) and
// updates that add no membership (UPDATE_PLAIN_MANY). Each request still gets the answer, the
// account, the memberships and the events it would get alone.

import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { ENTERPRISE, tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

let tenant = '';
const tenants = Array.from({ length: 12 }, () => uniqueTenant('batch'));
const t = useTestApp(() => tenants.map((name) => tenantYaml(name)));
let next = 0;

// Each test has a tenant of its own whose rule groups the process knows (one create made them),
// so that concurrent creates take the group commit.
beforeEach(async () => {
  tenant = tenants[next++]!;
  const warm = await t.scim(tenant, 'POST', '/Users', userBody('warm', 'warm@example.com', { title: 'Director', [ENTERPRISE]: { department: 'Sales' } }));
  expect(warm.statusCode).toBe(201);
});

const sales = (i: number, extra: Record<string, unknown> = {}) =>
  userBody(`k-${i}`, `u${i}@example.com`, { title: i % 2 ? 'Director' : 'Engineer', [ENTERPRISE]: { department: 'Sales' }, ...extra });

/** Transactions that wrote the tenant's events other than the warm-up's. */
const writingTransactions = async () =>
  Number(
    (
      await sql<{ n: string }>`select count(distinct e.txid) as n from events e join scim_users u on u.id = e.account_id
        where e.tenant = ${tenant} and u.external_id <> 'warm'`.execute(t.db)
    ).rows[0]!.n,
  );

it('30 concurrent creates are written by fewer transactions, each with its groups and its events in order', async () => {
  const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => t.scim(tenant, 'POST', '/Users', sales(i))));
  expect(responses.map((r) => r.statusCode)).toEqual(Array(30).fill(201));
  expect(await writingTransactions()).toBeLessThan(30);
  for (const [i, r] of responses.entries()) {
    const user = r.json() as { id: string; externalId: string; groups?: { display: string }[] };
    expect(user.externalId).toBe(`k-${i}`);
    const expected = i % 2 ? ['Management', 'Sales'] : ['Sales'];
    expect((user.groups ?? []).map((g) => g.display)).toEqual(expected);
    const read = (await t.scim(tenant, 'GET', `/Users/${user.id}`)).json() as { groups?: { display: string }[] };
    expect((read.groups ?? []).map((g) => g.display)).toEqual(expected);
    const events = await t.db.selectFrom('events').select(['type', 'group_id']).where('tenant', '=', tenant).where('account_id', '=', user.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['user.created', ...expected.map(() => 'group.member_added')]);
  }
  const memberships = await t.db.selectFrom('memberships').select('user_id').where('tenant', '=', tenant).execute();
  expect(memberships).toHaveLength(1 + 15 * 2 + 15 + 1); // the warm-up user is in both groups
});

it('a batch that holds one key twice creates one account; the other request gets 409', async () => {
  const bodies = Array.from({ length: 10 }, (_, i) => (i === 3 || i === 7 ? sales(100, { userName: `dup${i}@example.com` }) : sales(i)));
  const responses = await Promise.all(bodies.map((b) => t.scim(tenant, 'POST', '/Users', b)));
  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 201)).toHaveLength(9);
  expect([statuses[3], statuses[7]].sort()).toEqual([201, 409]);
  expect(responses.find((r) => r.statusCode === 409)!.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
  const rows = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).where('external_id', '=', 'k-100').execute();
  expect(rows).toHaveLength(1);
  const created = await t.db.selectFrom('events').select('id').where('tenant', '=', tenant).where('type', '=', 'user.created').execute();
  expect(created).toHaveLength(1 + 9);
});

it('a batch whose statement fails on one account (a taken userName) writes every other account alone', async () => {
  const bodies = Array.from({ length: 10 }, (_, i) => sales(i, i === 4 || i === 8 ? { userName: 'same@example.com' } : {}));
  const responses = await Promise.all(bodies.map((b) => t.scim(tenant, 'POST', '/Users', b)));
  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 201)).toHaveLength(9);
  expect([statuses[4], statuses[8]].sort()).toEqual([201, 409]);
  const users = await t.db.selectFrom('scim_users').select('external_id').where('tenant', '=', tenant).execute();
  expect(users).toHaveLength(1 + 9);
  const created = await t.db.selectFrom('events').select('id').where('tenant', '=', tenant).where('type', '=', 'user.created').execute();
  expect(created).toHaveLength(1 + 9);
});

it('disabled users in a batch start deactivated, each with its reason after its user.created', async () => {
  const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => t.scim(tenant, 'POST', '/Users', sales(i, { active: i % 3 !== 0 }))));
  expect(responses.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
  for (const [i, r] of responses.entries()) {
    const user = r.json() as { id: string; active: boolean };
    const row = await t.db.selectFrom('scim_users').select(['status', 'reason']).where('id', '=', user.id).executeTakeFirstOrThrow();
    const events = await t.db.selectFrom('events').select(['type', 'reason']).where('account_id', '=', user.id).orderBy('id').execute();
    const groups = i % 2 ? 2 : 1;
    if (i % 3 === 0) {
      expect(row.status).toBe('deactivated');
      expect(events.map((e) => e.type)).toEqual(['user.created', 'user.deactivated', ...Array(groups).fill('group.member_added')]);
      expect(events[1]!.reason).toBe(row.reason);
    } else {
      expect(row.status).not.toBe('deactivated');
      expect(events.map((e) => e.type)).toEqual(['user.created', ...Array(groups).fill('group.member_added')]);
    }
  }
});

it('a batch naming a rule group that is gone from the database (another process) writes each account the slow way, in a new group', async () => {
  const group = await t.db.selectFrom('scim_groups').select('id').where('tenant', '=', tenant).where('display_name', '=', 'Sales').executeTakeFirstOrThrow();
  await t.db.updateTable('scim_groups').set({ deleted_at: new Date() }).where('id', '=', group.id).execute();
  const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => t.scim(tenant, 'POST', '/Users', sales(i))));
  expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
  const live = await t.db.selectFrom('scim_groups').select('id').where('tenant', '=', tenant).where('display_name', '=', 'Sales').where('deleted_at', 'is', null).execute();
  expect(live).toHaveLength(1);
  expect(live[0]!.id).not.toBe(group.id);
  const members = await t.db.selectFrom('memberships').select('user_id').where('group_id', '=', live[0]!.id).execute();
  expect(members).toHaveLength(8);
});

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const retitle = (title: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] });

/** Creates `n` users one by one (no shared statement) and returns their ids. */
async function createdOneByOne(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await t.scim(tenant, 'POST', '/Users', sales(i));
    expect(r.statusCode).toBe(201);
    ids.push(r.json().id as string);
  }
  return ids;
}

it('20 concurrent PATCHes of 20 users are written by fewer transactions, each with its own change and event', async () => {
  const ids = await createdOneByOne(20);
  const responses = await Promise.all(ids.map((id, i) => t.scim(tenant, 'PATCH', `/Users/${id}`, retitle(i % 2 ? 'Director' : `Title ${i}`))));
  expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
  const updated = await sql<{ n: string }>`select count(distinct txid) as n from events where tenant = ${tenant} and type = 'user.updated'`.execute(t.db);
  expect(Number(updated.rows[0]!.n)).toBeLessThan(20);
  for (const [i, id] of ids.entries()) {
    const title = i % 2 ? 'Director' : `Title ${i}`;
    expect(responses[i]!.json()).toMatchObject({ id, title, meta: { version: 'W/"2"' } });
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json()).toMatchObject({ title, meta: { version: 'W/"2"' } });
    const events = await t.db.selectFrom('events').select(['type', 'fields']).where('account_id', '=', id).orderBy('id').execute();
    // Odd users were Directors already: their title changes no profile field, so no event.
    expect(events.map((e) => e.type)).toEqual(i % 2 ? ['user.created', 'group.member_added', 'group.member_added'] : ['user.created', 'group.member_added', 'user.updated']);
  }
});

it('concurrent PATCHes of one user in one batch: one is written, the others read again, and none is lost', async () => {
  const [id] = await createdOneByOne(1);
  const responses = await Promise.all(
    Array.from({ length: 6 }, (_, i) => t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: [{ type: 'other', value: `o${i}@example.com` }] }] })),
  );
  expect(responses.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
  const user = (await t.scim(tenant, 'GET', `/Users/${id}`)).json() as { emails: { value: string }[]; meta: { version: string } };
  for (let i = 0; i < 6; i++) expect(user.emails.map((e) => e.value)).toContain(`o${i}@example.com`);
  expect(user.meta.version).toBe('W/"7"');
});

it('concurrent reads by id share a statement: each gets its user, one asked twice two equal answers, an unknown id 404', async () => {
  const ids = await createdOneByOne(6);
  const asked = [...ids, ids[2]!, '00000000-0000-4000-8000-000000000000'];
  const responses = await Promise.all(asked.map((id) => t.scim(tenant, 'GET', `/Users/${id}`)));
  expect(responses.map((r) => r.statusCode)).toEqual([...Array(7).fill(200), 404]);
  for (const [i, id] of asked.slice(0, 7).entries()) expect(responses[i]!.json()).toMatchObject({ id, externalId: `k-${i === 6 ? 2 : i}` });
  expect(responses[6]!.json()).toEqual(responses[2]!.json());
});

it('concurrent lookups by value (sharing a statement on PGlite, alone on PostgreSQL) each get their own page and count', async () => {
  await createdOneByOne(5);
  const filters = [
    ...[0, 1, 2, 3, 4].map((i) => `userName eq "U${i}@example.com"`),
    'userName eq "nobody@example.com"',
    'externalId eq "k-3"',
    'userName eq "u1@example.com"',
  ];
  const responses = await Promise.all(filters.map((f) => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(f)}&count=10`)));
  const pages = responses.map((r) => r.json() as { totalResults: number; itemsPerPage: number; Resources?: { externalId: string }[] });
  expect(responses.map((r) => r.statusCode)).toEqual(Array(filters.length).fill(200));
  expect(pages.map((p) => p.totalResults)).toEqual([1, 1, 1, 1, 1, 0, 1, 1]);
  expect(pages.map((p) => (p.Resources ?? []).map((u) => u.externalId))).toEqual([['k-0'], ['k-1'], ['k-2'], ['k-3'], ['k-4'], [], ['k-3'], ['k-1']]);
});
