// Server: /Groups end to end: create, adoption of rule groups, filters, projection, every PATCH
// dialect, membership sources, delete semantics, atomic PATCH, concurrency and the SQL it runs.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, ENTERPRISE, tenantYaml, uniqueTenant, userBody, useTestApp, type TestApp, recordingQueries } from './helpers.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const tenant = uniqueTenant('groups');
const other = uniqueTenant('groups-other');
const renamed = uniqueTenant('groups-renamed');
const t = useTestApp(() => [tenantYaml(tenant), tenantYaml(other), tenantYaml(renamed)]);
/** The same app over a kysely that records every query it runs. */
let recorded: TestApp;
const queries: string[] = [];

beforeAll(async () => {
  recorded = buildTestApp(recordingQueries(t.db, queries), [tenantYaml(tenant)]);
});
afterAll(async () => {
  await recorded.app.close();
});

async function newUser(extra: Record<string, unknown> = {}, on = tenant): Promise<string> {
  const key = randomUUID();
  const res = await t.scim(on, 'POST', '/Users', userBody(key, `${key}@example.com`, extra));
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

async function newGroup(displayName: string, members: string[] = []): Promise<string> {
  const res = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName, members: members.map((value) => ({ value })) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function memberIds(id: string): Promise<string[]> {
  const res = await t.scim(tenant, 'GET', `/Groups/${id}`);
  expect(res.statusCode).toBe(200);
  return ((res.json().members ?? []) as { value: string }[]).map((m) => m.value).sort();
}

const patch = (id: string, Operations: unknown[], headers?: Record<string, string>) =>
  t.scim(tenant, 'PATCH', `/Groups/${id}`, { schemas: [PATCH_OP], Operations }, headers);

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

describe('create, read, list', () => {
  it('creates a group with members and answers 201 with meta, Location and ETag', async () => {
    const u = await newUser();
    const res = await t.scim(tenant, 'POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      externalId: 'ext-eng',
      members: [{ value: u, display: 'ignored', $ref: null }],
    });
    expect(res.statusCode).toBe(201);
    const g = res.json();
    expect(g).toMatchObject({
      schemas: [GROUP],
      displayName: 'Engineering',
      externalId: 'ext-eng',
      members: [{ value: u, type: 'User' }],
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    expect(g.members[0].display).toMatch(/@example\.com$/);
    expect(g.meta.location).toMatch(new RegExp(`/scim/v2/${tenant}/Groups/${g.id}$`));
    expect(res.headers.location).toBe(g.meta.location);
    expect(res.headers.etag).toBe('W/"1"');

    const byPath = await t.scim(tenant, 'GET', `/groups/${g.id}/`);
    expect(byPath.statusCode).toBe(200);
    expect(byPath.json()).toEqual(g);

    const user = (await t.scim(tenant, 'GET', `/Users/${u}`)).json();
    expect(user.groups).toEqual([expect.objectContaining({ value: g.id, display: 'Engineering' })]);
  });

  it('keeps displayName unique per tenant, case-insensitively', async () => {
    await newGroup('Finance');
    const dup = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'FINANCE' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect((await t.scim(other, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Finance' })).statusCode).toBe(201);
    const rename = await newGroup('Finance 2');
    const clash = await patch(rename, [{ op: 'replace', path: 'displayName', value: 'finance' }]);
    expect(clash.statusCode).toBe(409);
  });

  it('refuses a group without displayName and ignores id, meta and unknown attributes', async () => {
    expect((await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP] })).statusCode).toBe(400);
    const res = await t.scim(tenant, 'POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'],
      id: 'client-id',
      displayName: 'Odd',
      meta: { resourceType: 'Group' },
      description: 'unknown',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).not.toBe('client-id');
    expect(res.json().description).toBeUndefined();
  });

  it('filters on displayName, externalId, id and members.value, pages, and projects', async () => {
    const a = await newUser();
    const b = await newUser();
    const g1 = await newGroup('Filter One', [a]);
    const g2 = await newGroup('Filter Two', [a, b]);
    await patch(g2, [{ op: 'add', path: 'externalId', value: 'ext-two' }]);
    const ids = async (query: string) => {
      const res = await t.scim(tenant, 'GET', `/Groups?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().Resources as { id: string }[]).map((r) => r.id).sort();
    };
    expect(await ids(q('displayName eq "filter one"'))).toEqual([g1]);
    expect(await ids(q('externalId eq "ext-two"'))).toEqual([g2]);
    expect(await ids(q(`id eq "${g1}"`))).toEqual([g1]);
    expect(await ids(q(`members.value eq "${b}"`))).toEqual([g2]);
    expect(await ids(q(`members[value eq "${a}"]`))).toEqual([g1, g2].sort());
    expect(await ids(q(`displayName sw "Filter" and members.value eq "${b}"`))).toEqual([g2]);
    expect(await ids(q('displayName eq "nope"'))).toEqual([]);
    expect(await ids(q(`members.value eq "not-a-uuid"`))).toEqual([]);

    const page = (await t.scim(tenant, 'GET', `/Groups?${q('displayName sw "Filter"')}&startIndex=2&count=1&sortBy=displayName`)).json();
    expect(page).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(page.Resources[0].id).toBe(g2);

    const excluded = (await t.scim(tenant, 'GET', `/Groups?${q(`id eq "${g2}"`)}&excludedAttributes=members`)).json();
    expect(excluded.Resources[0].members).toBeUndefined();
    expect(excluded.Resources[0].displayName).toBe('Filter Two');
    const only = (await t.scim(tenant, 'GET', `/Groups/${g2}?attributes=displayName`)).json();
    expect(Object.keys(only).sort()).toEqual(['displayName', 'id', 'schemas']);
    expect(await ids(q(`meta.resourceType eq "Group" and id eq "${g1}"`))).toEqual([g1]);
    expect(await ids(q(`meta.resourceType eq "User" and id eq "${g1}"`))).toEqual([]);
    const search = await t.scim(tenant, 'POST', '/Groups/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `members.value eq "${b}"`,
      excludedAttributes: ['members'],
    });
    expect(search.statusCode).toBe(200);
    expect(search.json().Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect(search.json().Resources[0].id).toBe(g2);
    const bad = await t.scim(tenant, 'GET', `/Groups?${q('title eq "x"')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().scimType).toBe('invalidFilter');
  });

  it('never reads memberships for excludedAttributes=members or attributes=displayName', async () => {
    const u = await newUser();
    const g = await newGroup('Quiet', [u]);
    for (const query of ['excludedAttributes=members', 'attributes=displayName', 'excludedAttributes=Members']) {
      queries.length = 0;
      const list = await recorded.scim(tenant, 'GET', `/Groups?${q('displayName eq "Quiet"')}&${query}`);
      expect(list.json().totalResults).toBe(1);
      const one = await recorded.scim(tenant, 'GET', `/Groups/${g}?${query}`);
      expect(one.statusCode).toBe(200);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.filter((s) => s.includes('memberships')), query).toEqual([]);
    }
    queries.length = 0;
    await recorded.scim(tenant, 'GET', `/Groups/${g}`);
    expect(queries.some((s) => s.includes('memberships'))).toBe(true);
  });
});

describe('PATCH dialects', () => {
  it('adds, removes by value list, by value filter, all, and replaces, answering 204', async () => {
    const [a, b, c, d] = [await newUser(), await newUser(), await newUser(), await newUser()];
    const g = await newGroup('Dialects');

    let res = await patch(g, [{ op: 'Add', path: 'members', value: [{ $ref: null, value: a }, { value: b }, { value: c }] }]);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers.etag).toBe('W/"2"');
    expect(await memberIds(g)).toEqual([a, b, c].sort());

    // Entra: removal by value list removes only those.
    res = await patch(g, [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] }]);
    expect(res.statusCode).toBe(204);
    expect(await memberIds(g)).toEqual([b, c].sort());

    // Okta: removal by value filter.
    res = await patch(g, [{ op: 'remove', path: `members[value eq "${b}"]` }]);
    expect(res.statusCode).toBe(204);
    expect(await memberIds(g)).toEqual([c]);

    // A full members replace.
    res = await patch(g, [{ op: 'REPLACE', path: 'members', value: [{ value: a }, { value: d }] }]);
    expect(res.statusCode).toBe(204);
    expect(await memberIds(g)).toEqual([a, d].sort());

    // A filter other than value equality.
    res = await patch(g, [{ op: 'remove', path: `members[value eq "${a}" or display eq "nobody"]` }]);
    expect(await memberIds(g)).toEqual([d]);
    res = await patch(g, [{ op: 'remove', path: `members[type eq "User"]` }]);
    expect(await memberIds(g)).toEqual([]);

    // Path `members` without a value removes all.
    await patch(g, [{ op: 'add', path: 'members', value: [{ value: a }, { value: b }] }]);
    res = await patch(g, [{ op: 'remove', path: 'members' }]);
    expect(res.statusCode).toBe(204);
    expect(await memberIds(g)).toEqual([]);

    // Removing a member twice, or one never added, changes nothing.
    expect((await patch(g, [{ op: 'remove', path: `members[value eq "${c}"]` }])).statusCode).toBe(204);
  });

  it("renames by path and by Okta's path-less replace carrying id and displayName", async () => {
    const g = await newGroup('Before');
    expect((await patch(g, [{ op: 'Replace', path: 'displayName', value: 'Middle' }])).statusCode).toBe(204);
    expect((await t.scim(tenant, 'GET', `/Groups/${g}`)).json().displayName).toBe('Middle');
    const u = await newUser();
    const res = await patch(g, [
      { op: 'replace', value: { id: g, displayName: 'After' } },
      { op: 'replace', value: { members: [{ value: u, display: 'someone' }], externalId: 'x-1' } },
    ]);
    expect(res.statusCode).toBe(204);
    const got = (await t.scim(tenant, 'GET', `/Groups/${g}`)).json();
    expect(got).toMatchObject({ displayName: 'After', externalId: 'x-1', members: [{ value: u }] });
    expect((await patch(g, [{ op: 'remove', path: 'displayName' }])).statusCode).toBe(400);
  });

  it('refuses unknown, deleted and foreign members and applies nothing of that PATCH', async () => {
    const a = await newUser();
    const g = await newGroup('Atomic');
    const version = (await t.scim(tenant, 'GET', `/Groups/${g}`)).json().meta.version;
    const foreign = await newUser({}, other);
    const gone = await newUser();
    expect((await t.scim(tenant, 'DELETE', `/Users/${gone}`)).statusCode).toBe(204);
    for (const bad of [randomUUID(), foreign, gone, 'not-an-id']) {
      const res = await patch(g, [
        { op: 'replace', path: 'displayName', value: 'Atomic renamed' },
        { op: 'add', path: 'members', value: [{ value: a }, { value: bad }] },
      ]);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(res.json().detail).toMatch(/is not a live user of this tenant; nothing was changed$/);
      if (bad !== 'not-an-id') expect(res.json().detail).toContain(bad);
    }
    const after = (await t.scim(tenant, 'GET', `/Groups/${g}`)).json();
    expect(after).toMatchObject({ displayName: 'Atomic', meta: { version } });
    expect(after.members).toBeUndefined();
    const post = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Never', members: [{ value: foreign }] });
    expect(post.statusCode).toBe(400);
    expect((await t.scim(tenant, 'GET', `/Groups?${q('displayName eq "Never"')}`)).json().totalResults).toBe(0);
    expect((await patch(g, [{ op: 'add', path: 'members', value: [{ value: randomUUID(), type: 'Group' }] }])).statusCode).toBe(400);
  });

  it('checks If-Match and answers 404 for unknown and other tenants\' groups', async () => {
    const g = await newGroup('Versioned');
    expect((await patch(g, [{ op: 'replace', path: 'externalId', value: 'v' }], { 'if-match': 'W/"7"' })).statusCode).toBe(412);
    expect((await patch(g, [{ op: 'replace', path: 'externalId', value: 'v' }], { 'if-match': 'W/"1"' })).statusCode).toBe(204);
    expect((await t.scim(other, 'GET', `/Groups/${g}`)).statusCode).toBe(404);
    expect((await t.scim(other, 'PATCH', `/Groups/${g}`, { schemas: [PATCH_OP], Operations: [] })).statusCode).toBe(404);
    expect((await t.scim(tenant, 'GET', `/Groups/${randomUUID()}`)).statusCode).toBe(404);
  });
});

