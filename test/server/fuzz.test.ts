// Server: a fast-check fuzz of hostile requests against a live app (buildApp + inject): bodies,
// filters, paths, headers, PATCH operations and Bulk. Never a 5xx; every error answer (and every
// failed Bulk operation) an RFC 7644 §3.12 body; another tenant's seeded data unchanged.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_SCHEMA } from '../../server/errors.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { FUZZ_SEED, FuzzRun, fuzzTenantYaml, type Send } from './fuzz-harness.ts';
import { bulkRequests, filterRequests, groupBodyRequests, pathRequests, patchRequests, userBodyRequests, type FuzzRequest } from './fuzz-requests.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, validatedApp } from './helpers.ts';

/** Runs per kind of request: 10,400 requests in all (Bulk operations not counted). */
const RUNS = { paths: 2_000, userBodies: 2_000, groupBodies: 1_200, patches: 2_000, bulk: 1_200, filters: 2_000 };

const fuzzTenant = uniqueTenant('fuzz');
let app: FastifyInstance;
const send: Send = (r) => app.inject({ method: r.method, url: r.url, headers: r.headers, ...(r.payload === undefined ? {} : { payload: r.payload }) });
const fuzz = new FuzzRun(send, fuzzTenant, uniqueTenant('fuzz-seeded'));

beforeAll(async () => {
  const { db } = await openTestDatabase();
  const tenants = new TenantRegistry([planOf(fuzzTenantYaml(fuzzTenant)), planOf(tenantYaml(fuzz.seededTenant))]);
  app = validatedApp({ db, tenants, adminToken: 'fuzz-admin-token' });
  await fuzz.setUp();
});
afterAll(async () => app?.close());

describe(`fuzz: ${Object.values(RUNS).reduce((a, b) => a + b)} hostile requests (seed ${FUZZ_SEED})`, () => {
  it(`random methods on random paths (${RUNS.paths})`, () => fuzz.run(pathRequests, RUNS.paths), 120_000);
  it(`User bodies (${RUNS.userBodies})`, async () => {
    await fuzz.refreshTargets('own-users');
    await fuzz.run(userBodyRequests, RUNS.userBodies);
  }, 120_000);
  it(`Group bodies (${RUNS.groupBodies})`, async () => {
    await fuzz.refreshTargets('own-groups');
    await fuzz.run(groupBodyRequests, RUNS.groupBodies);
  }, 120_000);
  it(`PATCH operations (${RUNS.patches})`, async () => {
    await fuzz.refreshTargets('own-patches');
    await fuzz.run(patchRequests, RUNS.patches);
  }, 120_000);
  it(`Bulk requests (${RUNS.bulk})`, async () => {
    await fuzz.refreshTargets('own-bulk');
    await fuzz.run(bulkRequests, RUNS.bulk);
  }, 120_000);
  it(`filters and list parameters (${RUNS.filters})`, async () => {
    await fuzz.dropHugeUsers();
    await fuzz.run(filterRequests, RUNS.filters);
  }, 120_000);

  it('reached the routes: created, changed and listed resources as well as refusing', () => {
    expect(fuzz.count(() => true)).toBe(Object.values(RUNS).reduce((a, b) => a + b));
    expect(fuzz.statuses.get(201) ?? 0).toBeGreaterThan(50);
    expect(fuzz.statuses.get(200) ?? 0).toBeGreaterThan(500);
    expect(fuzz.count((s) => s >= 400)).toBeGreaterThan(1_000);
    expect(fuzz.aimedAtOther).toBeGreaterThan(200);
    if (process.env['FUZZ_REPORT']) console.log(Object.fromEntries([...fuzz.statuses].sort(([a], [b]) => a - b)));
  });

  it("left the other tenant's seeded users and groups unchanged", () => fuzz.expectSeededUnchanged());
});

describe('requests the fuzz found (500 before the fix)', () => {
  // A filter's string escape put a NUL or a lone surrogate into the SQL parameter: PostgreSQL refused it.
  const cases: [string, FuzzRequest][] = [
    ['a NUL escape in a GET filter', { method: 'GET', url: `/scim/v2/${fuzzTenant}/Groups?filter=${encodeURIComponent('displayName EQ "7d$\\u0000"')}`, headers: {} }],
    ['a lone-surrogate escape in a GET filter', { method: 'GET', url: `/scim/v2/${fuzzTenant}/Users?filter=${encodeURIComponent('userName sw "x\\ud800"')}`, headers: {} }],
    ['a NUL escape in a .search filter', { method: 'POST', url: `/scim/v2/${fuzzTenant}/.search`, headers: { 'content-type': 'application/scim+json' }, payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'title co "\\u0000"' }) }],
  ];
  for (const [name, r] of cases) {
    it(`${name} -> 400 invalidFilter`, async () => {
      const res = await app.inject({ ...r, headers: { ...r.headers, authorization: `Bearer secret-${fuzzTenant}` } });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidFilter' });
      expect(res.json().detail).toMatch(/^the filter holds a (NUL character|lone UTF-16 surrogate)$/);
    });
  }
});
