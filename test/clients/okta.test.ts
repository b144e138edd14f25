// Clients: Okta's documented SCIM 2.0 requests ("SCIM 2.0 protocol reference", "Build a SCIM
// provisioning integration"), users and groups (Group Push), in both styles: OIN integrations
// update with PATCH, integrations made with the App Integration Wizard (AIW) with full PUTs.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SCIMPLAN, sha256Hex, uniqueTenant, USER_SCHEMA, useTestApp } from '../server/helpers.ts';
import { expectNoChange } from './update-cycle.ts';

const tenant = uniqueTenant('okta');
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const t = useTestApp(() => [
  `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: userName
profile:
  firstName: name.givenName
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false }
`,
]);

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

function oktaUser(userName: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'John', familyName: 'Doe' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'John Doe',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  };
}

/** Okta's create: look the user up by userName first, then POST (with a password). */
async function lookupAndCreate(userName: string): Promise<{ id: string; body: Record<string, unknown> }> {
  const lookup = await t.scim(tenant, 'GET', `/Users?${q(`userName eq "${userName}"`)}&startIndex=1&count=100`);
  expect(lookup.statusCode).toBe(200);
  expect(lookup.json()).toMatchObject({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0 });
  const body = oktaUser(userName);
  const created = await t.scim(tenant, 'POST', '/Users', body);
  expect(created.statusCode).toBe(201);
  expect(created.json().password).toBeUndefined();
  return { id: created.json().id as string, body };
}

describe('users', () => {
  it('test connection lists users and groups', async () => {
    const users = await t.scim(tenant, 'GET', '/Users?startIndex=1&count=2');
    expect(users.statusCode).toBe(200);
    expect(users.json().schemas).toEqual([LIST]);
    const groups = await t.scim(tenant, 'GET', '/Groups?startIndex=1&count=100');
    expect(groups.statusCode).toBe(200);
    expect(groups.json()).toMatchObject({ schemas: [LIST], startIndex: 1 });
  });

  it('OIN: create, profile PUT, PATCH deactivation and reactivation', async () => {
    const userName = `${randomUUID()}@okta.example`;
    const { id, body } = await lookupAndCreate(userName);
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().userName).toBe(userName);

    const put = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...body, id, name: { givenName: 'Jon', familyName: 'Doe' }, password: undefined });
    expect(put.statusCode).toBe(200);
    expect(put.json()[SCIMPLAN].profile.firstName).toBe('Jon');

    const off = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.statusCode).toBe(200);
    expect(off.json()[SCIMPLAN].status).toBe('deactivated');
    const on = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(on.json()[SCIMPLAN].status).toBe('active');

    // A password change arrives as a path-less replace; it is never stored.
    const password = await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: 'n3wPa55' } }] });
    expect(password.statusCode).toBe(200);
    expect(password.json().password).toBeUndefined();

    const renamed = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...body, userName: `renamed-${userName}`, password: undefined });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().scimType).toBe('mutability');
  });

  it('AIW: every update, deactivation included, is a full PUT', async () => {
    const userName = `${randomUUID()}@okta.example`;
    const { id, body } = await lookupAndCreate(userName);
    const full = { ...body, id, password: undefined };
    const off = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...full, active: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()[SCIMPLAN].status).toBe('deactivated');
    const on = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...full, active: true, name: { givenName: 'Johnny', familyName: 'Doe' } });
    expect(on.json()[SCIMPLAN]).toMatchObject({ status: 'active', profile: { firstName: 'Johnny' } });
  });
});

