// The strict response validator can fail: bad answers (unknown attributes, wrong types, missing
// required attributes, wrong `returned` behaviour, malformed errors, lists and Bulk responses) are
// rejected, against the /Schemas and /ResourceTypes a real app serves; the hook reports them.

import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { ENTERPRISE, SCIMPLAN, USER_SCHEMA, openTestDatabase, planOf, tenantYaml, uniqueTenant, useTestApp, userBody } from './helpers.ts';
import { validateScimResponse, type Advertised, type Asked } from './scim-validator.ts';
import { installResponseValidator, takeViolations } from './validate-responses.ts';
import { scimFetch } from './validated-fetch.ts';

const tenant = uniqueTenant('validator');
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const yaml = tenantYaml(tenant, `schemas:\n  - urn: ${ACME}\n    alias: acme\n    attributes:\n      costCenter: string\n      seniority: integer\n`);
const t = useTestApp(() => [yaml]);
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

let advertised: Advertised;
let user: Record<string, unknown>;
let group: Record<string, unknown>;

beforeAll(async () => {
  advertised = { schemas: (await t.scim(tenant, 'GET', '/Schemas')).json().Resources, resourceTypes: (await t.scim(tenant, 'GET', '/ResourceTypes')).json().Resources };
  user = (await t.scim(tenant, 'POST', '/Users', userBody('v-1', 'v1@example.com', { [ENTERPRISE]: { department: 'Sales' }, [ACME]: { seniority: 3 } }))).json();
  group = (await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName: 'Validated', members: [{ value: user['id'] }] })).json();
});

