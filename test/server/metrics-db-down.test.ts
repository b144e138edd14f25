// Server: /metrics still answers while the database does not (the held-deactivations gauge
// keeps its last values), so an operator can see the fault.

import { afterAll, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../server/db/tables.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { planOf, tenantYaml, uniqueTenant, validatedApp } from './helpers.ts';

const tenant = uniqueTenant('metrics-down');
let calls = 0;
const app = validatedApp({
  db: undefined as unknown as Kysely<Database>,
  tenants: new TenantRegistry([planOf(tenantYaml(tenant))]),
  heldDeactivations: async () => {
    calls++;
    if (calls > 1) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    return new Map([[tenant, 3]]);
  },
});
afterAll(async () => {
  await app.close();
});

it('answers 200 with the last known held count when the count query fails', async () => {
  const first = await app.inject({ method: 'GET', url: '/metrics' });
  expect(first.statusCode).toBe(200);
  expect(first.body).toContain(`scimplan_deactivations_held{tenant="${tenant}"} 3`);
  const second = await app.inject({ method: 'GET', url: '/metrics' });
  expect(calls).toBe(2);
  expect(second.statusCode).toBe(200);
  expect(second.body).toContain(`scimplan_deactivations_held{tenant="${tenant}"} 3`);
  expect(second.body).toContain('scimplan_http_requests_total');
});
