// Server: the /Users provisioning round trip through real HTTP (inject) on one database.

import { describe, expect, it } from 'vitest';
import { ENTERPRISE, SCIMPLAN, tenantYaml, uniqueTenant, userBody, useTestApp, settledEvents } from './helpers.ts';

const tenant = uniqueTenant('users');
const t = useTestApp(() => [tenantYaml(tenant)]);

describe('/Users', () => {
  it('creates, reads, replaces, patches and deletes a user', async () => {
    const created = await t.scim(tenant, 'POST', '/Users', userBody('k-1', 'ada@example.com', { title: 'Engineer', [ENTERPRISE]: { department: 'R&D' } }));
    expect(created.statusCode).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/);
    const user = created.json();
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.userName).toBe('ada@example.com');
    expect(user.meta).toMatchObject({ resourceType: 'User', version: 'W/"1"' });
    expect(created.headers.location).toBe(user.meta.location);
    expect(user.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, SCIMPLAN]);
    expect(user[SCIMPLAN]).toMatchObject({ status: 'active', deactivatedAt: null, profile: { function: 'Engineer', department: 'R&D', email: 'ada@example.com' } });

    const got = await t.scim(tenant, 'GET', `/users/${user.id}/`);
    expect(got.statusCode).toBe(200);
    expect(got.json().id).toBe(user.id);

    const replaced = await t.scim(tenant, 'PUT', `/Users/${user.id}`, userBody('k-1', 'ada@example.com', { title: 'Director' }));
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().meta.version).toBe('W/"2"');
    expect(replaced.json()[SCIMPLAN].profile.function).toBe('Director');
    expect(replaced.json().groups.map((g: { display: string }) => g.display)).toEqual(['Management']);

    const patched = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'title', value: 'CFO' }],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().title).toBe('CFO');
    expect(patched.json().meta.version).toBe('W/"3"');

    const deleted = await t.scim(tenant, 'DELETE', `/Users/${user.id}`);
    expect(deleted.statusCode).toBe(204);
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const body = method === 'PUT' ? userBody('k-1', 'ada@example.com') : method === 'PATCH' ? { Operations: [{ op: 'replace', path: 'title', value: 'x' }] } : undefined;
      const after = await t.scim(tenant, method, `/Users/${user.id}`, body);
      expect(after.statusCode, method).toBe(404);
      expect(after.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    }
  });

  it('answers 409 uniqueness on a duplicate key and re-links a deleted account', async () => {
    const first = (await t.scim(tenant, 'POST', '/Users', userBody('k-2', 'bob@example.com'))).json();
    const duplicate = await t.scim(tenant, 'POST', '/Users', userBody('k-2', 'other@example.com'));
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });

    const sameName = await t.scim(tenant, 'POST', '/Users', userBody('k-3', 'BOB@example.com'));
    expect(sameName.statusCode).toBe(409);

    expect((await t.scim(tenant, 'DELETE', `/Users/${first.id}`)).statusCode).toBe(204);
    const relinked = await t.scim(tenant, 'POST', '/Users', userBody('k-2', 'bob2@example.com'));
    expect(relinked.statusCode).toBe(201);
    expect(relinked.json().id).toBe(first.id);
    expect(relinked.json().userName).toBe('bob2@example.com');
    const events = await settledEvents(t.db, tenant);
    expect(events.filter((e) => e.accountId === first.id).map((e) => e.type)).toEqual(['user.created', 'user.deleted', 'user.relinked']);
  });

  it('rejects a key change with 400 mutability, changes nothing and audits it', async () => {
    const user = (await t.scim(tenant, 'POST', '/Users', userBody('k-4', 'cy@example.com'))).json();
    const put = await t.scim(tenant, 'PUT', `/Users/${user.id}`, userBody('k-4-changed', 'cy@example.com', { title: 'CFO' }));
    expect(put.statusCode).toBe(400);
    expect(put.json()).toMatchObject({ status: '400', scimType: 'mutability' });
    const patch = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'externalId', value: 'k-5' }] });
    expect(patch.json().scimType).toBe('mutability');
    const after = (await t.scim(tenant, 'GET', `/Users/${user.id}`)).json();
    expect(after.externalId).toBe('k-4');
    expect(after.title).toBeUndefined();
    expect(after.meta.version).toBe('W/"1"');
    const events = await settledEvents(t.db, tenant);
    const rejected = events.filter((e) => e.accountId === user.id && e.type === 'user.key_change_rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toMatchObject({ fields: ['externalId'], configHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('answers 400 naming the key attribute when the key is missing', async () => {
    const body = userBody('x', 'nokey@example.com');
    delete body['externalId'];
    const res = await t.scim(tenant, 'POST', '/Users', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().scimType).toBe('invalidValue');
    expect(res.json().detail).toContain('externalId');
  });

  it('deactivates on active eq false (Entra sends "False") and reactivates', async () => {
    const user = (await t.scim(tenant, 'POST', '/Users', userBody('k-6', 'dee@example.com'))).json();
    const off = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
    expect(off.json()[SCIMPLAN]).toMatchObject({ status: 'deactivated', reason: 'deactivate.when: active eq false' });
    expect(off.json()[SCIMPLAN].deactivatedAt).toMatch(/^\d{4}-/);
    const on = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.json()[SCIMPLAN]).toMatchObject({ status: 'active', deactivatedAt: null, reason: null });
    const types = (await settledEvents(t.db, tenant)).filter((e) => e.accountId === user.id).map((e) => e.type);
    // `active` is no profile field: each PATCH writes its status event and no empty `user.updated`.
    expect(types).toEqual(['user.created', 'user.deactivated', 'user.reactivated']);
  });

  it('creates a deactivated user when the condition holds at create', async () => {
    const res = await t.scim(tenant, 'POST', '/Users', userBody('k-7', 'eve@example.com', { active: 'False' }));
    expect(res.statusCode).toBe(201);
    expect(res.json()[SCIMPLAN].status).toBe('deactivated');
  });

  it('adds group memberships by rule and never removes them', async () => {
    const user = (await t.scim(tenant, 'POST', '/Users', userBody('k-8', 'fay@example.com', { title: 'Director' }))).json();
    expect(user.groups.map((g: { display: string }) => g.display)).toEqual(['Management']);
    const moved = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, {
      Operations: [
        { op: 'replace', path: 'title', value: 'Seller' },
        { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' },
      ],
    });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().groups.map((g: { display: string }) => g.display).sort()).toEqual(['Management', 'Sales']);
    const events = (await settledEvents(t.db, tenant)).filter((e) => e.accountId === user.id && e.type === 'group.member_added');
    expect(events).toHaveLength(2);
  });

  it('lists with filter, paging, sorting and projection', async () => {
    for (let i = 0; i < 5; i++) await t.scim(tenant, 'POST', '/Users', userBody(`list-${i}`, `list${i}@list.example`));
    const page = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName sw "list"')}&startIndex=2&count=2&sortBy=userName&sortOrder=descending&attributes=userName`);
    expect(page.statusCode).toBe(200);
    const body = page.json();
    expect(body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(body.Resources.map((r: { userName: string }) => r.userName)).toEqual(['list3@list.example', 'list2@list.example']);
    expect(body.Resources[0].emails).toBeUndefined();
    expect(body.Resources[0].id).toBeDefined();

    const none = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName eq "5b8b9f1e-0000-4000-8000-000000000000"')}`);
    expect(none.json()).toMatchObject({ totalResults: 0, Resources: [] });

    const search = await t.scim(tenant, 'POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'externalId eq "list-4"' });
    expect(search.json().Resources.map((r: { externalId: string }) => r.externalId)).toEqual(['list-4']);

    const bad = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName xx "a"')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().scimType).toBe('invalidFilter');
  });

  it('honours If-Match', async () => {
    const user = (await t.scim(tenant, 'POST', '/Users', userBody('k-9', 'gil@example.com'))).json();
    const stale = await t.scim(tenant, 'PUT', `/Users/${user.id}`, userBody('k-9', 'gil@example.com'), { 'if-match': 'W/"7"' });
    expect(stale.statusCode).toBe(412);
    const fresh = await t.scim(tenant, 'PUT', `/Users/${user.id}`, userBody('k-9', 'gil@example.com'), { 'if-match': 'W/"1"' });
    expect(fresh.statusCode).toBe(200);
  });
});
