// Which source wins (docs/sso.md): every write path records, per attribute, the source and time
// of its stored value (scim_users.sources, migration 0014), and `sso.prefer` decides per profile
// field whether a login may overwrite what SCIM wrote (or SCIM what a login wrote); the default is
// the most recent value. Also: a login never deactivates. Real app (inject), the worker's database.

import { describe, expect, it } from 'vitest';
import { importFeedUsers } from '../../server/feed-import.ts';
import { ENTERPRISE, planOf, sha256Hex, uniqueTenant, useTestApp, userBody } from './helpers.ts';

const DEPARTMENT = `${ENTERPRISE}:department`;
const preferring = uniqueTenant('prefer');
const latest = uniqueTenant('latest');

const yaml = (t: string, prefer: string) => `tenant: ${t}
tokens: [{ sha256: ${sha256Hex(`secret-${t}`)} }]
key: externalId
profile:
  firstName: name.givenName
  function: title
  department: enterprise.department
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false or enterprise.department eq "Leavers" }
groups:
  - group: Management
    when: function eq "Director"
feeds:
  - name: hr
    format: { type: scim-bulk }
sso:
  protocol: saml
  tokens: [{ sha256: ${sha256Hex(`login-${t}`)} }]
  claims:
    oid: externalId
    upn: userName
    given_name: name.givenName
    jobTitle: title
    department: enterprise.department
${prefer}`;

const preferringYaml = yaml(preferring, '  prefer:\n    function: scim\n    department: login\n');
const latestYaml = yaml(latest, '');
const t = useTestApp(() => [preferringYaml, latestYaml]);

const login = async (to: string, attributes: Record<string, unknown>) => {
  const r = await t.app.inject({
    method: 'POST',
    url: `/api/v1/tenants/${to}/logins`,
    headers: { authorization: `Bearer login-${to}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ attributes }),
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as { accountId: string; created: boolean; status: string; reason: string | null; profile: Record<string, unknown>; groups: string[] };
};

async function row(to: string, id: string) {
  const r = await t.db.selectFrom('scim_users').selectAll().where('tenant', '=', to).where('id', '=', id).executeTakeFirstOrThrow();
  const sources = (typeof r.sources === 'string' ? JSON.parse(r.sources) : r.sources) as Record<string, { source: string; at: string }> | null;
  return { ...r, sources: sources ?? {} };
}

const created = async (to: string, oid: string, extra: Record<string, unknown> = {}) => {
  const r = await t.scim(to, 'POST', '/Users', userBody(oid, `${oid}@contoso.example`, extra));
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
};

describe('prefer: scim and prefer: login', () => {
  it('a login does not overwrite the job title SCIM sent when `function` prefers scim, and its answer shows SCIM\'s', async () => {
    const id = await created(preferring, 'oid-p1', { title: 'Engineer' });
    const answer = await login(preferring, { oid: 'oid-p1', jobTitle: 'Director', given_name: 'Meg' });
    expect(answer).toMatchObject({ accountId: id, created: false, profile: { function: 'Engineer', firstName: 'Meg' }, groups: [] });
    const stored = await row(preferring, id);
    expect(stored.resource['title']).toBe('Engineer');
    expect(stored.sources['title']!.source).toBe('scim');
    expect(stored.sources['name']).toEqual({ source: 'login', at: stored.updated_at.toISOString() });
    // SCIM itself still changes it.
    const patch = await t.scim(preferring, 'PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Director' }] });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await login(preferring, { oid: 'oid-p1', jobTitle: 'Engineer' })).profile['function']).toBe('Director');
  });

  it('SCIM does not overwrite or remove the department a login wrote when `department` prefers login', async () => {
    const first = await login(preferring, { oid: 'oid-p2', upn: 'p2@contoso.example', department: 'Sales' });
    expect(first.created).toBe(true);
    const patch = await t.scim(preferring, 'PATCH', `/Users/${first.accountId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'R&D' }, { op: 'replace', path: 'title', value: 'CFO' }],
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect(patch.json()[ENTERPRISE]).toEqual({ department: 'Sales' });
    expect(patch.json().title).toBe('CFO');
    // A full PUT without the department keeps it too.
    const put = await t.scim(preferring, 'PUT', `/Users/${first.accountId}`, userBody('oid-p2', 'p2@contoso.example', { title: 'CFO' }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()[ENTERPRISE]).toEqual({ department: 'Sales' });
    const stored = await row(preferring, first.accountId);
    expect(stored.sources[DEPARTMENT]).toEqual({ source: 'login', at: stored.created_at.toISOString() });
    expect(stored.sources['title']!.source).toBe('scim');
    // The next login changes it.
    expect((await login(preferring, { oid: 'oid-p2', department: 'R&D' })).profile['department']).toBe('R&D');
  });
});