describe('update cycle', () => {
  /** Okta's view of a user: its profile as it sends it, without the password it never reads back. */
  const viewOf = (body: Record<string, unknown>): Record<string, unknown> => {
    const { password: _, ...rest } = structuredClone(body);
    return rest;
  };

  it('OIN and AIW: after each create and update, GET by filter and by id shows what Okta sent', async () => {
    for (const style of ['OIN', 'AIW'] as const) {
      const userName = `${randomUUID()}@Okta.example`;
      const { id, body } = await lookupAndCreate(userName);
      const want = viewOf(body);
      const cycle = async () => {
        await expectNoChange(t, tenant, id, `userName eq "${want['userName']}"`, want);
        // Okta looks users up by userName; the match ignores case, the answer keeps it.
        await expectNoChange(t, tenant, id, `userName eq "${String(want['userName']).toLowerCase()}"`, want);
      };
      await cycle();

      const profile = { ...want, id, name: { givenName: 'Jon', familyName: 'Doe' }, displayName: 'Jon Doe', locale: 'nl-NL' };
      expect((await t.scim(tenant, 'PUT', `/Users/${id}`, profile)).statusCode).toBe(200);
      Object.assign(want, { name: { givenName: 'Jon', familyName: 'Doe' }, displayName: 'Jon Doe', locale: 'nl-NL' });
      await cycle();

      if (style === 'OIN') {
        expect((await t.scim(tenant, 'PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] })).statusCode).toBe(200);
      } else {
        expect((await t.scim(tenant, 'PUT', `/Users/${id}`, { ...want, id, active: false })).statusCode).toBe(200);
      }
      want['active'] = false;
      await cycle();

      // A new case of the userName (the key of this tenant) is the same key: stored as sent.
      const recased = userName.toUpperCase();
      expect((await t.scim(tenant, 'PUT', `/Users/${id}`, { ...want, id, userName: recased, emails: [{ primary: true, value: recased, type: 'work' }] })).statusCode).toBe(200);
      Object.assign(want, { userName: recased, emails: [{ primary: true, value: recased, type: 'work' }] });
      await cycle();
    }
  });
});

describe('groups (Group Push)', () => {
  async function users(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await lookupAndCreate(`${randomUUID()}@okta.example`)).id);
    return ids;
  }

  async function push(displayName: string): Promise<string> {
    const lookup = await t.scim(tenant, 'GET', `/Groups?${q(`displayName eq "${displayName}"`)}&startIndex=1&count=100`);
    expect(lookup.json().totalResults).toBe(0);
    const created = await t.scim(tenant, 'POST', '/Groups', { schemas: [GROUP], displayName, members: [] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ schemas: [GROUP], displayName });
    return created.json().id as string;
  }

  const members = async (id: string) =>
    (((await t.scim(tenant, 'GET', `/Groups/${id}`)).json().members ?? []) as { value: string }[]).map((m) => m.value).sort();

  it('OIN: create, rename by path-less replace, add and remove members with PATCH, delete', async () => {
    const [a, b] = (await users(2)) as [string, string];
    const id = await push(`Test SCIMv2 ${randomUUID()}`);
    expect((await t.scim(tenant, 'GET', `/Groups/${id}`)).statusCode).toBe(200);

    const renamed = `Test SCIMv2 renamed ${randomUUID()}`;
    const rename = await t.scim(tenant, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id, displayName: renamed } }],
    });
    expect(rename.statusCode).toBe(204);

    const add = await t.scim(tenant, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: a, display: 'a@okta.local' }, { value: b, display: 'b@okta.local' }] }],
    });
    expect(add.statusCode).toBe(204);
    expect(await members(id)).toEqual([a, b].sort());

    const remove = await t.scim(tenant, 'PATCH', `/Groups/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${a}"]` }],
    });
    expect(remove.statusCode).toBe(204);
    expect(await members(id)).toEqual([b]);
    expect((await t.scim(tenant, 'GET', `/Groups/${id}`)).json().displayName).toBe(renamed);

    expect((await t.scim(tenant, 'DELETE', `/Groups/${id}`)).statusCode).toBe(204);
    expect((await t.scim(tenant, 'GET', `/Groups/${id}`)).statusCode).toBe(404);
  });

  it('AIW: membership and name changes as full PUTs of the group', async () => {
    const [a, b, c] = (await users(3)) as [string, string, string];
    const id = await push(`AIW group ${randomUUID()}`);
    const put = (displayName: string, ids: string[]) =>
      t.scim(tenant, 'PUT', `/Groups/${id}`, { schemas: [GROUP], id, displayName, members: ids.map((value) => ({ value, display: `${value}@okta.local` })) });

    let res = await put('AIW group', [a, b]);
    expect(res.statusCode).toBe(200);
    expect(res.json().members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort());
    res = await put('AIW group renamed', [b, c]);
    expect(res.statusCode).toBe(200);
    expect(res.json().displayName).toBe('AIW group renamed');
    expect(await members(id)).toEqual([b, c].sort());
    res = await put('AIW group renamed', []);
    expect(await members(id)).toEqual([]);
    expect((await t.scim(tenant, 'DELETE', `/Groups/${id}`)).statusCode).toBe(204);
  });
});
