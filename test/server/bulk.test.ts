// Server: POST /Bulk (RFC 7644 §3.7) through real HTTP (inject): bulkId references in paths and
// data, dependency order, circular references, failOnErrors, per-operation transactions, limits.

import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { BulkOperationIds } from '../../server/routes/bulk.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { ENTERPRISE, planOf, tenantYaml, uniqueTenant, userBody, useTestApp, validatedApp } from './helpers.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const tenant = uniqueTenant('bulk');
const other = uniqueTenant('bulk-other');
const t = useTestApp(() => [tenantYaml(tenant), tenantYaml(other)]);

const bulk = (operations: unknown[], extra: Record<string, unknown> = {}) => t.scim(tenant, 'POST', '/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations: operations });
const post = (bulkId: string, body: Record<string, unknown>) => ({ method: 'POST', path: '/Users', bulkId, data: body });

describe('/Bulk', () => {
  it('runs POST, PUT, PATCH and DELETE, each answered with status, location and version', async () => {
    const existing = (await t.scim(tenant, 'POST', '/Users', userBody('b-put', 'put@example.com'))).json();
    const gone = (await t.scim(tenant, 'POST', '/Users', userBody('b-del', 'del@example.com'))).json();
    const res = await bulk([
      post('u1', userBody('b-1', 'one@example.com', { title: 'Director' })),
      { method: 'PUT', path: `/Users/${existing.id}`, data: userBody('b-put', 'put@example.com', { title: 'CFO' }) },
      { method: 'PATCH', path: '/Users/bulkId:u1', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] } },
      { method: 'DELETE', path: `/Users/${gone.id}` },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
    const body = res.json();
    expect(body.schemas).toEqual([BULK_RESPONSE]);
    const [created, put, patched, deleted] = body.Operations;
    expect(created).toMatchObject({ method: 'POST', bulkId: 'u1', status: '201', version: 'W/"1"' });
    expect(created.response).toBeUndefined();
    expect(created.location).toMatch(new RegExp(`^http://[^/]+/scim/v2/${tenant}/Users/[0-9a-f-]{36}$`));
    const id = created.location.split('/').at(-1);
    expect(put).toMatchObject({ method: 'PUT', status: '200', version: 'W/"2"', location: expect.stringContaining(`/Users/${existing.id}`) });
    expect(patched).toMatchObject({ method: 'PATCH', status: '200', version: 'W/"2"', location: created.location });
    expect(deleted).toMatchObject({ method: 'DELETE', status: '204', location: expect.stringContaining(`/Users/${gone.id}`) });

    const user = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
    expect(user.title).toBe('Engineer');
    expect((await t.scim(tenant, 'GET', `/Users/${existing.id}`)).json().title).toBe('CFO');
    expect((await t.scim(tenant, 'GET', `/Users/${gone.id}`)).statusCode).toBe(404);
  });

  it('resolves bulkId references in data and runs a referenced operation first', async () => {
    const res = await bulk([
      // Refers forward to `boss`: runs after it, though it comes first.
      post('worker', userBody('b-w', 'worker@example.com', { [ENTERPRISE]: { manager: { value: 'bulkId:boss' } } })),
      post('boss', userBody('b-b', 'boss@example.com')),
    ]);
    expect(res.statusCode).toBe(200);
    const [worker, boss] = res.json().Operations;
    expect(worker).toMatchObject({ bulkId: 'worker', status: '201' });
    expect(boss).toMatchObject({ bulkId: 'boss', status: '201' });
    const bossId = boss.location.split('/').at(-1);
    const stored = (await t.scim(tenant, 'GET', `/Users/${worker.location.split('/').at(-1)}`)).json();
    expect(stored[ENTERPRISE].manager.value).toBe(bossId);
  });

  it('answers 409 to circular references and to references to failed operations; other operations still run', async () => {
    const res = await bulk([
      post('a', userBody('b-ca', 'ca@example.com', { [ENTERPRISE]: { manager: { value: 'bulkId:b' } } })),
      post('b', userBody('b-cb', 'cb@example.com', { [ENTERPRISE]: { manager: { value: 'bulkId:a' } } })),
      post('self', userBody('b-self', 'self@example.com', { [ENTERPRISE]: { manager: { value: 'bulkId:self' } } })),
      post('bad', { schemas: [], userName: 'nokey@example.com' }),
      { method: 'PATCH', path: '/Users/bulkId:bad', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } },
      { method: 'PATCH', path: '/Users/bulkId:nowhere', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] } },
      post('fine', userBody('b-fine', 'fine@example.com')),
    ]);
    expect(res.statusCode).toBe(200);
    const ops = res.json().Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['409', '409', '409', '400', '409', '400', '201']);
    expect(ops[0].response).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '409' });
    expect(ops[3].response).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect(ops[4].response.detail).toContain('bad');
    expect(ops[5].response.detail).toContain('nowhere');
    const names = await t.db.selectFrom('scim_users').select('user_name').where('tenant', '=', tenant).where('key_value', 'in', ['b-ca', 'b-cb', 'b-self', 'b-fine']).execute();
    expect(names.map((n) => n.user_name)).toEqual(['fine@example.com']);
  });

  it('creates a group whose members are users created in the same request, and patches it', async () => {
    const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
    const res = await bulk([
      { method: 'POST', path: '/Groups', bulkId: 'team', data: { schemas: [GROUP], displayName: 'Bulk Team', members: [{ value: 'bulkId:m1' }, { value: 'bulkId:m2' }] } },
      post('m1', userBody('b-m-1', 'm-1@example.com')),
      post('m2', userBody('b-m-2', 'm-2@example.com')),
      post('m3', userBody('b-m-3', 'm-3@example.com')),
      { method: 'PATCH', path: '/Groups/bulkId:team', data: { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: 'bulkId:m3' }] }] } },
    ]);
    expect(res.statusCode).toBe(200);
    const [team, m1, m2, m3, patch] = res.json().Operations;
    expect([team.status, m1.status, m2.status, m3.status, patch.status]).toEqual(['201', '201', '201', '201', '204']);
    expect(team.location).toMatch(/\/Groups\/[0-9a-f-]{36}$/);
    expect(patch).toMatchObject({ location: team.location, version: 'W/"2"' });
    const group = (await t.scim(tenant, 'GET', `/Groups/${team.location.split('/').at(-1)}`)).json();
    const idOf = (op: { location: string }) => op.location.split('/').at(-1);
    expect(group.members.map((m: { value: string }) => m.value).sort()).toEqual([idOf(m1), idOf(m2), idOf(m3)].sort());
  });

  it('gives each operation the request id `<bulk request id>/<n>`, which clients cannot set', async () => {
    const res = await bulk([{ method: 'DELETE', path: '/Users/00000000-0000-0000-0000-000000000000' }, post('rid', userBody('b-rid', 'rid@example.com'))]);
    const id = res.json().Operations[1].location.split('/').at(-1);
    const events = await t.db.selectFrom('events').select('request_id').where('tenant', '=', tenant).where('account_id', '=', id).execute();
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.request_id).toMatch(/^[0-9a-f-]{36}\/2$/);

    const forged = await t.scim(tenant, 'POST', '/Users', userBody('b-forged', 'forged@example.com'), { 'x-scimplan-bulk-operation': 'guess' });
    const own = await t.db.selectFrom('events').select('request_id').where('account_id', '=', forged.json().id).execute();
    for (const e of own) expect(e.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('commits each operation on its own: a failing one leaves the others applied', async () => {
    const res = await bulk([
      post('x1', userBody('b-x1', 'x1@example.com')),
      post('x2', userBody('b-x1', 'x1-again@example.com')),
      post('x3', userBody('b-x3', 'x3@example.com')),
    ]);
    const ops = res.json().Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['201', '409', '201']);
    expect(ops[1].response).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(ops[1].location).toBeUndefined();
  });

  it('stops after failOnErrors errors and lists only the operations processed', async () => {
    const res = await bulk(
      [
        post('f1', userBody('b-f1', 'f1@example.com')),
        post('f2', { userName: 'f2@example.com' }),
        post('f3', userBody('b-f3', 'f3@example.com')),
        post('f4', { userName: 'f4@example.com' }),
        post('f5', userBody('b-f5', 'f5@example.com')),
      ],
      { failOnErrors: 2 },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().Operations.map((o: { bulkId: string; status: string }) => `${o.bulkId}:${o.status}`)).toEqual(['f1:201', 'f2:400', 'f3:201', 'f4:400']);
    const f5 = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', tenant).where('key_value', '=', 'b-f5').execute();
    expect(f5).toHaveLength(0);

    const first = await bulk([post('g1', { userName: 'g1@example.com' }), post('g2', userBody('b-g2', 'g2@example.com'))], { failOnErrors: 1 });
    expect(first.json().Operations).toHaveLength(1);
  });

  it('passes version as If-Match: a stale one gets 412 in that operation', async () => {
    const user = (await t.scim(tenant, 'POST', '/Users', userBody('b-v', 'v@example.com'))).json();
    const res = await bulk([
      { method: 'PATCH', path: `/Users/${user.id}`, version: 'W/"9"', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'A' }] } },
      { method: 'PATCH', path: `/Users/${user.id}`, version: 'W/"1"', data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'B' }] } },
      { method: 'DELETE', path: `/Users/${user.id}`, version: 'W/"1"' },
    ]);
    expect(res.json().Operations.map((o: { status: string }) => o.status)).toEqual(['412', '200', '412']);
    expect(res.json().Operations[1].version).toBe('W/"2"');
  });

  it('refuses malformed operations one by one', async () => {
    const res = await bulk([
      { method: 'GET', path: '/Users' },
      { method: 'POST', path: '/Users/123', data: userBody('b-m1', 'm1@example.com') },
      { method: 'PUT', path: '/Users', data: userBody('b-m2', 'm2@example.com') },
      { method: 'POST', path: '/Bulk', data: { Operations: [] } },
      { method: 'POST', path: 'Users?x=1', data: {} },
      { method: 'PATCH', path: '/Users/abc' },
      'not an operation',
      post('dup', userBody('b-d1', 'd1@example.com')),
      post('dup', userBody('b-d2', 'd2@example.com')),
      { method: 'DELETE', path: '/Users/00000000-0000-0000-0000-000000000000' },
      { method: 'post', path: '/users/', bulkId: 'lower', data: userBody('b-lower', 'lower@example.com') },
    ]);
    expect(res.statusCode).toBe(200);
    const ops = res.json().Operations;
    expect(ops.map((o: { status: string }) => o.status)).toEqual(['400', '400', '400', '400', '400', '400', '400', '201', '400', '404', '201']);
    expect(ops[0].method).toBe('GET');
    expect(ops[3].response.scimType).toBe('invalidPath');
    expect(ops[8].response.detail).toContain('more than one');
  });

  it('refuses a malformed envelope with 400 and an unauthenticated one with 401', async () => {
    expect((await t.scim(tenant, 'POST', '/Bulk', [])).statusCode).toBe(400);
    expect((await t.scim(tenant, 'POST', '/Bulk', { schemas: [BULK_REQUEST] })).json()).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    expect((await t.scim(tenant, 'POST', '/Bulk', { schemas: ['urn:x'], Operations: [] })).statusCode).toBe(400);
    expect((await bulk([], { failOnErrors: 'two' })).json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    // Lower-case member names and no schemas are accepted.
    expect((await t.scim(tenant, 'POST', '/Bulk', { operations: [] })).json()).toEqual({ schemas: [BULK_RESPONSE], Operations: [] });
    const denied = await t.app.inject({
      method: 'POST',
      url: `/scim/v2/${tenant}/Bulk`,
      headers: { authorization: `Bearer secret-${other}`, 'content-type': 'application/scim+json' },
      payload: JSON.stringify({ schemas: [BULK_REQUEST], Operations: [post('z', userBody('b-z', 'z@example.com'))] }),
    });
    expect(denied.statusCode).toBe(401);
    expect(await t.db.selectFrom('scim_users').select('id').where('tenant', 'in', [tenant, other]).where('key_value', '=', 'b-z').execute()).toHaveLength(0);
  });

  it('keeps every operation in the tenant of the Bulk request', async () => {
    const res = await t.scim(other, 'POST', '/Bulk', { schemas: [BULK_REQUEST], Operations: [post('o', userBody('b-o', 'o@example.com'))] });
    expect(res.json().Operations[0].status).toBe('201');
    const rows = await t.db.selectFrom('scim_users').select('tenant').where('tenant', 'in', [tenant, other]).where('key_value', '=', 'b-o').execute();
    expect(rows.map((r) => r.tenant)).toEqual([other]);
  });

  it('accepts a Bulk body above the global body limit, up to maxPayloadSize', async () => {
    // The test app's global limit is 64 KiB.
    const operations = Array.from({ length: 120 }, (_, i) => post(`big${i}`, userBody(`b-big-${i}`, `big${i}@example.com`, { title: 'x'.repeat(400) })));
    expect(JSON.stringify(operations).length).toBeGreaterThan(64 * 1024);
    const res = await bulk(operations);
    expect(res.statusCode).toBe(200);
    expect(res.json().Operations.every((o: { status: string }) => o.status === '201')).toBe(true);
  });
});

