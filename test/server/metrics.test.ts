// Server: /metrics in the Prometheus text format: requests by route pattern and status,
// provisioning outcomes by event type, config state per tenant, held deactivations; no values.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, userBody, validatedApp } from './helpers.ts';

let database: OpenDatabase;
let app: FastifyInstance;
let other: FastifyInstance;
const tenant = uniqueTenant('metrics');
const plan = planOf(tenantYaml(tenant));

beforeAll(async () => {
  database = await openTestDatabase();
  app = validatedApp({ db: database.db, tenants: new TenantRegistry([plan]) });
  other = validatedApp({ db: database.db, tenants: new TenantRegistry([plan]) });
});
afterAll(async () => {
  await app.close();
  await other.close();
  await database.close();
});

const scim = (method: 'POST' | 'PATCH' | 'GET', url: string, body?: unknown) =>
  app.inject({
    method,
    url: `/scim/v2/${tenant}${url}`,
    headers: { authorization: `Bearer secret-${tenant}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body ? { payload: JSON.stringify(body) } : {}),
  });

/** The value of one series, by its exact label set as printed. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

it('counts requests by route pattern and status, and provisioning outcomes by event type', async () => {
  const created = await scim('POST', '/Users', userBody('m-1', 'metrics-person@example.com', { title: 'Director' }));
  expect(created.statusCode).toBe(201);
  expect((await scim('POST', '/Users', userBody('m-1', 'metrics-person@example.com'))).statusCode).toBe(409);
  expect((await scim('PATCH', `/Users/${created.json().id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] })).statusCode).toBe(200);
  expect((await app.inject({ method: 'GET', url: '/no/such/path' })).statusCode).toBe(404);

  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = res.body;
  expect(sample(text, 'scimplan_http_requests_total', 'method="POST",route="/scim/v2/:tenant/Users",status="201"')).toBe(1);
  expect(sample(text, 'scimplan_http_requests_total', 'method="POST",route="/scim/v2/:tenant/Users",status="409"')).toBe(1);
  expect(sample(text, 'scimplan_http_requests_total', 'method="PATCH",route="/scim/v2/:tenant/Users/:id",status="200"')).toBe(1);
  expect(sample(text, 'scimplan_http_requests_total', 'method="GET",route="unmatched",status="404"')).toBe(1);
  expect(text).toMatch(/scimplan_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/scim\/v2\/:tenant\/Users"\}/);

  expect(sample(text, 'scimplan_events_total', `tenant="${tenant}",type="user.created"`)).toBe(1);
  expect(sample(text, 'scimplan_events_total', `tenant="${tenant}",type="group.member_added"`)).toBe(1);
  expect(sample(text, 'scimplan_events_total', `tenant="${tenant}",type="user.deactivated"`)).toBe(1);
  expect(text).not.toContain('metrics-person');
  expect(text).not.toContain('Director');

  // Another app of the same process keeps its own registry.
  const second = (await other.inject({ method: 'GET', url: '/metrics' })).body;
  expect(sample(second, 'scimplan_http_requests_total', 'method="POST",route="/scim/v2/:tenant/Users",status="201"')).toBeUndefined();
  // ... and its own signals: the same tenant's events, written through `app`, are not counted there.
  expect(sample(second, 'scimplan_events_total', `tenant="${tenant}",type="user.created"`)).toBeUndefined();
});

it('shows the config serving each tenant, fresh, and its held deactivations', async () => {
  await database.db
    .insertInto('scim_users')
    .values({
      id: randomUUID(),
      tenant,
      key_value: 'held-1',
      user_name: 'held-1@example.com',
      external_id: 'held-1',
      work_email: null,
      resource: '{}',
      profile: '{}',
      status: 'pending',
      deactivated_at: null,
      reason: null,
      next_check_at: null,
      config_hash: plan.hash,
      created_at: new Date(),
      updated_at: new Date(),
      deleted_at: null,
    })
    .execute();
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  expect(sample(text, 'scimplan_tenant_config_info', `tenant="${tenant}",file="${plan.file}",hash="${plan.hash}"`)).toBe(1);
  expect(sample(text, 'scimplan_tenant_config_stale', `tenant="${tenant}",file="${plan.file}",codes=""`)).toBe(0);
  expect(sample(text, 'scimplan_deactivations_held', `tenant="${tenant}"`)).toBe(1);
  expect(sample(text, 'scimplan_config_failed_files', '')).toBeUndefined();
  expect(text).toMatch(/^scimplan_config_failed_files 0$/m);
});
