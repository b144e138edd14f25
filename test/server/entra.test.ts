// Server: Microsoft Entra ID's documented user provisioning sequence, in both PATCH dialects
// (the default one, and the one behind the `aadOptscim062020` flag).

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { buildTestApp, ENTERPRISE, openTestDatabase, SCIMPLAN, tenantYaml, uniqueTenant, USER_SCHEMA, type TestApp } from './helpers.ts';

let database: OpenDatabase;
let t: TestApp;
const tenant = uniqueTenant('entra');
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

beforeAll(async () => {
  database = await openTestDatabase();
  t = buildTestApp(database.db, [tenantYaml(tenant)]);
});
afterAll(async () => {
  await t.app.close();
  await database.close();
});

const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;

for (const flag of ['', '?aadOptscim062020']) {
  describe(`Entra sequence${flag ? ' with aadOptscim062020' : ''}`, () => {
    it('test connection, create, lookups, updates, disable, delete', async () => {
      const withFlag = (path: string) => (flag ? `${path}${path.includes('?') ? '&' : '?'}aadOptscim062020` : path);

      const probe = await t.scim(tenant, 'GET', withFlag(`/Users${q(`userName eq "${randomUUID()}"`)}`));
      expect(probe.statusCode).toBe(200);
      expect(probe.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, Resources: [] });

      const objectId = randomUUID();
      const userName = `Test_User_${randomUUID()}@testuser.com`;
      const created = await t.scim(tenant, 'POST', withFlag('/Users'), {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: objectId,
        userName,
        active: true,
        emails: [{ primary: true, type: 'work', value: userName }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        [ENTERPRISE]: { department: 'Sales' },
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;
      expect(created.json().groups.map((g: { display: string }) => g.display)).toEqual(['Sales']);

      expect((await t.scim(tenant, 'GET', withFlag(`/Users/${id}`))).statusCode).toBe(200);
      for (const filter of [`userName eq "${userName}"`, `externalId eq "${objectId}"`, `emails[type eq "work"].value eq "${userName.toUpperCase()}"`]) {
        const found = await t.scim(tenant, 'GET', withFlag(`/Users${q(filter)}`));
        expect(found.json().totalResults, filter).toBe(1);
        expect(found.json().Resources[0].id).toBe(id);
      }

      const newMail = `updated_${randomUUID()}@testuser.com`;
      const updated = await t.scim(tenant, 'PATCH', withFlag(`/Users/${id}`), {
        schemas: [PATCH_OP],
        Operations: flag
          ? [
              { op: 'replace', path: 'emails[type eq "work"].value', value: newMail },
              { op: 'replace', value: { 'name.familyName': 'updatedFamilyName', [`${ENTERPRISE}:employeeNumber`]: '42' } },
              { op: 'add', path: `${ENTERPRISE}:manager`, value: 'mgr-1' },
            ]
          : [
              { op: 'Replace', path: 'emails[type eq "work"].value', value: newMail },
              { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
              { op: 'Add', path: `${ENTERPRISE}:manager`, value: { value: 'mgr-1' } },
            ],
      });
      expect(updated.statusCode).toBe(200);
      const user = updated.json();
      expect(user.name.familyName).toBe('updatedFamilyName');
      expect(user.emails).toEqual([{ primary: true, type: 'work', value: newMail }]);
      expect(user[ENTERPRISE].manager).toMatchObject({ value: 'mgr-1' });
      expect(user[SCIMPLAN].profile.email).toBe(newMail);
      const byMail = await t.scim(tenant, 'GET', withFlag(`/Users${q(`emails[type eq "work"].value eq "${newMail}"`)}`));
      expect(byMail.json().totalResults).toBe(1);

      const disabled = await t.scim(tenant, 'PATCH', withFlag(`/Users/${id}`), {
        schemas: [PATCH_OP],
        Operations: [flag ? { op: 'replace', path: 'active', value: false } : { op: 'Replace', path: 'active', value: 'False' }],
      });
      expect(disabled.statusCode).toBe(200);
      expect(disabled.json().active).toBe(false);
      expect(disabled.json()[SCIMPLAN].status).toBe('deactivated');
      expect(disabled.json().groups.map((g: { display: string }) => g.display)).toEqual(['Sales']);

      expect((await t.scim(tenant, 'DELETE', withFlag(`/Users/${id}`))).statusCode).toBe(204);
      expect((await t.scim(tenant, 'GET', withFlag(`/Users/${id}`))).statusCode).toBe(404);
    });
  });
}
