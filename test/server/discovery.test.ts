// Server: discovery endpoints tell the truth, health endpoints answer.

import { expect, it } from 'vitest';
import { tenantYaml, uniqueTenant, useTestApp } from './helpers.ts';

const tenant = uniqueTenant('disco');
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const t = useTestApp(() => [tenantYaml(tenant, `schemas:\n  - urn: ${ACME}\n    alias: acme\n    attributes:\n      costCenter: string\n`)]);

it('describes what is supported in /ServiceProviderConfig', async () => {
  const res = await t.scim(tenant, 'GET', '/ServiceProviderConfig');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(res.json()).toMatchObject({
    patch: { supported: true },
    bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 4 * 1024 * 1024 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
  });
  const bulk = await t.scim(tenant, 'POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] });
  expect(bulk.statusCode).toBe(200);
});

it('lists the User resource type with its extensions', async () => {
  const res = (await t.scim(tenant, 'GET', '/ResourceTypes')).json();
  expect(res.Resources[0]).toMatchObject({ id: 'User', endpoint: '/Users' });
  expect(res.Resources[0].schemaExtensions.map((e: { schema: string }) => e.schema)).toContain(ACME);
  expect(res.Resources[1]).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: 'urn:ietf:params:scim:schemas:core:2.0:Group' });
  expect((await t.scim(tenant, 'GET', '/ResourceTypes/Group')).json()).toMatchObject({ id: 'Group' });
});

it("lists core, enterprise, scimplan and the tenant's schemas", async () => {
  const res = (await t.scim(tenant, 'GET', '/Schemas')).json();
  const ids = res.Resources.map((s: { id: string }) => s.id);
  expect(ids).toEqual([
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User',
    ACME,
    'urn:ietf:params:scim:schemas:core:2.0:Group',
  ]);
  const acme = (await t.scim(tenant, 'GET', `/Schemas/${ACME}`)).json();
  expect(acme.attributes).toEqual([expect.objectContaining({ name: 'costCenter', type: 'string' })]);
});

it('answers /healthz and /readyz', async () => {
  expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(200);
  expect(ready.json()).toMatchObject({ status: 'ready', database: true, tenants: 1 });
});
