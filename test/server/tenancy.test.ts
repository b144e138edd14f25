// Server: tenant isolation and bearer-token authentication through real HTTP.

import { describe, expect, it } from 'vitest';
import { tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

const a = uniqueTenant('tenant-a');
const b = uniqueTenant('tenant-b');
const t = useTestApp(() => [tenantYaml(a), tenantYaml(b)]);

describe('tenants', () => {
  it('lets two tenants hold the same userName and key value', async () => {
    const inA = await t.scim(a, 'POST', '/Users', userBody('shared-key', 'same@example.com'));
    const inB = await t.scim(b, 'POST', '/Users', userBody('shared-key', 'same@example.com'));
    expect([inA.statusCode, inB.statusCode]).toEqual([201, 201]);
    expect(inA.json().id).not.toBe(inB.json().id);
  });

  it("answers 404 for tenant A's ids under tenant B, and changes nothing", async () => {
    const user = (await t.scim(a, 'POST', '/Users', userBody('a-only', 'a-only@example.com'))).json();
    expect((await t.scim(b, 'GET', `/Users/${user.id}`)).statusCode).toBe(404);
    expect((await t.scim(b, 'PUT', `/Users/${user.id}`, userBody('a-only', 'a-only@example.com', { title: 'CFO' }))).statusCode).toBe(404);
    expect((await t.scim(b, 'PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'title', value: 'CFO' }] })).statusCode).toBe(404);
    expect((await t.scim(b, 'DELETE', `/Users/${user.id}`)).statusCode).toBe(404);
    const list = (await t.scim(b, 'GET', `/Users?filter=${encodeURIComponent('userName eq "a-only@example.com"')}`)).json();
    expect(list.totalResults).toBe(0);
    const after = (await t.scim(a, 'GET', `/Users/${user.id}`)).json();
    expect(after.meta.version).toBe('W/"1"');
  });

  it("gives 401 with a SCIM body and WWW-Authenticate for tenant B's token on tenant A, and for a missing or wrong token", async () => {
    const cases: Record<string, string | undefined> = {
      'token of another tenant': `Bearer secret-${b}`,
      'wrong token': 'Bearer nope',
      'no token': undefined,
      'basic auth': `Basic ${Buffer.from(`x:secret-${a}`).toString('base64')}`,
    };
    for (const [name, authorization] of Object.entries(cases)) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/scim/v2/${a}/Users`,
        headers: { 'content-type': 'application/scim+json', ...(authorization ? { authorization } : {}) },
        payload: JSON.stringify(userBody(`unauth-${name}`, `unauth@example.com`)),
      });
      expect(res.statusCode, name).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: expect.any(String) });
    }
    const rows = await t.db.selectFrom('scim_users').select('id').where('tenant', '=', a).where('user_name', '=', 'unauth@example.com').execute();
    expect(rows).toHaveLength(0);
  });

  it('answers an unknown tenant like a wrong token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/scim/v2/no-such-tenant/Users', headers: { authorization: 'Bearer x' } });
    expect(res.statusCode).toBe(401);
  });
});