describe('rule groups and client groups are one set', () => {
  it('adopts a rule group on POST, keeps rule memberships on client removal', async () => {
    const ruled = await newUser({ [ENTERPRISE]: { department: 'Sales' } });
    const sales = (await t.scim(tenant, 'GET', `/Groups?${q('displayName eq "Sales"')}`)).json().Resources[0];
    expect(sales.members).toEqual([expect.objectContaining({ value: ruled })]);

    const plain = await newUser();
    const adopt = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'sales', externalId: 'entra-sales', members: [{ value: plain }] });
    expect(adopt.statusCode).toBe(201);
    expect(adopt.json().id).toBe(sales.id);
    expect(adopt.json().displayName).toBe('Sales');
    expect(adopt.json().members.map((m: { value: string }) => m.value).sort()).toEqual([ruled, plain].sort());
    expect((await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Sales' })).statusCode).toBe(409);

    // The client adds the rule's member too, then removes it: the rule's source stays.
    await patch(sales.id, [{ op: 'add', path: 'members', value: [{ value: ruled }] }]);
    await patch(sales.id, [{ op: 'remove', path: 'members', value: [{ value: ruled }, { value: plain }] }]);
    expect(await memberIds(sales.id)).toEqual([ruled]);
    await patch(sales.id, [{ op: 'replace', path: 'members', value: [] }]);
    expect(await memberIds(sales.id)).toEqual([ruled]);
    const row = await t.db.selectFrom('memberships').selectAll().where('group_id', '=', sales.id).execute();
    expect(row).toEqual([expect.objectContaining({ user_id: ruled, via_rule: true, via_client: false })]);

    // The rule keeps adding after the client touched the group.
    const later = await newUser({ [ENTERPRISE]: { department: 'Sales' } });
    expect(await memberIds(sales.id)).toEqual([ruled, later].sort());
  });

  it("follows a client's rename of a rule group: the rule's next users join a new group of the rule's name", async () => {
    const sales = { [ENTERPRISE]: { department: 'Sales' } };
    const salesGroups = async () => (await t.scim(renamed, 'GET', `/Groups?${q('displayName sw "Sales"')}`)).json().Resources as { id: string; displayName: string; members?: { value: string }[] }[];
    const first = await newUser(sales, renamed);
    // The second create names the group this process has seen by id (db/rule-group-ids.ts).
    const second = await newUser(sales, renamed);
    const [group] = await salesGroups();
    expect(group!.members!.map((m) => m.value).sort()).toEqual([first, second].sort());
    const rename = await t.scim(renamed, 'PATCH', `/Groups/${group!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Sales EMEA' }] });
    expect(rename.statusCode).toBe(204);

    const key = randomUUID();
    const third = await t.scim(renamed, 'POST', '/Users', userBody(key, `${key}@example.com`, sales));
    expect(third.statusCode).toBe(201);
    const after = await salesGroups();
    const fresh = after.find((g) => g.displayName === 'Sales')!;
    expect(fresh.id).not.toBe(group!.id);
    expect(third.json().groups).toEqual([{ value: fresh.id, display: 'Sales', type: 'direct' }]);
    expect(after.find((g) => g.id === group!.id)!.members!.map((m) => m.value).sort()).toEqual([first, second].sort());

    // An update of a user who holds only the renamed group joins the rule's group too.
    const patched = await t.scim(renamed, 'PATCH', `/Users/${first}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Clerk' }] });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().groups.map((g: { display: string }) => g.display)).toEqual(['Sales', 'Sales EMEA']);
    expect((await t.scim(renamed, 'GET', `/Users/${first}`)).json().groups).toEqual(patched.json().groups);
  });

  it('DELETE soft-deletes a client group, but only clears the client part of a group a rule names', async () => {
    const u = await newUser();
    const g = await newGroup('Temporary', [u]);
    expect((await t.scim(tenant, 'DELETE', `/Groups/${g}`)).statusCode).toBe(204);
    expect((await t.scim(tenant, 'GET', `/Groups/${g}`)).statusCode).toBe(404);
    expect((await t.scim(tenant, 'DELETE', `/Groups/${g}`)).statusCode).toBe(404);
    expect((await t.scim(tenant, 'GET', `/Users/${u}`)).json().groups).toBeUndefined();
    expect((await newGroup('temporary')) === g).toBe(false);

    const director = await newUser({ title: 'Director' });
    const mgmt = (await t.scim(tenant, 'GET', `/Groups?${q('displayName eq "Management"')}`)).json().Resources[0].id as string;
    const client = await newUser();
    const adopt = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Management', members: [{ value: client }] });
    expect(adopt.json().id).toBe(mgmt);
    expect((await t.scim(tenant, 'DELETE', `/Groups/${mgmt}`)).statusCode).toBe(204);
    expect(await memberIds(mgmt)).toEqual([director]);
    // Released: the next POST adopts it again.
    expect((await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Management' })).statusCode).toBe(201);
  });
});

it('20 concurrent PATCHes adding different members to one group all survive', async () => {
  const users = await Promise.all(Array.from({ length: 20 }, () => newUser()));
  const g = await newGroup('Crowd');
  const responses = await Promise.all(users.map((u) => patch(g, [{ op: 'add', path: 'members', value: [{ value: u }] }])));
  expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(204));
  expect(await memberIds(g)).toEqual([...users].sort());
  expect((await t.scim(tenant, 'GET', `/Groups/${g}`)).json().meta.version).toBe('W/"21"');
  const events = await t.db.selectFrom('events').select('type').where('group_id', '=', g).where('type', '=', 'group.member_added').execute();
  expect(events).toHaveLength(20);
});
