// Server: RFC 9865 cursor pagination of /Users and /Groups (GET and .search): a walk returns
// each row that existed before it exactly once while others are inserted, with and without
// sortBy; cursors are opaque, signed for one tenant and one query, and expire; the errors.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { cursorScope, encodeCursor } from '../../server/routes/cursor.ts';
import { sha256Hex, tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const tenant = uniqueTenant('cursor');
const other = uniqueTenant('cursor-other');
/** The tenant of the 10,000 users alone, so the other tests list small tenants. */
const big = uniqueTenant('cursor-big');
// The writer below creates as fast as the server answers for as long as the walk lasts: the big
// tenant's request-rate limit must not be what ends it (a 429 there is the test's pace, not a bug).
const t = useTestApp(() => [tenantYaml(tenant), tenantYaml(other), tenantYaml(big, 'limits: { requestsPerSecond: 10000, burst: 20000 }\n')]);

/**
 * Seeds `count` users in SQL (the test is about the walk, not the setup): userNames
 * `<prefix>00001`…, 100 users per created_at (ties are broken by id), dated `daysAhead` from now
 * so that users created through the API during the walk sort before them.
 */
async function seedUsers(on: string, prefix: string, count: number, daysAhead = 1): Promise<Set<string>> {
  const rows = await sql<{ id: string }>`insert into scim_users (id, tenant, key_value, user_name, resource, profile, status, config_hash, created_at, updated_at)
    select gen_random_uuid(), ${on}, ${prefix} || i, ${prefix} || lpad(i::text, 5, '0'),
      jsonb_build_object('userName', ${prefix} || lpad(i::text, 5, '0')), '{}'::jsonb, 'active', 'seed',
      now() + make_interval(days => ${daysAhead}::int) + make_interval(secs => (i / 100)::int), now()
    from generate_series(1, ${count}::int) as i
    returning id`.execute(t.db);
  return new Set(rows.rows.map((r) => r.id));
}

interface Walk {
  readonly ids: string[];
  readonly pages: number;
  readonly totals: number[];
}

/** Follows `nextCursor` from an empty cursor to the last page; `between` runs after each page. */
async function walk(request: (cursor: string) => Promise<Record<string, unknown>>, between?: () => Promise<void>): Promise<Walk> {
  const ids: string[] = [];
  const totals: number[] = [];
  let cursor = '';
  for (let pages = 1; ; pages++) {
    const body = await request(cursor);
    expect(body['startIndex']).toBeUndefined();
    const resources = body['Resources'] as { id: string }[];
    expect(body['itemsPerPage']).toBe(resources.length);
    ids.push(...resources.map((r) => r.id));
    totals.push(body['totalResults'] as number);
    await between?.();
    if (body['nextCursor'] === undefined) return { ids, pages, totals };
    cursor = body['nextCursor'] as string;
    expect(cursor).toMatch(/^[A-Za-z0-9._~-]+$/); // RFC 3986 unreserved characters only
  }
}

const getUsers = (on: string, query: string) => async (cursor: string) => {
  const res = await t.scim(on, 'GET', `/Users?cursor=${encodeURIComponent(cursor)}&${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Record<string, unknown>;
};

/** Exactly once: no id twice, and every id of `expected` seen. */
function expectEachOnce(seen: readonly string[], expected: ReadonlySet<string>): void {
  expect(new Set(seen).size).toBe(seen.length);
  const seenSet = new Set(seen);
  expect([...expected].filter((id) => !seenSet.has(id))).toEqual([]);
}

describe('a cursor walk over Users', () => {
  it('returns each of 10,000 users exactly once while others are created concurrently', { timeout: 240_000 }, async () => {
    const seeded = await seedUsers(big, 'seed-', 10_000);
    let walking = true;
    const created: string[] = [];
    // Creates users through the API for as long as the walk lasts; each sorts before every seeded user.
    const writer = (async () => {
      while (walking) {
        const key = randomUUID();
        const res = await t.scim(big, 'POST', '/Users', userBody(key, `${key}@example.com`));
        expect(res.statusCode).toBe(201);
        created.push(res.json().id as string);
      }
    })();
    // On one PGlite connection the two interleave by request: each page waits for one more create.
    const oneMoreCreated = async () => {
      const before = created.length;
      const end = Date.now() + 5_000;
      while (created.length === before && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    const started = Date.now();
    let result: Walk;
    try {
      result = await walk(getUsers(big, 'count=200&attributes=userName'), oneMoreCreated);
    } finally {
      walking = false;
      await writer;
    }
    expectEachOnce(result.ids, seeded);
    // What the walk saw beyond the seeded users was created during it.
    const createdSet = new Set(created);
    expect(result.ids.filter((id) => !seeded.has(id) && !createdSet.has(id))).toEqual([]);
    expect(result.pages).toBeGreaterThanOrEqual(50);
    expect(created.length).toBeGreaterThanOrEqual(result.pages - 1);
    // totalResults counts what exists at each page: it grows with the creates.
    expect(result.totals[0]).toBeGreaterThanOrEqual(10_000);
    expect(result.totals.at(-1)).toBeGreaterThan(result.totals[0]!);
    console.log(`cursor walk: 10,000 users in ${result.pages} pages, ${created.length} created meanwhile, ${Date.now() - started} ms`);
  });

  it('is stable where startIndex is not: users created between pages that sort before the page', async () => {
    const on = uniqueTenant('cursor-shift');
    const seeded = await seedUsers(tenant, `${on}-`, 30);
    const filter = encodeURIComponent(`userName sw "${on}"`);
    let n = 0;
    // Each new user sorts before every seeded one (by userName, and by created_at).
    const insertBefore = async () => {
      for (let i = 0; i < 2; i++, n++) {
        const res = await t.scim(tenant, 'POST', '/Users', userBody(randomUUID(), `${on}-0-${String(n).padStart(3, '0')}`));
        expect(res.statusCode).toBe(201);
      }
    };
    for (const sortBy of ['', '&sortBy=userName']) {
      const byCursor = await walk(getUsers(tenant, `count=10&filter=${filter}${sortBy}`), insertBefore);
      expectEachOnce(byCursor.ids.filter((id) => seeded.has(id)), seeded);
      // The same walk by index sees some users twice: the rows shift under it.
      const byIndex: string[] = [];
      for (let start = 1; ; start += 10) {
        const res = (await t.scim(tenant, 'GET', `/Users?startIndex=${start}&count=10&filter=${filter}${sortBy}`)).json();
        byIndex.push(...(res.Resources as { id: string }[]).map((r) => r.id));
        await insertBefore();
        if (start + 10 > res.totalResults) break;
      }
      expect(new Set(byIndex).size).toBeLessThan(byIndex.length);
    }
  });

  it('follows sortBy and sortOrder through ties and missing values, each user once', async () => {
    const on = uniqueTenant('cursor-sort');
    const ids = new Set<string>();
    // Titles with repeats (ties broken by created_at, id) and users without one (sorted last).
    for (let i = 0; i < 40; i++) {
      const extra = i % 5 === 4 ? {} : { title: `T${i % 3}` };
      const res = await t.scim(tenant, 'POST', '/Users', userBody(randomUUID(), `${on}-${i}@example.com`, extra));
      ids.add(res.json().id as string);
    }
    const filter = encodeURIComponent(`userName sw "${on}"`);
    for (const order of ['ascending', 'descending']) {
      const result = await walk(getUsers(tenant, `count=6&filter=${filter}&sortBy=title&sortOrder=${order}&attributes=title`));
      expectEachOnce(result.ids, ids);
      expect(result.ids.length).toBe(40);
      // The cursor walk and one index page of everything agree on the order.
      const all = (await t.scim(tenant, 'GET', `/Users?count=200&filter=${filter}&sortBy=title&sortOrder=${order}&attributes=title`)).json();
      expect(result.ids).toEqual((all.Resources as { id: string }[]).map((r) => r.id));
    }
  });

  it('pages POST /Users/.search and POST /.search with the cursor in the body', async () => {
    const on = uniqueTenant('cursor-search');
    const seeded = await seedUsers(tenant, `${on}-`, 25);
    for (const path of ['/Users/.search', '/.search']) {
      const result = await walk(async (cursor) => {
        const res = await t.scim(tenant, 'POST', path, { schemas: [SEARCH], filter: `userName sw "${on}-"`, cursor, count: 10, attributes: ['userName'] });
        expect(res.statusCode, res.body).toBe(200);
        return res.json();
      });
      expectEachOnce(result.ids, seeded);
      expect(result.pages).toBe(3);
      expect(result.totals).toEqual([25, 25, 25]);
    }
  });

  it('answers count=0 with totalResults only, and the last page without nextCursor', async () => {
    const on = uniqueTenant('cursor-zero');
    await seedUsers(tenant, `${on}-`, 3);
    const filter = encodeURIComponent(`userName sw "${on}-"`);
    expect(await getUsers(tenant, `count=0&filter=${filter}`)('')).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      itemsPerPage: 0,
      Resources: [],
    });
    const exact = await getUsers(tenant, `count=3&filter=${filter}`)('');
    expect(exact['nextCursor']).toBeUndefined();
    expect(exact['itemsPerPage']).toBe(3);
    // `?cursor` without a value starts a walk too (RFC 9865 §2).
    const bare = await t.scim(tenant, 'GET', `/Users?cursor&count=2&filter=${filter}`);
    expect(bare.json()).toMatchObject({ totalResults: 3, itemsPerPage: 2, nextCursor: expect.any(String) });
    // Without cursor or startIndex, a list pages by index, as before.
    expect((await t.scim(tenant, 'GET', `/Users?count=2&filter=${filter}`)).json()).toMatchObject({ startIndex: 1, itemsPerPage: 2 });
    expect((await t.scim(tenant, 'GET', `/Users?count=2&filter=${filter}`)).json().nextCursor).toBeUndefined();
  });
});

describe('a cursor walk over Groups', () => {
  it('pages GET /Groups and POST /Groups/.search, each group once, while groups are created', async () => {
    const on = uniqueTenant('cursor-groups');
    const seeded = await sql<{ id: string }>`insert into scim_groups (id, tenant, display_name, created_by, claimed_at, created_at, updated_at)
      select gen_random_uuid(), ${tenant}, ${on} || '-' || i, 'client', now(), now() + interval '1 day', now()
      from generate_series(1, 120) as i returning id`.execute(t.db);
    const expected = new Set(seeded.rows.map((r) => r.id));
    let n = 0;
    const createOne = async () => {
      const res = await t.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `${on}-0-new-${n++}` });
      expect(res.statusCode).toBe(201);
    };
    const filter = `displayName sw "${on}-"`;
    const byGet = await walk(async (cursor) => {
      const res = await t.scim(tenant, 'GET', `/Groups?cursor=${encodeURIComponent(cursor)}&count=25&excludedAttributes=members&filter=${encodeURIComponent(filter)}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    }, createOne);
    expectEachOnce(byGet.ids.filter((id) => expected.has(id)), expected);
    const bySearch = await walk(async (cursor) => {
      const res = await t.scim(tenant, 'POST', '/Groups/.search', { schemas: [SEARCH], filter, cursor, count: 40, sortBy: 'displayName', sortOrder: 'descending' });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    }, createOne);
    expectEachOnce(bySearch.ids.filter((id) => expected.has(id)), expected);
  });
});

