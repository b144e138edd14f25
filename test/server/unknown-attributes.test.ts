// Server: an attribute the tenant's schemas do not define is refused with 400, the same for POST,
// PUT, PATCH and Bulk, and nothing of the request is stored (docs/compatibility.md, Round trip).

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUser } from '../../server/scim/canonical.ts';
import { ENTERPRISE, planOf, tenantYaml, uniqueTenant, useTestApp } from './helpers.ts';
import { json } from './round-trip-arbitrary.ts';

const tenant = uniqueTenant('unknown');
const yaml = tenantYaml(tenant);
const t = useTestApp(() => [yaml]);
const OTHER_URN = 'urn:example:params:scim:schemas:extension:other:1.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const user = (extra: Record<string, unknown> = {}) => ({ userName: `u-${randomUUID()}`, externalId: randomUUID(), ...extra });

/** Every place an unknown attribute can be, and the name the error gives it. */
const places: readonly [string, Record<string, unknown>, string][] = [
  ['top level (a typo)', { userame: 'ada' }, '`userame` is not an attribute of this tenant\'s schemas; did you mean `userName`?'],
  ['a complex value', { name: { givenName: 'Ada', givenname2: 'x' } }, '`name.givenname2`'],
  ['an element of a multi-valued attribute', { emails: [{ value: 'a@x', tpe: 'work' }] }, '`emails.tpe`'],
  ['a declared extension', { [ENTERPRISE]: { departement: 'R&D' } }, 'did you mean `department`?'],
  ['a full-URN key', { [`${ENTERPRISE}:departement`]: 'R&D' }, 'departement'],
  ['an undeclared extension', { [OTHER_URN]: { badge: 'B-7' } }, `the extension \`${OTHER_URN}\` is not declared`],
];

describe('unknown attributes are refused', () => {
  for (const [where, extra, detail] of places) {
    it(`in ${where}: POST, PUT, Bulk 400 invalidValue, nothing stored`, async () => {
      const refused = await t.scim(tenant, 'POST', '/Users', user(extra));
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(refused.json().detail).toContain(detail);

      const created = await t.scim(tenant, 'POST', '/Users', user());
      const { id, externalId, userName } = created.json();
      const put = await t.scim(tenant, 'PUT', `/Users/${id}`, { userName, externalId, title: 'changed', ...extra });
      expect(put.statusCode).toBe(400);
      expect(put.json().detail).toContain(detail);
      expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().title).toBeUndefined();

      const bulk = await t.scim(tenant, 'POST', '/Bulk', { Operations: [{ method: 'POST', path: '/Users', bulkId: 'a', data: user(extra) }] });
      expect(bulk.json().Operations[0]).toMatchObject({ status: '400', response: { scimType: 'invalidValue' } });
    });
  }

  it('in a PATCH: a path 400 invalidPath, a value 400 invalidValue, nothing of the request applied', async () => {
    const { id } = (await t.scim(tenant, 'POST', '/Users', user())).json();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ op: 'add', path: 'userame', value: 'x' }, 'invalidPath', 'did you mean `userName`?'],
      [{ op: 'replace', value: { favouriteColour: 'teal' } }, 'invalidPath', '`favouriteColour`'],
      [{ op: 'add', path: `${OTHER_URN}:badge`, value: 'B-7' }, 'invalidPath', `\`${OTHER_URN}:badge\``],
      [{ op: 'add', path: `${ENTERPRISE}:departement`, value: 'R&D' }, 'invalidPath', 'did you mean `department`?'],
      [{ op: 'remove', path: 'nickname2' }, 'invalidPath', '`nickname2`'],
      [{ op: 'add', path: 'name', value: { givenName: 'A', givenname2: 'x' } }, 'invalidValue', '`name.givenname2`'],
      [{ op: 'add', path: 'emails', value: [{ value: 'a@x', tpe: 'work' }] }, 'invalidValue', '`emails.tpe`'],
    ];
    for (const [op, scimType, detail] of cases) {
      const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'T' }, op] });
      expect(patched.statusCode, JSON.stringify(op)).toBe(400);
      expect(patched.json().scimType).toBe(scimType);
      expect(patched.json().detail).toContain(detail);
    }
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().title).toBeUndefined();
  });

  it('a null for an unknown attribute writes nothing and is accepted', async () => {
    const created = await t.scim(tenant, 'POST', '/Users', user({ favouriteColour: null, name: { givenName: 'Ada', nick: null } }));
    expect(created.statusCode).toBe(201);
    expect(created.json().name).toEqual({ givenName: 'Ada' });
  });

  it('any value of an unknown attribute is refused by name, never echoing the value', () => {
    const scope = planOf(yaml).userScope;
    fc.assert(
      fc.property(json.filter((v) => v !== null), (value) => {
        expect(() => canonicalUser({ userName: 'u', favouriteColour: value }, scope)).toThrow(/`favouriteColour` is not an attribute/);
      }),
    );
  });

  it('a stored user that holds attributes an earlier version kept loses them at its next PATCH', async () => {
    const { id } = (await t.scim(tenant, 'POST', '/Users', user())).json();
    const row = await t.db.selectFrom('scim_users').select('resource').where('tenant', '=', tenant).where('id', '=', id).executeTakeFirstOrThrow();
    await t.db.updateTable('scim_users').set({ resource: JSON.stringify({ ...row.resource, favouriteColour: 'teal' }) }).where('tenant', '=', tenant).where('id', '=', id).execute();
    const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'T' }] });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ title: 'T' });
    expect(patched.json().favouriteColour).toBeUndefined();
  });
});