describe('a feed import plans as its write decides', () => {
  it('a dry run counts `unchanged`, not `updated`, when only an attribute that `prefer` protects from it differs', async () => {
    const first = await login(preferring, { oid: 'oid-f1', upn: 'f1@contoso.example', department: 'Sales' });
    const before = await row(preferring, first.accountId);
    const plan = planOf(preferringYaml);
    const feed = plan.feeds[0]!;
    const ctx = { db: t.db, plan, requestId: 'feed-test' };
    // The feed sends the stored user with another department: the department a login wrote is
    // protected from it (`department: login`), so the write would store the account as it is.
    const resent = { ...before.resource, [ENTERPRISE]: { department: 'R&D' } };
    const dry = await importFeedUsers(ctx, feed, [{ key: 'oid-f1', row: 1, user: resent }], { dryRun: true });
    expect(dry.records.map((r) => r.outcome)).toEqual(['unchanged']);
    const done = await importFeedUsers(ctx, feed, [{ key: 'oid-f1', row: 1, user: resent }]);
    expect(done.records.map((r) => r.outcome)).toEqual(['unchanged']);
    const after = await row(preferring, first.accountId);
    expect(after.version).toBe(before.version);
    expect((after.resource as Record<string, Record<string, unknown>>)[ENTERPRISE]!['department']).toBe('Sales');
    // A change the preference does not protect is still `updated`, in the dry run and the write.
    const retitled = { ...resent, title: 'Director' };
    expect((await importFeedUsers(ctx, feed, [{ key: 'oid-f1', row: 1, user: retitled }], { dryRun: true })).records.map((r) => r.outcome)).toEqual(['updated']);
    expect((await importFeedUsers(ctx, feed, [{ key: 'oid-f1', row: 1, user: retitled }])).records.map((r) => r.outcome)).toEqual(['updated']);
    expect((await row(preferring, first.accountId)).sources[DEPARTMENT]!.source).toBe('login');
  });
});

