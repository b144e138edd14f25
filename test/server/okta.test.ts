// Server: Okta's documented user requests: lookup before create, create with a password, full
// PUT, and the path-less `{"op":"replace","value":{"active":false}}` deactivation.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { buildTestApp, openTestDatabase, planOf, SCIMPLAN, sha256Hex, uniqueTenant, USER_SCHEMA, type TestApp } from './helpers.ts';

let database: OpenDatabase;
let t: TestApp;
const tenant = uniqueTenant('okta');

beforeAll(async () => {
  database = await openTestDatabase();
  const yaml = `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: userName
profile:
  firstName: name.givenName
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false }
`;
  planOf(yaml);
  t = buildTestApp(database.db, [yaml]);
});
afterAll(async () => {
  await t.app.close();
  await database.close();
});

it('runs Okta\'s create, full PUT and deactivation', async () => {
  const userName = `${randomUUID()}@okta.example`;
  const lookup = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`);
  expect(lookup.json()).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });

  const body = {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'John', familyName: 'Doe' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'John Doe',
    locale: 'en-US',
    externalId: '00ujl29u0le5T6Aj10h7',
    groups: [],
    password: '1mz050nq',
    active: true,
  };
  const created = await t.scim(tenant, 'POST', '/Users', body);
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  expect(created.json().password).toBeUndefined();

  const put = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...body, id, name: { givenName: 'Jon', familyName: 'Doe' }, password: undefined });
  expect(put.statusCode).toBe(200);
  expect(put.json()[SCIMPLAN].profile.firstName).toBe('Jon');

  const off = await t.scim(tenant, 'PATCH', `/Users/${id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: false } }],
  });
  expect(off.statusCode).toBe(200);
  expect(off.json()[SCIMPLAN].status).toBe('deactivated');

  const renamed = await t.scim(tenant, 'PUT', `/Users/${id}`, { ...body, userName: `renamed-${userName}`, password: undefined });
  expect(renamed.statusCode).toBe(400);
  expect(renamed.json().scimType).toBe('mutability');
});
