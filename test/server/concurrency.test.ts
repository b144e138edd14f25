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
