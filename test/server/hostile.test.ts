// Server: hostile requests get an RFC 7644 §3.12 error body and change nothing.

import { beforeAll, describe, expect, it } from 'vitest';
import { tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

const tenant = uniqueTenant('hostile');
const t = useTestApp(() => [tenantYaml(tenant)]);
let userId: string;

beforeAll(async () => {
  userId = (await t.scim(tenant, 'POST', '/Users', userBody('h-1', 'h1@example.com'))).json().id;
});

async function snapshot() {
  const users = await t.db.selectFrom('scim_users').select(['id', 'version', 'resource']).where('tenant', '=', tenant).orderBy('id').execute();
  const events = await t.db.selectFrom('events').select('id').where('tenant', '=', tenant).execute();
  return { users, events: events.length };
}

function expectScimError(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, scimType?: string) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/scim\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body['schemas']).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  expect(body['status']).toBe(String(status));
  if (scimType) expect(body['scimType']).toBe(scimType);
}

describe('hostile requests', () => {
  const cases: [string, () => Promise<{ statusCode: number; headers: Record<string, unknown>; json(): unknown }>, number, string?][] = [
    ['broken JSON', () => t.scim(tenant, 'POST', '/Users', '{"userName": "x",'), 400, 'invalidSyntax'],
    ['a JSON array body', () => t.scim(tenant, 'POST', '/Users', '[1,2]'), 400],
    ['a wrong type for userName', () => t.scim(tenant, 'POST', '/Users', userBody('h-2', 'h2@example.com', { userName: 42 })), 400, 'invalidValue'],
    ['a wrong type for active', () => t.scim(tenant, 'POST', '/Users', userBody('h-3', 'h3@example.com', { active: 'maybe' })), 400, 'invalidValue'],
    ['a wrong type for emails', () => t.scim(tenant, 'POST', '/Users', userBody('h-4', 'h4@example.com', { emails: 'h4@example.com' })), 400, 'invalidValue'],
    ['an oversized body', () => t.scim(tenant, 'POST', '/Users', userBody('h-5', 'h5@example.com', { title: 'x'.repeat(200 * 1024) })), 413],
    ['a __proto__ key', () => t.scim(tenant, 'POST', '/Users', '{"userName":"h6@example.com","externalId":"h-6","__proto__":{"admin":true}}'), 400],
    ['a constructor.prototype key', () => t.scim(tenant, 'POST', '/Users', '{"userName":"h7@example.com","externalId":"h-7","constructor":{"prototype":{"admin":true}}}'), 400],
    ['a PATCH without Operations', () => t.scim(tenant, 'PATCH', `/Users/${userId}`, { op: 'replace' }), 400, 'invalidSyntax'],
    ['a PATCH with an unknown op', () => t.scim(tenant, 'PATCH', `/Users/${userId}`, { Operations: [{ op: 'explode', path: 'title' }] }), 400],
    ['an unsupported filter', () => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName re ".*"')}`), 400, 'invalidFilter'],
    ['a filter 10,000 levels deep', () => t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('('.repeat(10_000) + 'userName eq "x"' + ')'.repeat(10_000))}`), 400, 'invalidFilter'],
    ['a body nested 30,000 levels deep', () => t.scim(tenant, 'POST', '/Users', `{"userName":"h9@example.com","externalId":"h-9","nickName":${'['.repeat(30_000)}${']'.repeat(30_000)}}`), 400],
    ['a text/plain body', () => t.scim(tenant, 'POST', '/Users', 'hello', { 'content-type': 'text/plain' }), 415],
    ['a malformed id', () => t.scim(tenant, 'GET', `/Users/${encodeURIComponent("1' or '1'='1")}`), 404],
    ['a non-integer count', () => t.scim(tenant, 'GET', '/Users?count=ten'), 400, 'invalidValue'],
    ['an unknown endpoint', () => t.scim(tenant, 'GET', '/Nope'), 404],
  ];

  for (const [name, send, status, scimType] of cases) {
    it(`${name} -> ${status}`, async () => {
      const before = await snapshot();
      expectScimError(await send(), status, scimType);
      expect(await snapshot()).toEqual(before);
      expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    });
  }

  it('never lets a PATCH path reach a prototype', async () => {
    const res = await t.scim(tenant, 'PATCH', `/Users/${userId}`, { Operations: [{ op: 'add', path: '__proto__.admin', value: true }] });
    expect([200, 400]).toContain(res.statusCode);
    const stored = await t.db.selectFrom('scim_users').select('resource').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored.resource)).not.toContain('admin');
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('accepts application/json with a charset and case-insensitive resource segments', async () => {
    const res = await t.scim(tenant, 'POST', '/USERS/', userBody('h-8', 'h8@example.com'), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  });
});
