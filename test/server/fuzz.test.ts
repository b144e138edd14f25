// Server: a fast-check fuzz of hostile requests against a live app (buildApp + inject): bodies,
// filters, paths, headers, PATCH operations and Bulk. Never a 5xx; every error answer (and every
// failed Bulk operation) an RFC 7644 §3.12 body; another tenant's seeded data unchanged.

import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_SCHEMA } from '../../server/errors.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import {
  bulkRequests,
  filterRequests,
  groupBodyRequests,
  pathRequests,
  patchRequests,
  userBodyRequests,
  type FuzzRequest,
  type FuzzTargets,
} from './fuzz-requests.ts';
import { openTestDatabase, planOf, sha256Hex, tenantYaml, uniqueTenant, userBody, validatedApp } from './helpers.ts';

/** Runs per kind of request: 10,400 requests in all (Bulk operations not counted). */
const RUNS = { paths: 2_000, userBodies: 2_000, groupBodies: 1_200, patches: 2_000, bulk: 1_200, filters: 2_000 };
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);

const fuzzTenant = uniqueTenant('fuzz');
const seededTenant = uniqueTenant('fuzz-seeded');
// The fuzz tenant declares an extension (typed attributes to get wrong); its limit is far above
// what the run sends, so a 429 never hides an answer.
const fuzzYaml = `tenant: ${fuzzTenant}
tokens: [{ sha256: ${sha256Hex(`secret-${fuzzTenant}`)} }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:fuzz:2.0:User
    alias: fz
    attributes: { costCenter: string, startDate: dateTime, level: integer, remote: boolean }
profile:
  function: title
  department: enterprise.department
  costCenter: fz.costCenter
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false or fz.startDate gt now() }
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: 'function in ["Director", "CFO"]'
limits: { requestsPerSecond: 1000000, burst: 1000000 }
`;

let app: FastifyInstance;
let targets: FuzzTargets;
const statuses = new Map<number, number>();
/** Requests that named the seeded tenant or one of its ids. */
let aimedAtOther = 0;

