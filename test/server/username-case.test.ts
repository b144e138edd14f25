// Server: `userName` is unique and matched ignoring case (RFC 7643 §4.1.1, caseExact false) and
// returned as sent, on a tenant keyed on userName and on one keyed on externalId (case-exact).

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SCIMPLAN, sha256Hex, tenantYaml, uniqueTenant, useTestApp } from './helpers.ts';

const byName = uniqueTenant('case-username');
const byId = uniqueTenant('case-externalid');
const t = useTestApp(() => [
  `tenant: ${byName}
tokens: [{ sha256: ${sha256Hex(`secret-${byName}`)} }]
key: userName
profile:
  email: emails[type eq "work"].value ?? userName
`,
  tenantYaml(byId),
]);
const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;
const mixed = () => `Alice.${randomUUID().slice(0, 8)}@Example.com`;

for (const tenant of [byName, byId]) {
  const keyedOnUserName = tenant === byName;
  describe(`tenant keyed on ${keyedOnUserName ? 'userName' : 'externalId'}`, () => {
    it('a duplicate userName differing only in case is 409 uniqueness; the first keeps its case', async () => {
      const userName = mixed();
      const first = await t.scim(tenant, 'POST', '/Users', { userName, externalId: randomUUID() });
      expect(first.statusCode).toBe(201);
      expect(first.json().userName).toBe(userName);
      for (const other of [userName.toUpperCase(), userName.toLowerCase()]) {
        const dup = await t.scim(tenant, 'POST', '/Users', { userName: other, externalId: randomUUID() });
        expect(dup.statusCode).toBe(409);
        expect(dup.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
      }
      expect((await t.scim(tenant, 'GET', `/Users/${first.json().id}`)).json().userName).toBe(userName);
      if (keyedOnUserName) return;
      // A rename onto another user's userName in another case, by PUT or PATCH, is refused too.
      const other = await t.scim(tenant, 'POST', '/Users', { userName: mixed(), externalId: randomUUID() });
      const { id, externalId } = other.json();
      const put = await t.scim(tenant, 'PUT', `/Users/${id}`, { userName: userName.toUpperCase(), externalId });
      expect(put.statusCode).toBe(409);
      const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'userName', value: userName.toLowerCase() }] });
      expect(patched.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    });

    it('a filter on userName in any case finds the user, who is returned as sent', async () => {
      const userName = mixed();
      const created = await t.scim(tenant, 'POST', '/Users', { userName, externalId: randomUUID() });
      for (const written of [userName, userName.toUpperCase(), userName.toLowerCase()]) {
        for (const filter of [`userName eq "${written}"`, `userName sw "${written.slice(0, 8)}"`]) {
          const found = await t.scim(tenant, 'GET', `/Users?${q(filter)}`);
          expect(found.json().totalResults, filter).toBe(1);
          expect(found.json().Resources[0]).toMatchObject({ id: created.json().id, userName });
        }
      }
    });

    it('a change of case only is stored and returned as sent', async () => {
      const userName = mixed();
      const externalId = randomUUID();
      const created = await t.scim(tenant, 'POST', '/Users', { userName, externalId });
      const id = created.json().id as string;
      const put = await t.scim(tenant, 'PUT', `/Users/${id}`, { userName: userName.toUpperCase(), externalId });
      expect(put.statusCode).toBe(200);
      expect(put.json().userName).toBe(userName.toUpperCase());
      const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'userName', value: userName.toLowerCase() }] });
      expect(patched.statusCode).toBe(200);
      expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().userName).toBe(userName.toLowerCase());
    });

    it('concurrent creates of one userName in different cases: exactly one account', async () => {
      const userName = mixed();
      const spellings = Array.from({ length: 12 }, (_, i) => [...userName].map((c, j) => ((i >> j % 4) & 1 ? c.toUpperCase() : c.toLowerCase())).join(''));
      const responses = await Promise.all(spellings.map((u) => t.scim(tenant, 'POST', '/Users', { userName: u, externalId: randomUUID() })));
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(spellings.length - 1);
      const rows = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).where(({ fn, eb }) => eb(fn('lower', ['user_name']), '=', userName.toLowerCase())).execute();
      expect(rows).toHaveLength(1);
    });
  });
}