const get = (path: string, extra: Partial<Asked> = {}): Asked => ({ status: 200, method: 'GET', path, ...extra });
const check = (body: unknown, asked: Asked = get(`/Users/${String(user['id'])}`)) => validateScimResponse(advertised, asked, body);
const without = (obj: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

describe('accepts what the server answers', () => {
  it('a user, a group, their lists', async () => {
    expect(check(user)).toEqual([]);
    // Canonical values compare as `caseExact` says (`type` is caseExact false), and bind only
    // the values the server decides: a client may write another email type (RFC 7643 §7).
    expect(check({ ...user, groups: [{ value: 'g', type: 'Direct' }] })).toEqual([]);
    expect(check({ ...user, emails: [{ value: 'a@b', type: 'pager' }] })).toEqual([]);
    expect(check(group, get(`/Groups/${String(group['id'])}`))).toEqual([]);
    expect(check((await t.scim(tenant, 'GET', '/Users')).json(), get('/Users'))).toEqual([]);
    expect(group['members']).toEqual([expect.objectContaining({ value: user['id'], display: 'v1@example.com' })]);
  });
});

describe('rejects', () => {
  const id = () => String(user['id']);
  const cases: [string, () => unknown, string, Partial<Asked>?][] = [
    ['an unknown core attribute', () => ({ ...user, shoeSize: 42 }), 'unknown attribute `shoeSize`'],
    ['a core attribute in the wrong case', () => ({ ...without(user, 'userName'), USERNAME: user['userName'] }), 'wrong case'],
    ['an unknown sub-attribute', () => ({ ...user, name: { givenName: 'A', nickname: 'x' } }), 'unknown attribute `nickname`'],
    ['an unknown attribute inside an extension', () => ({ ...user, [ENTERPRISE]: { department: 'x', floor: 3 } }), 'unknown attribute `floor`'],
    ['an extension that is not advertised', () => ({ ...user, schemas: [...(user['schemas'] as string[]), 'urn:x:2.0:User'], 'urn:x:2.0:User': {} }), 'does not give User'],
    ['an extension missing from schemas', () => ({ ...user, schemas: [USER_SCHEMA, SCIMPLAN] }), 'is not listed in `schemas`'],
    ['schemas naming an extension the resource lacks', () => ({ ...without(user, ACME) }), 'holds no such extension'],
    ['a string where a boolean belongs', () => ({ ...user, active: 'true' }), 'must be a boolean'],
    ['a single value where a list belongs', () => ({ ...user, emails: { value: 'a@b', type: 'work' } }), 'must be a list'],
    ['a number where an integer belongs', () => ({ ...user, [ACME]: { seniority: 2.5 } }), 'must be an integer'],
    ['a wrong dateTime', () => ({ ...user, meta: { ...(user['meta'] as object), created: 'yesterday' } }), 'xsd:dateTime'],
    ['a profile field of the wrong type', () => ({ ...user, [SCIMPLAN]: { ...(user[SCIMPLAN] as object), profile: { email: 7 } } }), 'must be a string'],
    ['an unknown profile field', () => ({ ...user, [SCIMPLAN]: { ...(user[SCIMPLAN] as object), profile: { shoe: 'x' } } }), 'unknown attribute `shoe`'],
    ['a missing required attribute', () => without(user, 'userName'), 'required attribute `userName` is missing'],
    ['a missing always-returned id', () => without(user, 'id'), '`id` is `returned: always` but missing'],
    ['meta under attributes=userName', () => ({ schemas: [USER_SCHEMA], id: id(), userName: user['userName'], meta: user['meta'] }), 'the resource.meta: was not requested in `attributes`', { attributes: 'userName' }],
    ['an attribute that was not requested', () => ({ schemas: [USER_SCHEMA], id: id(), userName: user['userName'], title: 'x' }), 'was not requested', { attributes: 'userName' }],
    ['a sub-attribute that was not requested', () => ({ schemas: [USER_SCHEMA], id: id(), name: { givenName: 'A', familyName: 'B' } }), 'familyName', { attributes: 'name.givenName' }],
    ['an excluded attribute', () => user, 'left out with `excludedAttributes`', { excludedAttributes: 'emails' }],
    ['a password (returned: never)', () => ({ ...user, password: 'x' }), 'is `returned: never`'],
    ['a group without displayName', () => without(group, 'displayName'), 'required attribute `displayName` is missing', { path: '/Groups/x' }],
    ['a groups type that is not a canonical value', () => ({ ...user, groups: [{ value: 'g', type: 'nested' }] }), '"nested" is not one of the canonical values ["direct","indirect"]'],
    ['a status that is not a canonical value', () => ({ ...user, [SCIMPLAN]: { ...(user[SCIMPLAN] as object), status: 'gone' } }), '"gone" is not one of the canonical values'],
    ['a string where a boolean sub-attribute of a list belongs', () => ({ ...user, emails: [{ value: 'a@b', type: 'work', primary: 'true' }] }), 'the resource.emails[0].primary: must be a boolean'],
    ['a number where a string sub-attribute of a list belongs', () => ({ ...user, phoneNumbers: [{ value: 5551234, type: 'work' }] }), 'the resource.phoneNumbers[0].value: must be a string'],
    ['a member value that is not a string', () => ({ ...group, members: [{ value: 7 }] }), 'members[0].value: must be a string', { path: '/Groups/x' }],
    ['a member with an unknown sub-attribute', () => ({ ...group, members: [{ value: 'u', role: 'x' }] }), 'unknown attribute `role`', { path: '/Groups/x' }],
  ];
  for (const [name, body, message, asked] of cases) {
    it(name, () => {
      const problems = check(body(), get(`/Users/${id()}`, asked));
      expect(problems.join('\n')).toContain(message);
    });
  }

  it('malformed errors', () => {
    const error = { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'x' };
    expect(check(error, get('/Users', { status: 400 }))).toEqual([]);
    expect(check({ ...error, status: 400 }, get('/Users', { status: 400 })).join()).toContain('`status` must be the string "400"');
    expect(check({ ...error, scimType: 'nope' }, get('/Users', { status: 400 })).join()).toContain('not an RFC 7644 §3.12 (or RFC 9865) value');
    expect(check({ ...error, message: 'x' }, get('/Users', { status: 400 })).join()).toContain('unknown attribute `message`');
    expect(check(undefined, get('/Users', { status: 404 })).join()).toContain('needs an RFC 7644 §3.12 body');
  });

  it('malformed lists', () => {
    const list = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: [user] };
    expect(check(list, get('/Users'))).toEqual([]);
    expect(check({ ...list, totalResults: '1' }, get('/Users')).join()).toContain('`totalResults` must be an integer');
    expect(check({ ...list, itemsPerPage: 2 }, get('/Users')).join()).toContain('must count `Resources`');
    expect(check({ ...list, Resources: [{ ...user, shoeSize: 1 }] }, get('/Users')).join()).toContain('Resources[0]: unknown attribute `shoeSize`');
  });

  it('malformed Bulk responses', () => {
    const ok = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'], Operations: [{ method: 'POST', bulkId: 'a', status: '201', location: `http://x/Users/${id()}`, response: user }] };
    const bulk = get('/Bulk', { method: 'POST' });
    expect(check(ok, bulk)).toEqual([]);
    expect(check({ ...ok, Operations: [{ ...ok.Operations[0], status: 201 }] }, bulk).join()).toContain('three-digit string');
    expect(check({ ...ok, Operations: [{ ...ok.Operations[0], response: { ...user, active: 1 } }] }, bulk).join()).toContain('must be a boolean');
    expect(check({ ...ok, Operations: [{ method: 'POST', status: '400', response: { schemas: ['x'], status: '400' } }] }, bulk).join()).toContain('`schemas` must be');
  });

  it('schemas that leave characteristics to defaults', () => {
    const schemas = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, Resources: [{ id: 'urn:x', attributes: [{ name: 'a', type: 'string', multiValued: false }] }] };
    expect(check(schemas, get('/Schemas')).join()).toContain('`returned` must be explicit');
  });
});

