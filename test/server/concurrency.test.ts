// Server: at most one account per key value under concurrent creates, settled by the database.

import { expect, it } from 'vitest';
import { tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

const tenant = uniqueTenant('race');
const t = useTestApp(() => [tenantYaml(tenant)]);

it('50 concurrent POSTs of one key create exactly one account; 49 get 409', async () => {
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) => t.scim(tenant, 'POST', '/Users', userBody('same-key', `racer${i}@example.com`, { title: 'Director' }))),
  );
  const statuses = responses.map((r) => r.statusCode);
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(49);
  for (const r of responses.filter((x) => x.statusCode === 409)) expect(r.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });

  const rows = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).execute();
  expect(rows).toHaveLength(1);
  const memberships = await t.db.selectFrom('memberships').selectAll().where('tenant', '=', tenant).execute();
  expect(memberships).toHaveLength(1);
});

it('concurrent creates of different keys that name one new group create that group once', async () => {
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => t.scim(tenant, 'POST', '/Users', userBody(`g-${i}`, `g${i}@example.com`, { title: 'CFO' }))),
  );
  expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
  const groups = await t.db.selectFrom('scim_groups').select('display_name').where('tenant', '=', tenant).execute();
  expect(groups.map((g) => g.display_name)).toEqual(['Management']);
});

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

it('20 concurrent PATCHes of one user all apply (none lost) and each writes its event once', async () => {
  const created = await t.scim(tenant, 'POST', '/Users', userBody('patched', 'patched@example.com', { title: 'Engineer' }));
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      t.scim(tenant, 'PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: 'emails', value: [{ type: 'other', value: `other${i}@example.com` }] },
          { op: 'replace', path: 'title', value: `Title ${i}` },
        ],
      }),
    ),
  );
  expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
  const user = (await t.scim(tenant, 'GET', `/Users/${id}`)).json() as { emails: { value: string }[]; meta: { version: string } };
  for (let i = 0; i < 20; i++) expect(user.emails.map((e) => e.value)).toContain(`other${i}@example.com`);
  expect(user.meta.version).toBe('W/"21"');
  const events = await t.db.selectFrom('events').select('type').where('tenant', '=', tenant).where('account_id', '=', id).orderBy('id').execute();
  expect(events.map((e) => e.type)).toEqual(['user.created', ...Array(20).fill('user.updated')]);
});

it('concurrent creates of one userName under different keys create one account; the others get 409', async () => {
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => t.scim(tenant, 'POST', '/Users', userBody(`name-${i}`, 'same-name@example.com'))),
  );
  const statuses = responses.map((r) => r.statusCode).sort();
  expect(statuses).toEqual([201, ...Array(9).fill(409)]);
  for (const r of responses.filter((x) => x.statusCode === 409)) expect(r.json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
  const rows = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).where('user_name', '=', 'same-name@example.com').execute();
  expect(rows).toHaveLength(1);
});

it('concurrent re-creates of a deleted key re-link its account once; the others get 409', async () => {
  const created = await t.scim(tenant, 'POST', '/Users', userBody('relinked', 'relinked@example.com'));
  const id = created.json().id as string;
  expect((await t.scim(tenant, 'DELETE', `/Users/${id}`)).statusCode).toBe(204);
  const responses = await Promise.all(
    Array.from({ length: 10 }, (_, i) => t.scim(tenant, 'POST', '/Users', userBody('relinked', `relinked${i}@example.com`))),
  );
  const statuses = responses.map((r) => r.statusCode).sort();
  expect(statuses).toEqual([201, ...Array(9).fill(409)]);
  expect(responses.find((r) => r.statusCode === 201)!.json().id).toBe(id);
  const events = await t.db.selectFrom('events').select('type').where('tenant', '=', tenant).where('account_id', '=', id).orderBy('id').execute();
  expect(events.map((e) => e.type)).toEqual(['user.created', 'user.deleted', 'user.relinked']);
});
