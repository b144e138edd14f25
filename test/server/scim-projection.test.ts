// project: RFC 7644 §3.4.2.5 attributes / excludedAttributes on a rendered User resource.

import { describe, expect, it } from 'vitest';
import { groupScope } from '../../engine/attribute-model.ts';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import { ScimError } from '../../server/errors.ts';
import { project } from '../../server/scim/projection.ts';
import type { AttributeDef } from '../../dsl/types.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const scope = buildUserScope([]);

const user = Object.freeze({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT, SCIMPLAN],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  userName: 'bjensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  active: true,
  groups: [{ value: 'g1', display: 'Sales' }],
  [ENT]: { department: 'Sales', employeeNumber: '701984' },
  [SCIMPLAN]: { status: 'active', profile: { email: 'bjensen@example.com' } },
  meta: { resourceType: 'User', created: '2011-08-01T18:29:49.793Z', lastModified: '2011-08-01T18:29:49.793Z', version: 'W/"1"' },
});

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';
// `id` is `returned: always`; `meta` is `default` (RFC 7643 §3.1); `schemas` lists what the answer holds.
const always = { schemas: [CORE], id: user.id };
const withExtensions = (...urns: string[]) => ({ schemas: [CORE, ...urns], id: user.id });

describe('project', () => {
  it('returns everything without parameters, as a copy', () => {
    const out = project(user, {}, scope);
    expect(out).toEqual(user);
    expect(out).not.toBe(user);
    expect(out.name).not.toBe(user.name);
  });

  const cases: [string, { attributes?: string; excludedAttributes?: string }, Record<string, unknown>][] = [
    ['attributes=userName (Entra and Okta lookups)', { attributes: 'userName' }, { ...always, userName: user.userName }],
    ['names are case-insensitive', { attributes: 'USERNAME,ExternalId' }, { ...always, userName: user.userName, externalId: 'bjensen' }],
    ['a sub-attribute keeps only that part', { attributes: 'name.givenName' }, { ...always, name: { givenName: 'Barbara' } }],
    ['a sub-attribute of a multi-valued attribute', { attributes: 'emails.value' }, { ...always, emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }] }],
    ['a value filter keeps matching elements', { attributes: 'emails[type eq "work"]' }, { ...always, emails: [user.emails[0]] }],
    ['a value filter with a sub-attribute', { attributes: 'emails[type eq "home"].value' }, { ...always, emails: [{ value: 'babs@jensen.org' }] }],
    ['a value filter that matches nothing leaves the attribute out', { attributes: 'emails[type eq "other"]' }, { ...always }],
    ['a whole extension by URN', { attributes: ENT }, { ...withExtensions(ENT), [ENT]: user[ENT] }],
    ['one extension attribute by URN', { attributes: `${ENT}:department` }, { ...withExtensions(ENT), [ENT]: { department: 'Sales' } }],
    ['a core URN-qualified name', { attributes: 'urn:ietf:params:scim:schemas:core:2.0:User:userName' }, { ...always, userName: user.userName }],
    ['the scimplan status', { attributes: `${SCIMPLAN}:status` }, { ...withExtensions(SCIMPLAN), [SCIMPLAN]: { status: 'active' } }],
    ['meta when named', { attributes: 'userName,meta' }, { ...always, userName: user.userName, meta: user.meta }],
    ['meta.version when named', { attributes: 'meta.version' }, { ...always, meta: { version: 'W/"1"' } }],
    ['unknown names are ignored', { attributes: 'nope,userName' }, { ...always, userName: user.userName }],
    ['the whole attribute wins over a sub-attribute', { attributes: 'name.givenName, name' }, { ...always, name: user.name }],
    ['commas inside filters', { attributes: 'emails[value eq "a,b" or type eq "work"].value' }, { ...always, emails: [{ value: 'bjensen@example.com' }] }],
  ];
  for (const [name, params, expected] of cases) {
    it(name, () => {
      expect(project(user, params, scope)).toEqual(expected);
    });
  }

  it('excludedAttributes leaves out attributes, sub-attributes and filtered elements', () => {
    const out = project(user, { excludedAttributes: `groups,name.familyName,emails[type eq "home"],${ENT}:employeeNumber,${SCIMPLAN}` }, scope);
    expect(out).toEqual({
      ...withExtensions(ENT),
      meta: user.meta,
      externalId: 'bjensen',
      userName: user.userName,
      name: { givenName: 'Barbara' },
      emails: [user.emails[0]],
      active: true,
      [ENT]: { department: 'Sales' },
    });
  });

  it('never leaves out id or schemas; meta is returned by default and can be left out', () => {
    const out = project(user, { excludedAttributes: 'id,schemas,meta' }, scope);
    expect(out.id).toBe(user.id);
    expect(out.schemas).toEqual(user.schemas);
    expect(out.meta).toBeUndefined();
    expect(project(user, { attributes: 'userName', excludedAttributes: 'userName' }, scope)).toEqual(always);
  });

  it('leaves out `never` and `request` sub-attributes at any depth, the same on every call (the view is compiled once)', () => {
    const hidden = (defs: readonly AttributeDef[] | undefined, name: string, returned: 'never' | 'request') => defs?.map((d) => (d.name === name ? { ...d, returned } : d));
    const defs = scope.attributes.map((a) =>
      a.name === 'emails' ? { ...a, subAttributes: hidden(a.subAttributes, 'type', 'request') } : a.name === 'name' ? { ...a, subAttributes: hidden(a.subAttributes, 'familyName', 'never') } : a,
    );
    const strict = { ...scope, attributes: defs, namespaces: scope.namespaces.map((n) => (n.urn === ENT ? { ...n, attributes: hidden(n.attributes, 'employeeNumber', 'never')! } : n)) };
    const expected = {
      ...user,
      name: { givenName: 'Barbara' },
      emails: [{ value: 'bjensen@example.com', primary: true }, { value: 'babs@jensen.org' }],
      [ENT]: { department: 'Sales' },
    };
    for (let i = 0; i < 3; i++) expect(project(user, {}, strict)).toEqual(expected);
    // A whole attribute named in `attributes` shows its sub-attributes as by default.
    expect(project(user, { attributes: 'emails,name' }, strict)).toEqual({ ...always, name: expected.name, emails: expected.emails });
    expect(project(user, { attributes: 'emails.type' }, strict)).toEqual({ ...always, emails: [{ type: 'work' }, { type: 'home' }] });
    // Elements that are no objects, and nested lists, are copied as they are.
    const odd = { ...user, emails: ['x', [{ type: 'y' }]] };
    expect(project(odd, {}, strict)).toEqual({ ...expected, emails: ['x', [{ type: 'y' }]] });
  });

  it('copies without hostile keys and undefined members, as a copy of the resource', () => {
    const resource = JSON.parse('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"1","__proto__":{"a":1},"name":{"givenName":"B","constructor":{"x":1}}}') as Record<string, unknown>;
    const out = project({ ...resource, nickName: undefined }, {}, scope);
    expect(Object.keys(out)).toEqual(['schemas', 'id', 'name']);
    expect(out['name']).toEqual({ givenName: 'B' });
    expect(Object.hasOwn(out['name'] as object, 'constructor')).toBe(false);
  });

  it('follows `returned` of the model: never is never returned, request only when named', () => {
    const defs = scope.attributes.map((a) =>
      a.name === 'nickName' ? { ...a, returned: 'request' as const } : a.name === 'title' ? { ...a, returned: 'never' as const } : a,
    );
    const strict = { ...scope, attributes: defs };
    const resource = { ...user, nickName: 'Babs', title: 'Tour Guide' };
    expect(project(resource, {}, strict)).not.toHaveProperty('nickName');
    expect(project(resource, {}, strict)).not.toHaveProperty('title');
    expect(project(resource, { attributes: 'nickName,title' }, strict)).toEqual({ ...always, nickName: 'Babs' });
    expect(project(resource, { excludedAttributes: 'userName' }, strict)).not.toHaveProperty('nickName');
  });

  it('works on groups: excludedAttributes=members', () => {
    const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'g1', displayName: 'Sales', members: [{ value: 'u1' }], meta: { resourceType: 'Group' } };
    expect(project(group, { excludedAttributes: 'members' }, groupScope)).toEqual({ schemas: group.schemas, id: 'g1', displayName: 'Sales', meta: group.meta });
    expect(project(group, { attributes: 'members[value eq "u1"]' }, groupScope)).toEqual({ schemas: group.schemas, id: 'g1', members: [{ value: 'u1' }] });
  });

  it('rejects a malformed list with invalidValue', () => {
    for (const attributes of ['emails[type eq', 'emails[lower(type) eq "x"]', 'a b']) {
      let error: unknown;
      try {
        project(user, { attributes }, scope);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ScimError);
      expect((error as ScimError).scimType).toBe('invalidValue');
    }
  });
});