describe('cursor errors', () => {
  const first = async (query = 'count=1') => {
    const body = (await t.scim(tenant, 'GET', `/Users?cursor=&${query}`)).json();
    expect(body.nextCursor).toEqual(expect.any(String));
    return body.nextCursor as string;
  };
  const expectError = async (path: string, status: number, scimType: string, on = tenant) => {
    const res = await t.scim(on, 'GET', path);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ status: String(status), scimType });
    return res.json().detail as string;
  };

  it('refuses an altered, foreign or malformed cursor with 400 invalidCursor, one answer for all', async () => {
    await seedUsers(tenant, `${uniqueTenant('cursor-err')}-`, 3);
    await seedUsers(other, `${uniqueTenant('cursor-err')}-`, 3);
    const cursor = await first();
    const [payload, mac] = cursor.split('.') as [string, string];
    const flipped = `${payload.slice(0, -2)}${payload.at(-2) === 'A' ? 'B' : 'A'}${payload.at(-1)}.${mac}`;
    const details = new Set<string>();
    for (const bad of [flipped, `${payload}.${mac.slice(1)}A`, payload, 'x', '..', `${cursor}x`, 'a'.repeat(70_000), '%00', '{"c":1}', cursor.replace('.', '..')]) {
      details.add(await expectError(`/Users?cursor=${encodeURIComponent(bad)}&count=1`, 400, 'invalidCursor'));
    }
    // Another tenant's cursor, and this tenant's cursor on Groups or with another filter or order.
    details.add(await expectError(`/Users?cursor=${encodeURIComponent(cursor)}&count=1`, 400, 'invalidCursor', other));
    details.add(await expectError(`/Groups?cursor=${encodeURIComponent(cursor)}&count=1`, 400, 'invalidCursor'));
    details.add(await expectError(`/Users?cursor=${encodeURIComponent(cursor)}&count=1&filter=${encodeURIComponent('userName pr')}`, 400, 'invalidCursor'));
    details.add(await expectError(`/Users?cursor=${encodeURIComponent(cursor)}&count=1&sortBy=userName`, 400, 'invalidCursor'));
    expect(details.size).toBe(1);
    // The same cursor with another count or projection is fine (RFC 9865 leaves those to the client).
    expect((await t.scim(tenant, 'GET', `/Users?cursor=${encodeURIComponent(cursor)}&count=2&attributes=userName`)).statusCode).toBe(200);
  });

  it('refuses a signed cursor whose position the database cannot read with 400, never 500', async () => {
    // Whoever holds the tenant's token can derive its key; a forged position still only reaches SQL as a parameter.
    const scope = cursorScope({ plan: { tenant }, tokenDigests: [Buffer.from(sha256Hex(`secret-${tenant}`), 'hex')] }, 'User', { sortBy: 'userName' });
    const forged = [
      { created: 'not a time', id: randomUUID() },
      { created: '2026-01-01 00:00:00+00', id: randomUUID(), sortKey: "x'); drop table scim_users; --" },
    ];
    for (const position of forged) {
      const res = await t.scim(tenant, 'GET', `/Users?sortBy=userName&cursor=${encodeURIComponent(encodeCursor(scope, position, new Date()))}`);
      expect(res.statusCode, res.body).toBe(position.created === 'not a time' ? 400 : 200);
    }
    expect((await t.db.selectFrom('scim_users').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n).not.toBe(0);
  });

  it('refuses an expired cursor with 400 expiredCursor', async () => {
    const scope = cursorScope({ plan: { tenant }, tokenDigests: [Buffer.from(sha256Hex(`secret-${tenant}`), 'hex')] }, 'User', {});
    const position = { created: '2026-01-01 00:00:00+00', id: randomUUID() };
    const old = encodeCursor(scope, position, new Date(Date.now() - 3601 * 1000));
    expect(await expectError(`/Users?cursor=${encodeURIComponent(old)}`, 400, 'expiredCursor')).toMatch(/3600 s/);
    const fresh = encodeCursor(scope, position, new Date(Date.now() - 3500 * 1000));
    expect((await t.scim(tenant, 'GET', `/Users?cursor=${encodeURIComponent(fresh)}`)).statusCode).toBe(200);
  });

  it('refuses cursor with startIndex, in the query and in a SearchRequest', async () => {
    await expectError('/Users?cursor=&startIndex=1', 400, 'invalidValue');
    await expectError('/Groups?cursor=&startIndex=1', 400, 'invalidValue');
    const res = await t.scim(tenant, 'POST', '/Users/.search', { schemas: [SEARCH], cursor: '', startIndex: 1 });
    expect(res.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    const typed = await t.scim(tenant, 'POST', '/Users/.search', { schemas: [SEARCH], cursor: 5 });
    expect(typed.json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

it('advertises both pagination methods in /ServiceProviderConfig (RFC 9865 §4)', async () => {
  const res = await t.scim(tenant, 'GET', '/ServiceProviderConfig');
  expect(res.json().pagination).toEqual({ cursor: true, index: true, defaultPaginationMethod: 'index', defaultPageSize: 200, maxPageSize: 200, cursorTimeout: 3600 });
});