describe('tenant keyed on userName: the key is matched ignoring case', () => {
  it('a create after DELETE, in another case, re-links the same account and keeps the new case', async () => {
    const userName = mixed();
    const created = await t.scim(byName, 'POST', '/Users', { userName });
    const id = created.json().id as string;
    expect((await t.scim(byName, 'DELETE', `/Users/${id}`)).statusCode).toBe(204);
    const again = await t.scim(byName, 'POST', '/Users', { userName: userName.toUpperCase() });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ id, userName: userName.toUpperCase() });
    const rows = await t.db.selectFrom('scim_users').select(['id', 'key_value']).where('tenant', '=', byName).where('id', '=', id).execute();
    expect(rows).toEqual([{ id, key_value: userName.toLowerCase() }]);
  });

  it('concurrent re-links of a deleted account in different cases: one 201 with its id, the others 409', async () => {
    const userName = mixed();
    const id = (await t.scim(byName, 'POST', '/Users', { userName })).json().id as string;
    await t.scim(byName, 'DELETE', `/Users/${id}`);
    const responses = await Promise.all([userName.toUpperCase(), userName.toLowerCase(), userName].map((u) => t.scim(byName, 'POST', '/Users', { userName: u })));
    const ok = responses.filter((r) => r.statusCode === 201);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.json().id).toBe(id);
    expect(responses.filter((r) => r.statusCode === 409)).toHaveLength(2);
  });

  it('an account stored before keys were folded (key as sent) is found in any case', async () => {
    const userName = mixed();
    const id = (await t.scim(byName, 'POST', '/Users', { userName })).json().id as string;
    // As a row written by an earlier version: the key in the case it was sent.
    await t.db.updateTable('scim_users').set({ key_value: userName }).where('tenant', '=', byName).where('id', '=', id).execute();
    const dup = await t.scim(byName, 'POST', '/Users', { userName: userName.toLowerCase() });
    expect(dup.statusCode).toBe(409);
    const put = await t.scim(byName, 'PUT', `/Users/${id}`, { userName: userName.toUpperCase(), title: 'x' });
    expect(put.statusCode).toBe(200);
    await t.scim(byName, 'DELETE', `/Users/${id}`);
    const relinked = await t.scim(byName, 'POST', '/Users', { userName: userName.toLowerCase() });
    expect(relinked.json()).toMatchObject({ id, userName: userName.toLowerCase() });
  });

  it('creates that share a statement, one the key of a deleted account stored before keys were folded: that one re-links it', async () => {
    const userName = mixed();
    const id = (await t.scim(byName, 'POST', '/Users', { userName })).json().id as string;
    await t.db.updateTable('scim_users').set({ key_value: userName }).where('tenant', '=', byName).where('id', '=', id).execute();
    expect((await t.scim(byName, 'DELETE', `/Users/${id}`)).statusCode).toBe(204);
    const names = [mixed(), mixed(), mixed(), userName.toLowerCase()];
    const responses = await Promise.all(names.map((u) => t.scim(byName, 'POST', '/Users', { userName: u })));
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(responses[3]!.json()).toMatchObject({ id, userName: userName.toLowerCase() });
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(4);
  });

  it('a new userName (not only its case) is a key change: 400 mutability', async () => {
    const userName = mixed();
    const id = (await t.scim(byName, 'POST', '/Users', { userName })).json().id as string;
    const renamed = await t.scim(byName, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'userName', value: `x${userName}` }] });
    expect(renamed.statusCode).toBe(400);
    expect(renamed.json().scimType).toBe('mutability');
    expect((await t.scim(byName, 'GET', `/Users/${id}`)).json()[SCIMPLAN].status).toBe('active');
  });
});

describe('tenant keyed on externalId: the key stays case-exact', () => {
  it('externalIds differing only in case are two accounts', async () => {
    const externalId = `Ext-${randomUUID()}`;
    const a = await t.scim(byId, 'POST', '/Users', { userName: mixed(), externalId });
    const b = await t.scim(byId, 'POST', '/Users', { userName: mixed(), externalId: externalId.toLowerCase() });
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).not.toBe(b.json().id);
    const found = await t.scim(byId, 'GET', `/Users?${q(`externalId eq "${externalId}"`)}`);
    expect(found.json().Resources.map((r: { id: string }) => r.id)).toEqual([a.json().id]);
  });
});
