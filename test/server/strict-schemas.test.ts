// Issue 11, the attribute model: what /Schemas and /ResourceTypes advertise is what the server
// answers and enforces (profile sub-attributes, Group.displayName required, members.display,
// `returned`, mutability on PATCH, read-only values on PUT, required on create and replace, Bulk).

import { beforeAll, describe, expect, it } from 'vitest';
import { ENTERPRISE, SCIMPLAN, USER_SCHEMA, tenantYaml, uniqueTenant, useTestApp, userBody } from './helpers.ts';

const tenant = uniqueTenant('strict');
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const t = useTestApp(() => [
  tenantYaml(tenant, `schemas:\n  - urn: ${ACME}\n    alias: acme\n    attributes:\n      level: integer\n      remote: boolean\n`).replace(
    '  email: emails[type eq "work"].value ?? userName\n',
    '  email: emails[type eq "work"].value ?? userName\n  level: acme.level\n  remote: acme.remote\n',
  ),
]);

type Attr = { name: string; type: string; required: boolean; mutability: string; returned: string; subAttributes?: Attr[] };
const byName = (list: Attr[], name: string): Attr => {
  const found = list.find((a) => a.name === name);
  if (!found) throw new Error(`no attribute ${name} in ${list.map((a) => a.name).join(', ')}`);
  return found;
};
const schema = async (id: string): Promise<Attr[]> => (await t.scim(tenant, 'GET', `/Schemas/${id}`)).json().attributes;
const patch = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });

let id: string;
beforeAll(async () => {
  const res = await t.scim(tenant, 'POST', '/Users', userBody('s-1', 'strict@example.com', { title: 'Director', [ENTERPRISE]: { department: 'Sales' }, [ACME]: { level: 3, remote: true } }));
  expect(res.statusCode, res.body).toBe(201);
  id = res.json().id;
});

