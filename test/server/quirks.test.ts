// Server: what real SCIM clients send that strict parsers refuse: path case and trailing
// slashes, no User-Agent, client-sent meta/null/password/unknown attributes, capitalised
// sub-attributes, booleans as strings, value-path projections and filters, Entra's query flag,
// unquoted filter values. Each is accepted as documented in docs/compatibility.md.

import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, ENTERPRISE, tenantYaml, uniqueTenant, USER_SCHEMA, userBody, useTestApp, type TestApp } from './helpers.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const tenant = uniqueTenant('quirks');
const t = useTestApp(() => [tenantYaml(tenant)]);

const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;
const create = async (key: string, userName: string, extra: Record<string, unknown> = {}) => {
  const res = await t.scim(tenant, 'POST', '/Users', userBody(key, userName, extra));
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string } & Record<string, unknown>;
};

describe('paths', () => {
  it('accepts resource path segments in any case, with a trailing slash', async () => {
    const created = await t.scim(tenant, 'POST', '/USERS/', userBody('q-path', 'path@example.com'));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    for (const path of [`/users/${id}`, `/Users/${id}/`, `/uSeRs/${id}/`]) expect((await t.scim(tenant, 'GET', path)).statusCode, path).toBe(200);
    expect((await t.scim(tenant, 'GET', `/users/${q('userName eq "path@example.com"')}`)).json().totalResults).toBe(1);
    for (const path of ['/serviceproviderconfig/', '/RESOURCETYPES', '/schemas/', '/resourcetypes/user']) {
      expect((await t.scim(tenant, 'GET', path)).statusCode, path).toBe(200);
    }
    expect((await t.scim(tenant, 'POST', '/users/.search/', { filter: 'userName eq "path@example.com"' })).json().totalResults).toBe(1);
    expect((await t.scim(tenant, 'POST', '/bulk/', { Operations: [] })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'PATCH', `/USERS/${id}/`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'title', value: 'T' }] })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'DELETE', `/USERS/${id}/`)).statusCode).toBe(204);
  });

  it('accepts the aadOptscim062020 flag on any request', async () => {
    const flag = 'aadOptscim062020';
    const created = await t.scim(tenant, 'POST', `/Users?${flag}`, userBody('q-flag', 'flag@example.com'));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    for (const path of [`/Users/${id}?${flag}`, `/Users?${flag}&${q('userName eq "flag@example.com"').slice(1)}`, `/Users${q('userName eq "flag@example.com"')}&${flag}`, `/ServiceProviderConfig?${flag}`, `/Schemas?${flag}`, `/ResourceTypes?${flag}`]) {
      expect((await t.scim(tenant, 'GET', path)).statusCode, path).toBe(200);
    }
    expect((await t.scim(tenant, 'GET', `/Users?${flag}&${q('userName eq "flag@example.com"').slice(1)}`)).json().totalResults).toBe(1);
    expect((await t.scim(tenant, 'GET', `/Users?${flag}=true`)).statusCode).toBe(200);
    expect((await t.scim(tenant, 'PATCH', `/Users/${id}?${flag}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'T' }] })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'PUT', `/Users/${id}?${flag}`, userBody('q-flag', 'flag@example.com'))).statusCode).toBe(200);
    expect((await t.scim(tenant, 'POST', `/Bulk?${flag}`, { Operations: [] })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'DELETE', `/Users/${id}?${flag}`)).statusCode).toBe(204);
  });
});

describe('headers', () => {
  it('serves a request without User-Agent (and without Accept) over real HTTP', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const url = new URL(`/scim/v2/${tenant}/Users?count=1`, address);
    const { status, headers } = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      // node's http client sends no User-Agent unless told to.
      const req = httpRequest(url, { method: 'GET', headers: { authorization: `Bearer secret-${tenant}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      });
      req.on('error', reject);
      expect(req.getHeader('user-agent')).toBeUndefined();
      req.end();
    });
    expect(status).toBe(200);
    expect(String(headers['content-type'])).toMatch(/^application\/scim\+json/);
  });

  it('accepts application/json with a charset, and a body without schemas', async () => {
    const res = await t.scim(tenant, 'POST', '/Users', JSON.stringify({ externalId: 'q-json', userName: 'json@example.com' }), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.statusCode).toBe(201);
  });
});

