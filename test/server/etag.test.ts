// Server: ETags (RFC 7644 §3.14): meta.version and the ETag header change on every write,
// If-Match guards PUT/PATCH/DELETE (412), If-None-Match makes GET answer 304; concurrent
// conditional writes have exactly one winner on PGlite and on PostgreSQL.

import { describe, expect, it } from 'vitest';
import { etagListMatches } from '../../server/etag.ts';
import { tenantYaml, uniqueTenant, userBody, useTestApp } from './helpers.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const tenant = uniqueTenant('etag');
const t = useTestApp(() => [tenantYaml(tenant)]);

const patchTitle = (title: string) => ({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] });

describe('ETags', () => {
  it('sends ETag equal to meta.version on POST, GET, PUT and PATCH, and changes it on every write', async () => {
    const created = await t.scim(tenant, 'POST', '/Users', userBody('e-1', 'e1@example.com'));
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.json().meta.version).toBe('W/"1"');
    const id = created.json().id as string;

    const got = await t.scim(tenant, 'GET', `/Users/${id}`);
    expect(got.headers.etag).toBe('W/"1"');
    const put = await t.scim(tenant, 'PUT', `/Users/${id}`, userBody('e-1', 'e1@example.com', { title: 'A' }));
    expect(put.headers.etag).toBe('W/"2"');
    expect(put.json().meta.version).toBe('W/"2"');
    const patched = await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('B'));
    expect(patched.headers.etag).toBe('W/"3"');
    // A write that changes nothing is still a write: the version moves, clients re-read.
    const same = await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('B'));
    expect(same.headers.etag).toBe('W/"4"');
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().meta.version).toBe('W/"4"');
  });

  it('answers 412 preconditionFailed to PUT, PATCH and DELETE with a stale If-Match, and applies a current one', async () => {
    const id = (await t.scim(tenant, 'POST', '/Users', userBody('e-2', 'e2@example.com'))).json().id as string;
    const stale = { 'if-match': 'W/"5"' };
    for (const res of [
      await t.scim(tenant, 'PUT', `/Users/${id}`, userBody('e-2', 'e2@example.com', { title: 'x' }), stale),
      await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('x'), stale),
      await t.scim(tenant, 'DELETE', `/Users/${id}`, undefined, stale),
    ]) {
      expect(res.statusCode).toBe(412);
      expect(res.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '412' });
    }
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json()).toMatchObject({ meta: { version: 'W/"1"' } });
    expect((await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('y'), { 'if-match': 'W/"1"' })).statusCode).toBe(200);
    // The strong form of the same tag, and `*`, match as well.
    expect((await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('z'), { 'if-match': '"2"' })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle('w'), { 'if-match': '*' })).statusCode).toBe(200);
    expect((await t.scim(tenant, 'DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"1", W/"4"' })).statusCode).toBe(204);
  });

  it('answers a GET whose If-None-Match matches with 304 and no body', async () => {
    const id = (await t.scim(tenant, 'POST', '/Users', userBody('e-3', 'e3@example.com'))).json().id as string;
    for (const tag of ['W/"1"', '"1"', '*', 'W/"7", W/"1"']) {
      const res = await t.scim(tenant, 'GET', `/Users/${id}`, undefined, { 'if-none-match': tag });
      expect(res.statusCode, tag).toBe(304);
      expect(res.body).toBe('');
      expect(res.headers.etag).toBe('W/"1"');
    }
    const changed = await t.scim(tenant, 'GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"0"' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().id).toBe(id);
    // Not for errors, and not for lists.
    expect((await t.scim(tenant, 'GET', '/Users/00000000-0000-0000-0000-000000000000', undefined, { 'if-none-match': '*' })).statusCode).toBe(404);
    expect((await t.scim(tenant, 'GET', '/Users', undefined, { 'if-none-match': '*' })).statusCode).toBe(200);
  });

  it('answers 304 for a Group too, since the hook reads the ETag header of any resource', async () => {
    const created = await t.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'ETag Team' });
    expect(created.statusCode).toBe(201);
    const etag = created.headers.etag as string;
    expect((await t.scim(tenant, 'GET', `/Groups/${created.json().id}`, undefined, { 'if-none-match': etag })).statusCode).toBe(304);
    expect((await t.scim(tenant, 'GET', `/Groups/${created.json().id}`, undefined, { 'if-none-match': 'W/"999"' })).statusCode).toBe(200);
  });

  it("moves a user's ETag when a client adds it to a group or removes it, so If-None-Match never hides `groups`", async () => {
    const user = await t.scim(tenant, 'POST', '/Users', userBody('e-9', 'e9@example.com'));
    const id = user.json().id as string;
    const before = user.headers.etag as string;
    const group = await t.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'ETag Members' });
    const groupId = group.json().id as string;
    const add = { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: [{ value: id }] }] };
    expect((await t.scim(tenant, 'PATCH', `/Groups/${groupId}`, add)).statusCode).toBe(204);
    const afterAdd = await t.scim(tenant, 'GET', `/Users/${id}`, undefined, { 'if-none-match': before });
    expect(afterAdd.statusCode).toBe(200);
    expect(afterAdd.json().groups.map((g: { value: string }) => g.value)).toContain(groupId);
    const remove = { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${id}"]` }] };
    expect((await t.scim(tenant, 'PATCH', `/Groups/${groupId}`, remove)).statusCode).toBe(204);
    const afterRemove = await t.scim(tenant, 'GET', `/Users/${id}`, undefined, { 'if-none-match': afterAdd.headers.etag as string });
    expect(afterRemove.statusCode).toBe(200);
    expect((afterRemove.json().groups ?? []).map((g: { value: string }) => g.value)).not.toContain(groupId);
  });

  it('lets exactly one of 10 concurrent PUTs with the same If-Match win; the others get 412', async () => {
    const id = (await t.scim(tenant, 'POST', '/Users', userBody('e-4', 'e4@example.com'))).json().id as string;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => t.scim(tenant, 'PUT', `/Users/${id}`, userBody('e-4', 'e4@example.com', { title: `T${i}` }), { 'if-match': 'W/"1"' })),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(412)]);
    const winner = responses.find((r) => r.statusCode === 200)!.json();
    const now = (await t.scim(tenant, 'GET', `/Users/${id}`)).json();
    expect(now.meta.version).toBe('W/"2"');
    expect(now.title).toBe(winner.title);
  });

  it('lets exactly one of 10 concurrent PATCHes with the same If-Match win', async () => {
    const id = (await t.scim(tenant, 'POST', '/Users', userBody('e-5', 'e5@example.com'))).json().id as string;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => t.scim(tenant, 'PATCH', `/Users/${id}`, patchTitle(`P${i}`), { 'if-match': 'W/"1"' })));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, ...Array(9).fill(412)]);
  });
});

describe('etagListMatches', () => {
  it.each([
    ['W/"3"', 'W/"3"', true],
    ['"3"', 'W/"3"', true],
    ['W/"3"', '"3"', true],
    ['*', 'W/"3"', true],
    [' W/"2" ,W/"3"', 'W/"3"', true],
    ['W/"4"', 'W/"3"', false],
    ['', 'W/"3"', false],
    ['W/"33"', 'W/"3"', false],
  ])('%s against %s -> %s', (list, etag, expected) => {
    expect(etagListMatches(list, etag)).toBe(expected);
  });
});