describe('/Schemas from the attribute model', () => {
  it("lists the tenant's profile fields, typed, as read-only sub-attributes of the scimplan profile", async () => {
    const profile = byName(await schema(SCIMPLAN), 'profile');
    expect(profile.subAttributes!.map((a) => [a.name, a.type, a.mutability])).toEqual([
      ['function', 'string', 'readOnly'],
      ['department', 'string', 'readOnly'],
      ['email', 'string', 'readOnly'],
      ['level', 'decimal', 'readOnly'],
      ['remote', 'boolean', 'readOnly'],
    ]);
    const user = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
    expect(user[SCIMPLAN].profile).toEqual({ function: 'Director', department: 'Sales', email: 'strict@example.com', level: 3, remote: true });
  });

  it('advertises Group.displayName as required and members.display as read-only', async () => {
    const attributes = await schema(GROUP);
    expect(byName(attributes, 'displayName').required).toBe(true);
    expect(byName(byName(attributes, 'members').subAttributes!, 'display')).toMatchObject({ type: 'string', mutability: 'readOnly', returned: 'default' });
  });

  it('advertises addresses.primary, which the server stores and returns', async () => {
    expect(byName(byName(await schema(USER_SCHEMA), 'addresses').subAttributes!, 'primary').type).toBe('boolean');
  });

  it('lists the same extensions in /ResourceTypes as in /Schemas', async () => {
    const types = (await t.scim(tenant, 'GET', '/ResourceTypes')).json().Resources;
    const ids = (await t.scim(tenant, 'GET', '/Schemas')).json().Resources.map((s: { id: string }) => s.id);
    expect(types[0].schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual(ids.slice(1, -1));
    expect((await t.scim(tenant, 'GET', '/ResourceTypes/user')).json().id).toBe('User');
    expect((await t.scim(tenant, 'GET', '/ResourceTypes/Nope')).statusCode).toBe(404);
  });
});

describe('returned', () => {
  it('GET /Users?attributes=userName returns id, schemas and userName only', async () => {
    const list = (await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`id eq "${id}"`)}&attributes=userName`)).json();
    expect(list.Resources).toEqual([{ schemas: [USER_SCHEMA], id, userName: 'strict@example.com' }]);
    const one = (await t.scim(tenant, 'GET', `/Users/${id}?attributes=userName`)).json();
    expect(one).toEqual({ schemas: [USER_SCHEMA], id, userName: 'strict@example.com' });
  });

  it('.search and Groups follow returned too; meta comes when named', async () => {
    const search = (await t.scim(tenant, 'POST', '/Users/.search', { filter: `id eq "${id}"`, attributes: ['meta.version', `${ENTERPRISE}:department`] })).json();
    expect(search.Resources).toEqual([{ schemas: [USER_SCHEMA, ENTERPRISE], id, meta: { version: expect.any(String) }, [ENTERPRISE]: { department: 'Sales' } }]);
    const group = (await t.scim(tenant, 'POST', '/Groups?attributes=displayName', { schemas: [GROUP], displayName: 'Returned' })).json();
    expect(group).toEqual({ schemas: [GROUP], id: expect.any(String), displayName: 'Returned' });
  });

  it('excludedAttributes cannot leave out id or schemas, but leaves out meta', async () => {
    const one = (await t.scim(tenant, 'GET', `/Users/${id}?excludedAttributes=id,schemas,meta`)).json();
    expect(one.id).toBe(id);
    expect(one.schemas[0]).toBe(USER_SCHEMA);
    expect(one.meta).toBeUndefined();
  });
});

describe('mutability', () => {
  const readOnly: [string, unknown][] = [
    ['the scimplan extension', { op: 'replace', path: SCIMPLAN, value: { status: 'deactivated' } }],
    ['a scimplan attribute, path-less', { op: 'replace', value: { [SCIMPLAN]: { status: 'deactivated' } } }],
    ['id', { op: 'replace', path: 'id', value: 'x' }],
    ['meta', { op: 'replace', path: 'meta.lastModified', value: '2020-01-01T00:00:00Z' }],
    ['groups', { op: 'add', path: 'groups', value: [{ value: 'x' }] }],
  ];
  for (const [name, op] of readOnly) {
    it(`PATCH on ${name}: 400 mutability, nothing changes`, async () => {
      const before = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
      const res = await t.scim(tenant, 'PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'nickName', value: 'changed' }, op));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ scimType: 'mutability', detail: expect.stringContaining('is read-only') });
      expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json()).toEqual(before);
    });
  }

  it('PATCH on a Group id or meta: 400 mutability; an echo of its own id is fine (Okta)', async () => {
    const group = (await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Mutable' })).json();
    expect((await t.scim(tenant, 'PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'id', value: 'x' }))).json()).toMatchObject({ scimType: 'mutability' });
    expect((await t.scim(tenant, 'PATCH', `/Groups/${group.id}`, patch({ op: 'replace', path: 'meta', value: {} }))).json()).toMatchObject({ scimType: 'mutability' });
    expect((await t.scim(tenant, 'PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: 'other', displayName: 'X' } }))).json()).toMatchObject({ scimType: 'mutability' });
    const echo = await t.scim(tenant, 'PATCH', `/Groups/${group.id}`, patch({ op: 'replace', value: { id: group.id, displayName: 'Mutable 2' } }));
    expect(echo.statusCode).toBe(204);
    expect((await t.scim(tenant, 'GET', `/Groups/${group.id}`)).json().displayName).toBe('Mutable 2');
  });

  it('PUT ignores read-only values (RFC 7644 §3.5.1)', async () => {
    const before = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
    const res = await t.scim(tenant, 'PUT', `/Users/${id}`, {
      ...userBody('s-1', 'strict@example.com', { title: 'Director', [ENTERPRISE]: { department: 'Sales' }, [ACME]: { level: 3, remote: true } }),
      id: 'other',
      meta: { created: '2000-01-01T00:00:00Z' },
      groups: [{ value: 'x' }],
      [SCIMPLAN]: { status: 'deactivated', profile: { email: 'x' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json();
    expect(after.id).toBe(id);
    expect(after.meta.created).toBe(before.meta.created);
    expect(after[SCIMPLAN]).toEqual(before[SCIMPLAN]);
  });
});

describe('required', () => {
  it('PUT without userName is 400 invalidValue naming userName; with a typo (userame) too; nothing changes', async () => {
    const before = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
    const { userName, ...rest } = userBody('s-1', 'strict@example.com');
    const res = await t.scim(tenant, 'PUT', `/Users/${id}`, rest);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ scimType: 'invalidValue', detail: '`userName` is required' });
    const typo = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...rest, userame: userName });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('`userName`') });
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json()).toEqual(before);
  });

  it('POST without userName is 400 naming it', async () => {
    const { userName: _, ...rest } = userBody('s-2', 'nobody@example.com');
    expect((await t.scim(tenant, 'POST', '/Users', rest)).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: '`userName` is required' });
  });

  it('Group create and replace without displayName are 400 naming it', async () => {
    expect((await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP] })).json()).toMatchObject({ scimType: 'invalidValue', detail: '`displayName` is required' });
    const group = (await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Required' })).json();
    const res = await t.scim(tenant, 'PUT', `/Groups/${group.id}`, { schemas: [GROUP], externalId: 'x' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ scimType: 'invalidValue', detail: '`displayName` is required' });
  });

  it('Bulk runs the same checks', async () => {
    const { userName: _, ...rest } = userBody('s-3', 'bulk@example.com');
    const res = await t.scim(tenant, 'POST', '/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'PUT', path: `/Users/${id}`, data: rest },
        { method: 'PATCH', path: `/Users/${id}`, data: patch({ op: 'replace', path: `${SCIMPLAN}:status`, value: 'x' }) },
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { schemas: [GROUP] } },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().Operations.map((o: { status: string; response: { scimType: string } }) => [o.status, o.response.scimType])).toEqual([
      ['400', 'invalidValue'],
      ['400', 'mutability'],
      ['400', 'invalidValue'],
    ]);
  });
});

describe('types the validator holds the server to', () => {
  it('a dateTime must be an xsd:dateTime and a binary base64 (RFC 7643 §2.3.5, §2.3.6)', async () => {
    expect((await t.scim(tenant, 'POST', '/Users', userBody('s-t1', 't1@example.com', { x509Certificates: [{ value: 'not base64!' }] }))).json()).toMatchObject({ scimType: 'invalidValue', detail: '`x509Certificates.value` must be base64 text' });
    const ok = await t.scim(tenant, 'POST', '/Users', userBody('s-t2', 't2@example.com', { x509Certificates: [{ value: 'QUJD' }] }));
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().x509Certificates).toEqual([{ value: 'QUJD' }]);
  });
});