describe('create bodies', () => {
  it('ignores client-sent meta, id and groups, never stores password, skips nulls (also of unknown attributes)', async () => {
    const res = await t.scim(tenant, 'POST', '/Users', {
      ...userBody('q-meta', 'meta@example.com'),
      id: 'client-chosen',
      meta: { resourceType: 'User', version: 'W/"99"', created: 'yesterday', location: 'https://elsewhere/Users/1' },
      password: 'hunter2',
      groups: [{ value: 'g1' }],
      nickName: null,
      title: null,
      name: { givenName: 'Ada', familyName: null, middleName: null },
      phoneNumbers: null,
      emails: [{ type: 'work', value: 'meta@example.com', primary: true, display: null }],
      favouriteColour: null,
      'urn:example:unknown:2.0:User': null,
      [ENTERPRISE]: { department: null, costCenter: 'C1', unknownThing: null },
    });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json();
    expect(user.id).not.toBe('client-chosen');
    expect(user.meta.version).toBe('W/"1"');
    expect(user.meta.location).toContain(`/Users/${user.id}`);
    expect(user.password).toBeUndefined();
    expect(user.groups).toBeUndefined();
    expect(user.title).toBeUndefined();
    expect(user.nickName).toBeUndefined();
    expect(user.name).toEqual({ givenName: 'Ada' });
    expect(user.favouriteColour).toBeUndefined();
    expect(user['urn:example:unknown:2.0:User']).toBeUndefined();
    expect(user[ENTERPRISE]).toEqual({ costCenter: 'C1' });
    const row = await t.db.selectFrom('scim_users').select('resource').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row.resource)).not.toContain('hunter2');
  });

  it('accepts a body that is all nulls except the required attributes', async () => {
    const res = await t.scim(tenant, 'POST', '/Users', { schemas: [USER_SCHEMA], externalId: 'q-null', userName: 'null@example.com', active: null, emails: null, name: null, [ENTERPRISE]: null });
    expect(res.statusCode, res.body).toBe(201);
  });

  it('answers 400, never 500, to null or wrongly typed required attributes', async () => {
    for (const body of [{ externalId: 'q-bad', userName: null }, { externalId: 'q-bad', userName: 42 }, { externalId: 'q-bad', userName: 'bad@example.com', emails: 'x' }, { externalId: 'q-bad', userName: 'bad@example.com', active: 'maybe' }]) {
      const res = await t.scim(tenant, 'POST', '/Users', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  it('reads capitalised sub-attribute names and "True" as true', async () => {
    const res = await t.scim(tenant, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      externalId: 'q-caps',
      UserName: 'caps@example.com',
      Active: 'True',
      Name: { GivenName: 'Grace', FamilyName: 'Hopper' },
      Emails: [{ Primary: 'true', Value: 'caps@example.com', Type: 'work' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const user = res.json();
    expect(user).toMatchObject({ userName: 'caps@example.com', active: true, name: { givenName: 'Grace', familyName: 'Hopper' } });
    expect(user.emails).toEqual([{ primary: true, value: 'caps@example.com', type: 'work' }]);
    const found = await t.scim(tenant, 'GET', `/Users${q('emails[type eq "work"].value eq "caps@example.com"')}`);
    expect(found.json().totalResults).toBe(1);

    const patched = await t.scim(tenant, 'PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[Type eq "work"].Value', value: 'caps2@example.com' },
        { op: 'Replace', path: 'Active', value: 'False' },
        { op: 'Add', value: { 'Name.GivenName': 'G.', DisplayName: 'GH' } },
      ],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ active: false, displayName: 'GH', name: { givenName: 'G.' }, emails: [{ value: 'caps2@example.com', type: 'work', primary: true }] });
  });
});

describe('queries', () => {
  it('projects attributes=emails[type eq "work"] to the matching elements', async () => {
    const user = await create('q-proj', 'proj@example.com', {
      emails: [
        { type: 'work', value: 'proj@example.com', primary: true },
        { type: 'home', value: 'home@example.net' },
      ],
    });
    const one = (await t.scim(tenant, 'GET', `/Users/${user.id}?attributes=${encodeURIComponent('emails[type eq "work"]')}`)).json();
    expect(one.emails).toEqual([{ type: 'work', value: 'proj@example.com', primary: true }]);
    expect(one.userName).toBeUndefined();
    expect(one.id).toBe(user.id);
    const values = (await t.scim(tenant, 'GET', `/Users/${user.id}?attributes=${encodeURIComponent('emails[type eq "work"].value')}`)).json();
    expect(values.emails).toEqual([{ value: 'proj@example.com' }]);
    const listed = (await t.scim(tenant, 'GET', `/Users${q('userName eq "proj@example.com"')}&attributes=${encodeURIComponent('emails[type eq "home"]')}`)).json();
    expect(listed.Resources[0].emails).toEqual([{ type: 'home', value: 'home@example.net' }]);
  });

  it('filters on value paths with a sub-attribute, dotted multi-valued paths, and unquoted values', async () => {
    const user = await create('q-filter', 'filter@example.com', {
      emails: [
        { type: 'work', value: 'filter@example.com' },
        { type: 'home', value: 'filter-home@example.net' },
      ],
    });
    const hits = async (filter: string) => {
      const res = await t.scim(tenant, 'GET', `/Users${q(filter)}`);
      expect(res.statusCode, `${filter}: ${res.body}`).toBe(200);
      return (res.json().Resources as { id: string }[]).map((r) => r.id);
    };
    expect(await hits('emails[type eq "work"].value eq "filter@example.com"')).toEqual([user.id]);
    expect(await hits('emails[type eq "work"].value eq "filter-home@example.net"')).toEqual([]);
    expect(await hits('emails.value eq "filter-home@example.net"')).toEqual([user.id]);
    expect(await hits('emails.value eq "FILTER@example.com"')).toEqual([user.id]);
    expect(await hits('emails[type eq work and value co "filter"]')).toEqual([user.id]);
    expect(await hits('userName eq filter@example.com')).toEqual([user.id]);
    expect(await hits('externalId eq q-filter')).toEqual([user.id]);
    expect(await hits('userName sw FILTER and active eq true')).toEqual([user.id]);
    expect(await hits('emails.type eq "home" and userName eq "filter@example.com"')).toEqual([user.id]);
  });

  it('reads query parameter names in any case', async () => {
    await create('q-param', 'param@example.com');
    const res = await t.scim(tenant, 'GET', `/Users?Filter=${encodeURIComponent('userName eq "param@example.com"')}&COUNT=5&StartIndex=1`);
    expect(res.json()).toMatchObject({ totalResults: 1, startIndex: 1 });
  });
});

describe('a conformance suite run (the checks of scim-sanity replayed, tenant keyed on userName)', () => {
  const strict = uniqueTenant('conform');
  let c: TestApp;
  beforeAll(() => {
    c = buildTestApp(t.db, [tenantYaml(strict).replace('key: externalId', 'key: userName')]);
  });
  afterAll(async () => {
    await c.app.close();
  });

  it('passes discovery, the User lifecycle, search and error checks', async () => {
    for (const path of ['/ServiceProviderConfig', '/Schemas', '/ResourceTypes']) {
      const res = await c.scim(strict, 'GET', path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toContain('scim+json');
    }
    const suffix = Math.random().toString(16).slice(2, 10);
    const created = await c.scim(strict, 'POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName: `scim-sanity-test-${suffix}@example.com`,
      name: { givenName: 'SCIMSanity', familyName: `Test-${suffix}` },
      displayName: `SCIM Sanity Test User ${suffix}`,
      active: true,
      emails: [{ value: `scim-sanity-test-${suffix}@example.com`, type: 'work', primary: true }],
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(created.headers.location).toBe(body.meta.location);
    expect(body).toMatchObject({ schemas: expect.arrayContaining([USER_SCHEMA]), meta: { resourceType: 'User' } });
    expect((await c.scim(strict, 'GET', `/Users/${body.id}`)).statusCode).toBe(200);

    // PUT of the resource as read, minus meta, with a new displayName.
    const { meta: _meta, ...put } = body;
    const replaced = await c.scim(strict, 'PUT', `/Users/${body.id}`, { ...put, displayName: `Updated-${suffix}` });
    expect(replaced.statusCode).toBe(200);
    expect((await c.scim(strict, 'GET', `/Users/${body.id}`)).json().displayName).toBe(`Updated-${suffix}`);
    const patched = await c.scim(strict, 'PATCH', `/Users/${body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    expect(patched.statusCode).toBe(200);
    expect((await c.scim(strict, 'GET', `/Users/${body.id}`)).json().active).toBe(false);
    expect((await c.scim(strict, 'DELETE', `/Users/${body.id}`)).statusCode).toBe(204);
    expect((await c.scim(strict, 'GET', `/Users/${body.id}`)).statusCode).toBe(404);

    const list = (await c.scim(strict, 'GET', '/Users')).json();
    expect(list).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], startIndex: 1 });
    expect((await c.scim(strict, 'GET', `/Users${q('userName eq "nonexistent@test.invalid"')}`)).json().totalResults).toBe(0);
    expect((await c.scim(strict, 'GET', '/Users?startIndex=1&count=1')).json().itemsPerPage).toBeLessThanOrEqual(1);
    expect((await c.scim(strict, 'GET', '/Users?count=0')).json().Resources).toEqual([]);

    const missing = await c.scim(strict, 'GET', '/Users/nonexistent-id-000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' });
    for (const bad of [{ not: 'a scim resource' }, { schemas: [USER_SCHEMA] }]) {
      const res = await c.scim(strict, 'POST', '/Users', bad);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400' });
    }
  });
});