describe('the hook', () => {
  it('reports an answer that a later hook corrupted', async () => {
    const { db } = await openTestDatabase();
    const app = buildApp({ db, tenants: new TenantRegistry([planOf(yaml)]) });
    app.addHook('onSend', async (request, _reply, payload) =>
      typeof payload === 'string' && request.url.includes('/Users/') ? payload.replace('"userName"', '"shoeSize":1,"userName"') : payload,
    );
    installResponseValidator(app);
    try {
      const res = await app.inject({ method: 'GET', url: `/scim/v2/${tenant}/Users/${String(user['id'])}`, headers: { authorization: `Bearer secret-${tenant}` } });
      expect(res.statusCode).toBe(200);
      expect(takeViolations().join('\n')).toContain('unknown attribute `shoeSize`');
    } finally {
      await app.close();
    }
  });

  it('scimFetch reports what a server on a port answers, and hands the body on unread', async () => {
    const { db } = await openTestDatabase();
    const app = buildApp({ db, tenants: new TenantRegistry([planOf(yaml)]) });
    app.addHook('onSend', async (request, _reply, payload) =>
      typeof payload === 'string' && request.url.includes('/Users') ? payload.replace('"userName"', '"shoeSize":1,"userName"') : payload,
    );
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const headers = { authorization: `Bearer secret-${tenant}` };
      const res = await scimFetch(`${base}/scim/v2/${tenant}/Users?filter=${encodeURIComponent('userName eq "v1@example.com"')}`, { headers });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { Resources: { shoeSize: number }[] }).Resources[0]!.shoeSize).toBe(1);
      expect(takeViolations().join('\n')).toMatch(/GET \/scim\/v2\/\S+\/Users\?filter=\S+ -> 200:\n  Resources\[0\]: unknown attribute `shoeSize`/);
      // An error body is checked without the schemas; a conforming answer reports nothing.
      expect((await scimFetch(`${base}/scim/v2/${tenant}/Groups/none`, { headers })).status).toBe(404);
      expect((await scimFetch(`${base}/scim/v2/${tenant}/Groups`, { headers })).status).toBe(200);
      expect(takeViolations()).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
