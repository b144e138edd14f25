// Server: the per-tenant request-rate limit: token buckets on a driven clock, 429 with
// Retry-After and a SCIM body, tenants apart, unauthenticated requests free, /Bulk counting its
// operations, the `limits:` setting of the tenant file.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { ERROR_SCHEMA } from '../../server/errors.ts';
import { RateLimiter } from '../../server/rate-limit.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, userBody, validatedApp } from './helpers.ts';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

describe('RateLimiter', () => {
  const limit = { requestsPerSecond: 2, burst: 3 };

  it('admits a full bucket, then refuses with the whole seconds until a token is back', () => {
    let now = 1_000;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) expect(limiter.admit('a', limit)).toEqual({ admitted: true });
    expect(limiter.admit('a', limit)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    now += 499;
    expect(limiter.admit('a', limit).admitted).toBe(false);
    now += 1;
    expect(limiter.admit('a', limit)).toEqual({ admitted: true });
    expect(limiter.admit('a', limit).admitted).toBe(false);
  });

  it('refills at the rate and never above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) limiter.admit('a', limit);
    now += 60_000;
    for (let i = 0; i < 3; i++) expect(limiter.admit('a', limit).admitted, `request ${i}`).toBe(true);
    expect(limiter.admit('a', limit).admitted).toBe(false);
  });

  it('keeps tenants apart', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 3; i++) limiter.admit('a', limit);
    expect(limiter.admit('a', limit).admitted).toBe(false);
    expect(limiter.admit('b', limit).admitted).toBe(true);
  });

  it('lets a charged request put the bucket in debt, refilled before the next admission', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    expect(limiter.admit('a', limit).admitted).toBe(true);
    limiter.charge('a', limit, 9); // 3 - 1 - 9 = -7 tokens: 4 s until one is back
    expect(limiter.admit('a', limit)).toEqual({ admitted: false, retryAfterSeconds: 4 });
    now += 3_999;
    expect(limiter.admit('a', limit).admitted).toBe(false);
    now += 1;
    expect(limiter.admit('a', limit).admitted).toBe(true);
  });

  it('reads the limit at every call, so a reloaded file applies at once', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    for (let i = 0; i < 3; i++) limiter.admit('a', limit);
    expect(limiter.admit('a', limit).admitted).toBe(false);
    now += 10;
    expect(limiter.admit('a', { requestsPerSecond: 1000, burst: 2000 }).admitted).toBe(true);
  });
});

describe('the tenant file `limits:`', () => {
  const file = (limits: string) => `tenant: acme\ntokens: [{ env: X }]\nkey: externalId\nprofile: { a: title }\n${limits}`;
  const codes = (limits: string) => compileTenantFile('t.yaml', file(limits)).diagnostics.map((d) => `${d.code} ${d.message}`);

  it('defaults to 100 requests per second with a burst of twice that', () => {
    expect(planOf(file('')).limits).toEqual({ requestsPerSecond: 100, burst: 200 });
    expect(planOf(file('limits: { requestsPerSecond: 30 }')).limits).toEqual({ requestsPerSecond: 30, burst: 60 });
    expect(planOf(file('limits: { requestsPerSecond: 30, burst: 5 }')).limits).toEqual({ requestsPerSecond: 30, burst: 5 });
  });

  it('reports shape errors from the schema', () => {
    expect(codes('limits: { requestsPerSecond: 0 }')).toEqual(['E004 must be >= 1 for `limits.requestsPerSecond`']);
    expect(codes('limits: { burst: 2.5 }')).toEqual(['E004 expected a whole number for `limits.burst`, found a number']);
    expect(codes('limits: { rps: 3 }')).toEqual(['E002 unknown key `rps` in `limits`']);
    expect(codes('limits: 5')).toEqual(['E004 expected a mapping for `limits`, found a number']);
  });
});