describe('the default: the most recent value wins', () => {
  it('a login overwrites SCIM\'s job title, and a later SCIM change overwrites the login\'s', async () => {
    const id = await created(latest, 'oid-l1', { title: 'Engineer' });
    const answer = await login(latest, { oid: 'oid-l1', jobTitle: 'Director' });
    expect(answer.profile['function']).toBe('Director');
    expect(answer.groups).toEqual(['Management']);
    expect((await row(latest, id)).sources['title']!.source).toBe('login');
    const put = await t.scim(latest, 'PUT', `/Users/${id}`, userBody('oid-l1', 'oid-l1@contoso.example', { title: 'Engineer' }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().title).toBe('Engineer');
    const stored = await row(latest, id);
    expect(stored.sources['title']).toEqual({ source: 'scim', at: stored.updated_at.toISOString() });
    // A login that carries no job title leaves it alone.
    expect((await login(latest, { oid: 'oid-l1', given_name: 'Ada' })).profile['function']).toBe('Engineer');
  });
});

describe('every write path records sources and times', () => {
  it('SCIM POST, PUT, PATCH, Bulk, a login and a feed import', async () => {
    const id = await created(latest, 'oid-s1', { title: 'Engineer' });
    let stored = await row(latest, id);
    const at = stored.created_at.toISOString();
    expect(stored.sources).toEqual({
      externalId: { source: 'scim', at },
      userName: { source: 'scim', at },
      active: { source: 'scim', at },
      name: { source: 'scim', at },
      emails: { source: 'scim', at },
      title: { source: 'scim', at },
    });

    expect((await t.scim(latest, 'PUT', `/Users/${id}`, userBody('oid-s1', 'oid-s1@contoso.example', { title: 'Architect' }))).statusCode).toBe(200);
    stored = await row(latest, id);
    expect(stored.sources['title']).toEqual({ source: 'scim', at: stored.updated_at.toISOString() });
    expect(stored.sources['userName']).toEqual({ source: 'scim', at });

    await login(latest, { oid: 'oid-s1', jobTitle: 'Director' });
    stored = await row(latest, id);
    expect(stored.sources['title']).toEqual({ source: 'login', at: stored.updated_at.toISOString() });

    const patched = await t.scim(latest, 'PATCH', `/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'nickName', value: 'Ace' }] });
    expect(patched.statusCode, patched.body).toBe(200);
    stored = await row(latest, id);
    expect(stored.sources['nickName']).toEqual({ source: 'scim', at: stored.updated_at.toISOString() });
    expect(stored.sources['title']!.source).toBe('login');

    const bulk = await t.scim(latest, 'POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [{ method: 'POST', path: '/Users', bulkId: 'b1', data: userBody('oid-s2', 'oid-s2@contoso.example', { title: 'Analyst' }) }],
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    const bulkId = (bulk.json().Operations[0].location as string).split('/').pop()!;
    const viaBulk = await row(latest, bulkId);
    expect(viaBulk.sources['title']).toEqual({ source: 'scim', at: viaBulk.created_at.toISOString() });

    const plan = planOf(latestYaml);
    const result = await importFeedUsers({ db: t.db, plan, requestId: 'feed-test' }, plan.feeds[0]!, [
      { key: 'oid-s1', row: 1, user: userBody('oid-s1', 'oid-s1@contoso.example', { title: 'Director', nickName: 'Ace', [ENTERPRISE]: { department: 'Sales' } }) },
    ]);
    expect(result.records.map((r) => r.outcome)).toEqual(['updated']);
    stored = await row(latest, id);
    expect(stored.sources[DEPARTMENT]).toEqual({ source: 'feed:hr', at: stored.updated_at.toISOString() });
    // The feed sent the title the login wrote: its value, and so its source, did not change.
    expect(stored.sources['title']!.source).toBe('login');
  });
});

describe('a login never deactivates', () => {
  it('an active account stays active when the login\'s values make the deactivation condition hold', async () => {
    const id = await created(latest, 'oid-d1', { [ENTERPRISE]: { department: 'Sales' } });
    const answer = await login(latest, { oid: 'oid-d1', department: 'Leavers' });
    expect(answer).toMatchObject({ accountId: id, status: 'active', reason: null, profile: { department: 'Leavers' } });
    expect((await row(latest, id)).status).toBe('active');
    const fresh = await login(latest, { oid: 'oid-d2', upn: 'd2@contoso.example', department: 'Leavers' });
    expect(fresh).toMatchObject({ created: true, status: 'active', reason: null });
  });

  it('a deactivated account stays deactivated, with its reason, whatever the login carries', async () => {
    const id = await created(latest, 'oid-d3', { active: false });
    expect((await row(latest, id)).status).toBe('deactivated');
    const answer = await login(latest, { oid: 'oid-d3', jobTitle: 'Director', department: 'Sales' });
    expect(answer).toMatchObject({ accountId: id, status: 'deactivated', reason: 'deactivate.when: active eq false' });
    expect((await row(latest, id)).status).toBe('deactivated');
  });
});
