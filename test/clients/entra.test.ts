// Clients: Microsoft Entra ID's documented provisioning requests ("Develop and plan provisioning
// for a SCIM endpoint" and its known-issues page), users and groups, in both PATCH dialects: the
// default one and the one behind the `aadOptscim062020` flag. Replayed through the app.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ENTERPRISE, SCIMPLAN, tenantYaml, uniqueTenant, USER_SCHEMA, useTestApp } from '../server/helpers.ts';
import { expectNoChange } from './update-cycle.ts';

const tenants = { plain: uniqueTenant('entra'), flagged: uniqueTenant('entra-flag') };
const t = useTestApp(() => [tenantYaml(tenants.plain), tenantYaml(tenants.flagged)]);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group';

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;

for (const flag of [false, true]) {
  // One tenant per dialect, as one Entra provisioning job speaks one of them.
  const tenant = flag ? tenants.flagged : tenants.plain;
  const withFlag = (path: string) => (flag ? `${path}${path.includes('?') ? '&' : '?'}aadOptscim062020` : path);
  /** The default dialect capitalises ops; the flag sends them lower-case (RFC 7644). */
  const op = (name: 'add' | 'replace' | 'remove') => (flag ? name : `${name[0]!.toUpperCase()}${name.slice(1)}`);

  describe(`Entra${flag ? ' with aadOptscim062020' : ''}`, () => {
    async function createUser(extra: Record<string, unknown> = {}): Promise<string> {
      const userName = `Test_User_${randomUUID()}@testuser.com`;
      const res = await t.scim(tenant, 'POST', withFlag('/Users'), {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: randomUUID(),
        userName,
        active: true,
        emails: [{ primary: true, type: 'work', value: userName }],
        meta: { resourceType: 'User' },
        name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
        roles: [],
        ...extra,
      });
      expect(res.statusCode).toBe(201);
      return res.json().id as string;
    }

    it('users: test connection, create, lookups, updates, disable, delete', async () => {
      const probe = await t.scim(tenant, 'GET', withFlag(`/Users?${q(`userName eq "${randomUUID()}"`)}`));
      expect(probe.statusCode).toBe(200);
      expect(probe.json()).toMatchObject({ schemas: [LIST], totalResults: 0, Resources: [] });

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
        const found = await t.scim(tenant, 'GET', withFlag(`/Users?${q(filter)}`));
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
      const byMail = await t.scim(tenant, 'GET', withFlag(`/Users?${q(`emails[type eq "work"].value eq "${newMail}"`)}`));
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

    it('update cycle: after each create and update, GET by filter and by id shows what Entra sent (no PATCH needed)', async () => {
      const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
      for (const via of ['POST', 'Bulk'] as const) {
        const objectId = randomUUID();
        const userName = `Test_User_${randomUUID()}@TestUser.com`;
        const sent = {
          schemas: [USER_SCHEMA, ENTERPRISE],
          externalId: objectId,
          userName,
          active: true,
          displayName: 'Ada Lovelace',
          emails: [{ primary: true, type: 'work', value: userName }],
          meta: { resourceType: 'User' },
          name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
          addresses: [{ type: 'work', streetAddress: '1 Analytical Way', locality: 'London', country: 'GB' }],
          roles: [],
          [ENTERPRISE]: { department: 'Research', employeeNumber: '0042' },
        };
        let id: string;
        if (via === 'POST') {
          const created = await t.scim(tenant, 'POST', withFlag('/Users'), sent);
          expect(created.statusCode).toBe(201);
          id = created.json().id as string;
        } else {
          const bulk = await t.scim(tenant, 'POST', withFlag('/Bulk'), { schemas: [BULK], Operations: [{ method: 'POST', path: '/Users', bulkId: 'u1', data: sent }] });
          expect(bulk.json().Operations[0].status).toBe('201');
          id = String(bulk.json().Operations[0].location).split('/').pop()!;
        }
        // Entra's view of the user: what its attribute mappings produce, with their types.
        const want: Record<string, unknown> = structuredClone(sent);
        const filter = `externalId eq "${objectId}"`;
        const cycle = () => expectNoChange(t, tenant, id, filter, want, flag ? '?aadOptscim062020' : '');
        await cycle();

        const newMail = `Updated_${randomUUID()}@TestUser.com`;
        const update = await t.scim(tenant, 'PATCH', withFlag(`/Users/${id}`), {
          schemas: [PATCH_OP],
          Operations: [
            { op: op('replace'), path: 'emails[type eq "work"].value', value: newMail },
            { op: op('replace'), path: 'name.familyName', value: 'King' },
            { op: op('add'), path: 'phoneNumbers[type eq "mobile"].value', value: '+44 20 7946 0000' },
            { op: op('replace'), path: 'addresses[type eq "work"].locality', value: 'Marylebone' },
            { op: op('add'), path: `${ENTERPRISE}:manager`, value: flag ? 'mgr-7' : { value: 'mgr-7' } },
            { op: op('replace'), path: 'active', value: flag ? false : 'False' },
          ],
        });
        expect(update.statusCode).toBe(200);
        want['emails'] = [{ primary: true, type: 'work', value: newMail }];
        (want['name'] as Record<string, unknown>)['familyName'] = 'King';
        want['phoneNumbers'] = [{ type: 'mobile', value: '+44 20 7946 0000' }];
        want['addresses'] = [{ type: 'work', streetAddress: '1 Analytical Way', locality: 'Marylebone', country: 'GB' }];
        (want[ENTERPRISE] as Record<string, unknown>)['manager'] = { value: 'mgr-7' };
        want['active'] = false;
        await cycle();

        // A new UPN (another case too), a path-less replace with dotted and URN keys, a removal.
        const renamed = userName.replace('Test_User', 'ADA');
        const second = await t.scim(tenant, 'PATCH', withFlag(`/Users/${id}`), {
          schemas: [PATCH_OP],
          Operations: [
            { op: op('replace'), path: 'userName', value: renamed },
            { op: op('replace'), value: { displayName: 'Ada King', 'name.givenName': 'Augusta', [`${ENTERPRISE}:department`]: 'R&D', active: flag ? true : 'True' } },
            { op: op('remove'), path: 'phoneNumbers[type eq "mobile"].value' },
          ],
        });
        expect(second.statusCode).toBe(200);
        want['userName'] = renamed;
        want['displayName'] = 'Ada King';
        (want['name'] as Record<string, unknown>)['givenName'] = 'Augusta';
        (want[ENTERPRISE] as Record<string, unknown>)['department'] = 'R&D';
        want['active'] = true;
        // RFC 7644 §3.5.2.2: removing `value` keeps the element's other sub-attributes.
        want['phoneNumbers'] = [{ type: 'mobile' }];
        await cycle();
        await expectNoChange(t, tenant, id, `userName eq "${renamed.toLowerCase()}"`, want, flag ? '?aadOptscim062020' : '');
      }
    });

    it('groups: create, lookups without members, rename, add and remove members, delete', async () => {
      const [a, b, c] = [await createUser(), await createUser(), await createUser()];
      const displayName = `Group_${randomUUID()}`;

      // Entra looks the group up by its matching attribute before creating it.
      const probe = await t.scim(tenant, 'GET', withFlag(`/Groups?excludedAttributes=members&${q(`displayName eq "${displayName}"`)}`));
      expect(probe.json()).toMatchObject({ schemas: [LIST], totalResults: 0, Resources: [] });

      const objectId = randomUUID();
      const created = await t.scim(tenant, 'POST', withFlag('/Groups'), {
        schemas: [GROUP, ADSCIM_GROUP],
        externalId: objectId,
        displayName,
        meta: { resourceType: 'Group' },
      });
      expect(created.statusCode).toBe(201);
      const group = created.json();
      expect(group).toMatchObject({ schemas: [GROUP], externalId: objectId, displayName, meta: { resourceType: 'Group' } });
      const id = group.id as string;

      const byId = await t.scim(tenant, 'GET', withFlag(`/Groups/${id}?excludedAttributes=members`));
      expect(byId.statusCode).toBe(200);
      expect(byId.json()).toMatchObject({ id, displayName });
      const byName = await t.scim(tenant, 'GET', withFlag(`/Groups?excludedAttributes=members&${q(`displayName eq "${displayName}"`)}`));
      expect(byName.json()).toMatchObject({ totalResults: 1, Resources: [{ id, displayName }] });
      expect(byName.json().Resources[0].members).toBeUndefined();

      const renamed = `${randomUUID()}updatedDisplayName`;
      const rename = await t.scim(tenant, 'PATCH', withFlag(`/Groups/${id}`), {
        schemas: [PATCH_OP],
        Operations: [{ op: op('replace'), path: 'displayName', value: renamed }],
      });
      expect(rename.statusCode).toBe(204);

      const add = await t.scim(tenant, 'PATCH', withFlag(`/Groups/${id}`), {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: op('add'),
            path: 'members',
            value: [a, b, c].map((value) => (flag ? { value } : { $ref: null, value })),
          },
        ],
      });
      expect(add.statusCode).toBe(204);

      // Membership check: the group, filtered by one member, without the member list.
      const member = await t.scim(tenant, 'GET', withFlag(`/Groups?excludedAttributes=members&${q(`id eq "${id}" and members[value eq "${b}"]`)}`));
      expect(member.json().totalResults).toBe(1);

      const remove = await t.scim(tenant, 'PATCH', withFlag(`/Groups/${id}`), {
        schemas: [PATCH_OP],
        Operations: [{ op: op('remove'), path: 'members', value: [flag ? { value: a } : { $ref: null, value: a }] }],
      });
      expect(remove.statusCode).toBe(204);
      const got = (await t.scim(tenant, 'GET', withFlag(`/Groups/${id}`))).json();
      expect(got.displayName).toBe(renamed);
      expect(got.members.map((m: { value: string }) => m.value).sort()).toEqual([b, c].sort());
      const notMember = await t.scim(tenant, 'GET', withFlag(`/Groups?excludedAttributes=members&${q(`id eq "${id}" and members[value eq "${a}"]`)}`));
      expect(notMember.json().totalResults).toBe(0);

      const user = (await t.scim(tenant, 'GET', withFlag(`/Users/${b}`))).json();
      expect(user.groups).toEqual([expect.objectContaining({ value: id, display: renamed })]);

      expect((await t.scim(tenant, 'DELETE', withFlag(`/Groups/${id}`))).statusCode).toBe(204);
      expect((await t.scim(tenant, 'GET', withFlag(`/Groups/${id}`))).statusCode).toBe(404);
      expect((await t.scim(tenant, 'GET', withFlag(`/Users/${b}`))).json().groups).toBeUndefined();
    });

    it('groups: a group Entra creates with the name of a rule group adopts it (201, same id)', async () => {
      const ruled = await createUser({ title: 'Director' });
      const existing = (await t.scim(tenant, 'GET', withFlag(`/Groups?excludedAttributes=members&${q('displayName eq "Management"')}`))).json();
      const adopted = await t.scim(tenant, 'POST', withFlag('/Groups'), {
        schemas: [GROUP, ADSCIM_GROUP],
        externalId: randomUUID(),
        displayName: 'Management',
        meta: { resourceType: 'Group' },
      });
      expect(adopted.statusCode).toBe(201);
      expect(adopted.json().id).toBe(existing.Resources[0].id);
      expect((await t.scim(tenant, 'POST', withFlag('/Groups'), { schemas: [GROUP], displayName: 'Management' })).statusCode).toBe(409);
      const removal = await t.scim(tenant, 'PATCH', withFlag(`/Groups/${adopted.json().id}`), {
        schemas: [PATCH_OP],
        Operations: [{ op: op('remove'), path: 'members', value: [{ value: ruled }] }],
      });
      expect(removal.statusCode).toBe(204);
      const members = (await t.scim(tenant, 'GET', withFlag(`/Groups/${adopted.json().id}`))).json().members as { value: string }[];
      expect(members.map((m) => m.value)).toContain(ruled);
    });
  });
}