describe('/Bulk limits', () => {
  it('advertises maxOperations and maxPayloadSize and enforces both with 413', async () => {
    const name = uniqueTenant('bulk-limits');
    const app = validatedApp({ db: t.db, tenants: new TenantRegistry([planOf(tenantYaml(name))]), bulk: { maxOperations: 2, maxPayloadSize: 2000 } });
    try {
      const send = (payload: unknown) =>
        app.inject({
          method: 'POST',
          url: `/scim/v2/${name}/Bulk`,
          headers: { authorization: `Bearer secret-${name}`, 'content-type': 'application/scim+json' },
          payload: JSON.stringify(payload),
        });
      const config = await app.inject({ method: 'GET', url: `/scim/v2/${name}/ServiceProviderConfig`, headers: { authorization: `Bearer secret-${name}` } });
      expect(config.json().bulk).toEqual({ supported: true, maxOperations: 2, maxPayloadSize: 2000 });

      const three = await send({ schemas: [BULK_REQUEST], Operations: [1, 2, 3].map((i) => ({ method: 'DELETE', path: `/Users/${i}` })) });
      expect(three.statusCode).toBe(413);
      expect(three.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '413' });
      expect(three.json().detail).toContain('maxOperations');

      const big = await send({ schemas: [BULK_REQUEST], Operations: [post('p', userBody('big', 'big@example.com', { title: 'y'.repeat(3000) }))] });
      expect(big.statusCode).toBe(413);
      expect(big.json()).toMatchObject({ status: '413' });
      expect(big.json().detail).toContain('maxPayloadSize');

      const fits = await send({ schemas: [BULK_REQUEST], Operations: [post('p', userBody('fits', 'fits@example.com'))] });
      expect(fits.json().Operations[0].status).toBe('201');
    } finally {
      await app.close();
    }
  });
});

describe('BulkOperationIds', () => {
  it('knows a nonce once, in the app that registered it only', () => {
    const one = new BulkOperationIds();
    const other = new BulkOperationIds();
    const nonce = one.register('req-1/1');
    const headers = { 'x-scimplan-bulk-operation': nonce };
    expect(other.requestId(headers)).toBeUndefined();
    expect(one.requestId(headers)).toBe('req-1/1');
    expect(one.requestId(headers)).toBeUndefined();
    const released = one.register('req-2/1');
    one.release(released);
    expect(one.requestId({ 'x-scimplan-bulk-operation': released })).toBeUndefined();
  });
});