const scim = (tenant: string, method: 'GET' | 'POST', path: string, body?: unknown) =>
  app.inject({
    method,
    url: `/scim/v2/${tenant}${path}`,
    headers: { authorization: `Bearer secret-${tenant}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

/** Three users, a group with them as members and the rule group `Management`, in `tenant`; returns their ids. */
async function seed(tenant: string, prefix: string): Promise<{ users: string[]; groups: string[] }> {
  const users: string[] = [];
  for (const [i, title] of ['Director', 'Engineer', 'Sales'].entries()) {
    const res = await scim(tenant, 'POST', '/Users', userBody(`${prefix}-${i}`, `${prefix}-${i}@example.com`, { title }));
    expect(res.statusCode, res.body).toBe(201);
    users.push(res.json().id);
  }
  const group = await scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `${prefix} team`, members: users.map((value) => ({ value })) });
  expect(group.statusCode, group.body).toBe(201);
  const management = (await scim(tenant, 'GET', `/Groups?filter=${encodeURIComponent('displayName eq "Management"')}`)).json().Resources[0].id;
  return { users, groups: [group.json().id, management] };
}

/** The seeded tenant as its own client reads it: every list and every resource by id. */
async function snapshotOf(tenant: string, ids: { users: string[]; groups: string[] }) {
  const read = async (path: string) => {
    const res = await scim(tenant, 'GET', path);
    return { status: res.statusCode, body: res.json() as unknown };
  };
  return {
    users: await read('/Users?count=1000&sortBy=id'),
    groups: await read('/Groups?count=1000'),
    byId: await Promise.all([...ids.users.map((id) => read(`/Users/${id}`)), ...ids.groups.map((id) => read(`/Groups/${id}`))]),
  };
}

let seeded: { users: string[]; groups: string[] };
let before: Awaited<ReturnType<typeof snapshotOf>>;

beforeAll(async () => {
  const { db } = await openTestDatabase();
  const tenants = new TenantRegistry([planOf(fuzzYaml), planOf(tenantYaml(seededTenant))]);
  app = validatedApp({ db, tenants, adminToken: 'fuzz-admin-token' });
  seeded = await seed(seededTenant, 'seeded');
  const own = await seed(fuzzTenant, 'own');
  targets = { tenant: fuzzTenant, token: `secret-${fuzzTenant}`, otherTenant: seededTenant, userIds: own.users, groupIds: own.groups, foreignIds: [...seeded.users, ...seeded.groups] };
  before = await snapshotOf(seededTenant, seeded);
});
afterAll(async () => app?.close());

/** What a failure message shows of the request: enough to send it again. */
function describeRequest(r: FuzzRequest): string {
  const payload = r.payload === undefined ? undefined : Buffer.isBuffer(r.payload) ? `<bytes ${r.payload.toString('hex').slice(0, 400)}>` : r.payload.length > 600 ? `${r.payload.slice(0, 600)}… (${r.payload.length} chars)` : r.payload;
  return JSON.stringify({ method: r.method, url: r.url.length > 600 ? `${r.url.slice(0, 600)}…` : r.url, headers: r.headers, payload });
}

/** The RFC 7644 §3.12 body of an error answer with status `status`, or why it is not one. */
function errorBodyProblem(body: unknown, status: number): string | undefined {
  if (body === null || typeof body !== 'object') return 'not a JSON object';
  const b = body as Record<string, unknown>;
  if (JSON.stringify(b['schemas']) !== JSON.stringify([ERROR_SCHEMA])) return `schemas ${JSON.stringify(b['schemas'])}`;
  if (b['status'] !== String(status)) return `status ${JSON.stringify(b['status'])} for ${status}`;
  if (typeof b['detail'] !== 'string') return 'no detail string';
  return undefined;
}

function check(r: FuzzRequest, res: LightMyRequestResponse): void {
  if ([seededTenant, ...targets.foreignIds].some((s) => r.url.includes(s) || (typeof r.payload === 'string' && r.payload.includes(s)))) aimedAtOther++;
  const where = (why: string) => `${why}\n  request: ${describeRequest(r)}\n  answer: ${res.statusCode} ${res.body.slice(0, 300)}`;
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  if (res.statusCode >= 500) throw new Error(where('a 5xx answer'));
  if (res.statusCode === 429) throw new Error(where('rate limited: the fuzz tenant must not be'));
  if (r.method === 'HEAD') return;
  if (res.statusCode >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/scim+json')) throw new Error(where(`content type ${String(res.headers['content-type'])}`));
    let parsed: unknown;
    try {
      parsed = res.json();
    } catch {
      throw new Error(where('the error body is not JSON'));
    }
    const problem = errorBodyProblem(parsed, res.statusCode);
    if (problem) throw new Error(where(`not a SCIM error body: ${problem}`));
    return;
  }
  if (r.url.includes('/Bulk') && res.statusCode === 200) {
    for (const op of (res.json() as { Operations?: { status: string; response?: unknown }[] }).Operations ?? []) {
      const status = Number(op.status);
      if (status >= 500) throw new Error(where(`a Bulk operation answered ${op.status}`));
      const problem = status >= 400 ? errorBodyProblem(op.response, status) : undefined;
      if (problem) throw new Error(where(`a failed Bulk operation without a SCIM error body: ${problem}`));
    }
  }
}

/** Fresh users and groups of the fuzz tenant to aim at (earlier runs may have deleted the last ones). */
async function refreshTargets(prefix: string): Promise<void> {
  const own = await seed(fuzzTenant, prefix);
  targets = { ...targets, userIds: own.users, groupIds: own.groups };
}

const run = (arbitrary: (t: FuzzTargets) => fc.Arbitrary<FuzzRequest>, numRuns: number) =>
  fc.assert(
    fc.asyncProperty(arbitrary(targets), async (r) => {
      check(r, await app.inject({ method: r.method, url: r.url, headers: r.headers, ...(r.payload === undefined ? {} : { payload: r.payload }) }));
    }),
    { numRuns, seed: SEED, endOnFailure: true },
  );

describe(`fuzz: ${Object.values(RUNS).reduce((a, b) => a + b)} hostile requests (seed ${SEED})`, () => {
  it(`random methods on random paths (${RUNS.paths})`, () => run(pathRequests, RUNS.paths), 120_000);
  it(`User bodies (${RUNS.userBodies})`, async () => {
    await refreshTargets('own-users');
    await run(userBodyRequests, RUNS.userBodies);
  }, 120_000);
  it(`Group bodies (${RUNS.groupBodies})`, async () => {
    await refreshTargets('own-groups');
    await run(groupBodyRequests, RUNS.groupBodies);
  }, 120_000);
  it(`PATCH operations (${RUNS.patches})`, async () => {
    await refreshTargets('own-patches');
    await run(patchRequests, RUNS.patches);
  }, 120_000);
  it(`Bulk requests (${RUNS.bulk})`, async () => {
    await refreshTargets('own-bulk');
    await run(bulkRequests, RUNS.bulk);
  }, 120_000);
  it(`filters and list parameters (${RUNS.filters})`, async () => {
    // The user with a 900,000-character title (stored by the User bodies above) would make every
    // list page megabytes long: the run would measure serialisation, not filters.
    const huge = await scim(fuzzTenant, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "huge"')}&attributes=id`);
    for (const { id } of huge.json().Resources as { id: string }[]) {
      expect((await app.inject({ method: 'DELETE', url: `/scim/v2/${fuzzTenant}/Users/${id}`, headers: { authorization: `Bearer secret-${fuzzTenant}` } })).statusCode).toBe(204);
    }
    await run(filterRequests, RUNS.filters);
  }, 120_000);

  it('reached the routes: created, changed and listed resources as well as refusing', () => {
    const count = (pred: (s: number) => boolean) => [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    expect(count(() => true)).toBe(Object.values(RUNS).reduce((a, b) => a + b));
    expect(statuses.get(201) ?? 0).toBeGreaterThan(50);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(500);
    expect(count((s) => s >= 400)).toBeGreaterThan(1_000);
    expect(aimedAtOther).toBeGreaterThan(200);
    if (process.env['FUZZ_REPORT']) console.log(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
  });

  it("left the other tenant's seeded users and groups unchanged", async () => {
    const after = await snapshotOf(seededTenant, seeded);
    expect(after.users.status).toBe(200);
    expect((after.users.body as { totalResults: number }).totalResults).toBe(3);
    expect(after).toEqual(before);
  });
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