describe('429 from the SCIM API', () => {
  const limited = uniqueTenant('rate');
  const other = uniqueTenant('rate-other');
  let now = 0;
  let app: FastifyInstance;
  let tenants: TenantRegistry;

  beforeAll(async () => {
    const { db } = await openTestDatabase();
    tenants = new TenantRegistry([planOf(tenantYaml(limited, 'limits: { requestsPerSecond: 2, burst: 3 }')), planOf(tenantYaml(other))]);
    app = validatedApp({ db, tenants, rateLimitClock: () => now });
    // The response validator reads /Schemas and /ResourceTypes once per plan, through the same
    // bucket: read them now, so that the counts below are the test's own requests.
    await app.inject({ method: 'GET', url: `/scim/v2/${limited}/Users?count=1`, headers: { authorization: `Bearer secret-${limited}` } });
  });
  afterAll(async () => app?.close());

  const get = (tenant: string, token = `secret-${tenant}`) =>
    app.inject({ method: 'GET', url: `/scim/v2/${tenant}/ServiceProviderConfig`, headers: { authorization: `Bearer ${token}` } });
  const bulk = (tenant: string, operations: readonly unknown[]) =>
    app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Bulk`,
      headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: operations }),
    });
  const statuses = async (n: number, send: () => Promise<LightMyRequestResponse>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await send()).statusCode);
    return out;
  };
  /** Waits out the bucket of `limited` (the clock moves; nothing sleeps). */
  const refill = () => {
    now += 60_000;
  };
  const rateLimitedTotal = async (tenant: string) => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith(`scimplan_rate_limited_total{tenant="${tenant}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };

  it('answers 429 with Retry-After and a SCIM body over the limit, and the budget refills', async () => {
    refill();
    expect(await statuses(3, () => get(limited))).toEqual([200, 200, 200]);
    const refused = await get(limited);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(String(refused.headers['content-type'])).toMatch(/^application\/scim\+json/);
    expect(refused.json()).toEqual({ schemas: [ERROR_SCHEMA], status: '429', detail: 'too many requests for this tenant; retry after 1 s' });
    now += 500;
    expect(await statuses(2, () => get(limited))).toEqual([200, 429]);
    now += 1_000;
    expect(await statuses(3, () => get(limited))).toEqual([200, 200, 429]);
  });

  it('leaves other tenants unaffected', async () => {
    refill();
    expect(await statuses(4, () => get(limited))).toEqual([200, 200, 200, 429]);
    expect(await statuses(50, () => get(other))).toEqual(Array(50).fill(200));
    expect((await get(limited)).statusCode).toBe(429);
  });

  it('counts refusals in scimplan_rate_limited_total per tenant', async () => {
    refill();
    const before = await rateLimitedTotal(limited);
    expect(await statuses(5, () => get(limited))).toEqual([200, 200, 200, 429, 429]);
    expect(await rateLimitedTotal(limited)).toBe(before + 2);
    expect(await rateLimitedTotal(other)).toBe(0);
  });

  it('spends nothing of the budget on requests without the tenant token', async () => {
    refill();
    expect(await statuses(20, () => get(limited, 'wrong'))).toEqual(Array(20).fill(401));
    expect(await statuses(4, () => get(limited))).toEqual([200, 200, 200, 429]);
  });

  it('counts each operation of a /Bulk request, and runs every operation it admitted', async () => {
    refill();
    const ops = [0, 1].map((i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: userBody(`rate-bulk-${i}`, `rate-bulk-${i}@example.com`) }));
    const res = await bulk(limited, ops);
    expect(res.statusCode).toBe(200);
    expect(res.json().Operations.map((o: { status: string }) => o.status)).toEqual(['201', '201']);
    // 3 - 2 operations: one request left.
    expect(await statuses(2, () => get(limited))).toEqual([200, 429]);
  });

  it('admits a /Bulk request on one token and charges its operations as debt', async () => {
    refill();
    expect(await statuses(2, () => get(limited))).toEqual([200, 200]);
    const ops = [0, 1, 2, 3].map((i) => ({ method: 'DELETE', path: `/Users/rate-missing-${i}` }));
    const res = await bulk(limited, ops);
    expect(res.statusCode).toBe(200);
    expect(res.json().Operations.map((o: { status: string }) => o.status)).toEqual(['404', '404', '404', '404']);
    // 1 - 4 = -3 tokens: 2 s until one is back at 2 per second.
    const refused = await get(limited);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    now += 2_000;
    expect(await statuses(2, () => get(limited))).toEqual([200, 429]);
  });

  it('applies a reloaded limit at once', async () => {
    refill();
    expect(await statuses(4, () => get(limited))).toEqual([200, 200, 200, 429]);
    tenants.set(planOf(tenantYaml(limited, 'limits: { requestsPerSecond: 1000 }')));
    now += 10;
    expect(await statuses(10, () => get(limited))).toEqual(Array(10).fill(200));
    tenants.set(planOf(tenantYaml(limited, 'limits: { requestsPerSecond: 2, burst: 3 }')));
  });
});
