// SCIM filters compiled to SQL, run against a real database: PGlite in memory by default,
// PostgreSQL when TEST_DATABASE_URL is set. Asserts which users each filter returns.

import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import type { OpenDatabase } from '../../server/db/database.ts';
import { ScimError } from '../../server/errors.ts';
import { sortColumn } from '../../server/db/filter/sort.ts';
import { userFilterToSql } from '../../server/db/filter/user-filter.ts';
import { openTestDatabase } from './helpers.ts';
import { scimErrorOf } from './scim-error-of.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const scope = buildUserScope([
  { urn: ACME, alias: 'acme', attributes: { employmentEndDate: 'dateTime', costCenter: 'string', level: 'integer' } },
]);

const run = randomUUID().slice(0, 8);
const A = `filter-a-${run}`;
const B = `filter-b-${run}`;

interface Sample {
  readonly name: string;
  readonly tenant: string;
  readonly userName: string;
  readonly externalId?: string;
  readonly status?: 'active' | 'deactivated';
  readonly created: string;
  readonly resource: Record<string, unknown>;
  readonly profile?: Record<string, unknown>;
}

const samples: Sample[] = [
  {
    name: 'bjensen',
    tenant: A,
    userName: 'bjensen@example.com',
    externalId: 'bjensen',
    created: '2011-08-01T18:29:49Z',
    profile: { department: 'Sales', email: 'bjensen@example.com' },
    resource: {
      userName: 'bjensen@example.com',
      externalId: 'bjensen',
      name: { familyName: 'Jensen', givenName: 'Barbara' },
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      active: true,
      title: 'Tour Guide',
      userType: 'Employee',
      ims: [{ value: 'babs@foo.com', type: 'xmpp' }],
      [ENT]: { department: 'Sales', employeeNumber: '701984', manager: { value: 'mgr-1' } },
      [ACME]: { level: 3, employmentEndDate: '2030-01-01T00:00:00Z', costCenter: 'CC-1' },
    },
  },
  {
    name: 'jsmith',
    tenant: A,
    userName: 'jsmith@example.com',
    externalId: 'JSmith',
    status: 'deactivated',
    created: '2015-10-11T00:00:00Z',
    resource: {
      userName: 'jsmith@example.com',
      externalId: 'JSmith',
      name: { familyName: 'Smith', givenName: 'John' },
      emails: [{ value: 'john@corp.example', type: 'work' }],
      // A legacy row: a boolean stored as Entra's string.
      active: 'False',
      title: "O'Brien 100%_match\\",
      userType: 'Contractor',
      [ACME]: { level: 10, employmentEndDate: '2026-01-31' },
    },
  },
  {
    name: 'orourke',
    tenant: A,
    userName: 'ORourke',
    created: '2020-03-01T12:00:00+01:00',
    resource: {
      userName: 'ORourke',
      [ENT]: { department: 'Engineering' },
      [ACME]: { employmentEndDate: '2025-12-31T23:00:00-02:00' },
    },
  },
  {
    name: 'weird',
    tenant: A,
    userName: 'weird',
    created: '2021-01-01T00:00:00Z',
    resource: {
      userName: 'weird',
      // Stored data of the wrong shape must never turn a filter into an SQL error.
      emails: 'not-a-list',
      title: 5,
      active: 'maybe',
      name: 'not-an-object',
      [ACME]: { employmentEndDate: '2026-02-30T25:99:00Z', level: 'high' },
    },
  },
  {
    name: 'other-tenant',
    tenant: B,
    userName: 'bjensen@example.com',
    externalId: 'bjensen',
    created: '2011-08-01T18:29:49Z',
    resource: { userName: 'bjensen@example.com', externalId: 'bjensen', active: true, title: 'Tour Guide' },
  },
];

let database: OpenDatabase;
const ids = new Map<string, string>();
const names = new Map<string, string>();
let salesGroup = '';

beforeAll(async () => {
  database = await openTestDatabase();
  for (const s of samples) {
    const id = randomUUID();
    ids.set(s.name, id);
    names.set(id, s.name);
    await database.db
      .insertInto('scim_users')
      .values({
        id,
        tenant: s.tenant,
        key_value: s.externalId ?? s.userName,
        user_name: s.userName,
        external_id: s.externalId ?? null,
        work_email: null,
        resource: JSON.stringify(s.resource),
        profile: JSON.stringify(s.profile ?? {}),
        status: s.status ?? 'active',
        config_hash: 'test',
        created_at: s.created,
        updated_at: s.created,
      })
      .execute();
  }
  salesGroup = randomUUID();
  const now = new Date().toISOString();
  await database.db
    .insertInto('scim_groups')
    .values({ id: salesGroup, tenant: A, display_name: 'Sales', external_id: null, created_by: 'rule', created_at: now, updated_at: now })
    .execute();
  await database.db
    .insertInto('memberships')
    .values({ tenant: A, group_id: salesGroup, user_id: ids.get('bjensen')!, via_rule: true, via_client: false, created_at: now })
    .execute();
});

afterAll(async () => {
  if (!database) return;
  await database.db.deleteFrom('memberships').where('tenant', 'in', [A, B]).execute();
  await database.db.deleteFrom('scim_groups').where('tenant', 'in', [A, B]).execute();
  await database.db.deleteFrom('scim_users').where('tenant', 'in', [A, B]).execute();
  await database.close();
});

async function matching(filter: string, tenant = A): Promise<string[]> {
  const rows = await database.db
    .selectFrom('scim_users')
    .select('id')
    .where('tenant', '=', tenant)
    .where('deleted_at', 'is', null)
    .where(userFilterToSql(filter, scope))
    .execute();
  return rows.map((r) => names.get(r.id)!).sort();
}


describe('userFilterToSql on a real database', () => {
  const cases: [string, string[]][] = [
    // RFC 7644 §3.4.2.2 examples.
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', ['bjensen']],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', ['jsmith', 'orourke', 'weird']],
    ['userType eq "Employee" and (emails.type eq "work")', ['bjensen']],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', ['bjensen']],
    ['emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]', ['bjensen']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O\'Malley"', []],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', ['bjensen', 'jsmith', 'orourke', 'weird']],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', []],
    // What Entra ID and Okta send.
    ['userName eq "bjensen@example.com"', ['bjensen']],
    ['USERNAME EQ "BJENSEN@EXAMPLE.COM"', ['bjensen']],
    ['userName eq "6c4b7b48-8e2f-4a55-9c1e-4f0d1c6f2a10"', []],
    ['externalId eq "JSmith"', ['jsmith']],
    ['externalId eq "jsmith"', []],
    ['userName sw "J"', ['jsmith']],
    ['userName sw O', ['orourke']],
    ['userName co "example"', ['bjensen', 'jsmith']],
    ['userName ew ".COM"', ['bjensen', 'jsmith']],
    ['userName gt "p"', ['weird']],
    ['userName le "jsmith@example.com"', ['bjensen', 'jsmith']],
    ['name.familyName co "O\'Malley"', []],
    ['name.familyName eq "jensen"', ['bjensen']],
    ['name.givenName sw "j" and name.familyName pr', ['jsmith']],
    ['title pr', ['bjensen', 'jsmith', 'weird']],
    ['title co "100%_"', ['jsmith']],
    ['title co "%"', ['jsmith']],
    ['title co "_"', ['jsmith']],
    ['title ew "\\\\"', ['jsmith']],
    ['title co "O\'Brien"', ['jsmith']],
    ['emails[type eq "work"].value eq "john@corp.example"', ['jsmith']],
    ['emails[type eq "work"].value eq "babs@jensen.org"', []],
    ['emails.value eq "babs@jensen.org"', ['bjensen']],
    ['emails eq "BABS@jensen.org"', ['bjensen']],
    ['emails[type eq "work" and value co "@example.com"]', ['bjensen']],
    ['emails[type eq "work" and primary eq true]', ['bjensen']],
    ['emails[not (type eq "work")]', ['bjensen']],
    ['emails pr', ['bjensen', 'jsmith']],
    ['emails.type eq "home"', ['bjensen']],
    ['emails[type eq "work"].value ne "john@corp.example"', ['bjensen', 'orourke', 'weird']],
    ['active eq true', ['bjensen']],
    ['active eq "true"', ['bjensen']],
    ['active eq "False"', ['jsmith']],
    ['active eq false', ['jsmith']],
    ['active ne true', ['jsmith', 'orourke', 'weird']],
    ['not (active eq true)', ['jsmith', 'orourke', 'weird']],
    ['active pr', ['bjensen', 'jsmith', 'weird']],
    ['title eq null', ['orourke']],
    ['title ne null', ['bjensen', 'jsmith', 'weird']],
    ['meta.created gt "2015-01-01T00:00:00Z"', ['jsmith', 'orourke', 'weird']],
    ['meta.created gt 2015-10-10T14:38:21Z', ['jsmith', 'orourke', 'weird']],
    ['meta.lastModified lt "2020-03-01T11:00:00Z"', ['bjensen', 'jsmith']],
    ['meta.lastModified le "2020-03-01T11:00:00Z"', ['bjensen', 'jsmith', 'orourke']],
    ['meta.resourceType eq "User"', ['bjensen', 'jsmith', 'orourke', 'weird']],
    [`${ENT}:department eq "sales"`, ['bjensen']],
    [`${ENT}:manager.value eq "mgr-1"`, ['bjensen']],
    [`${ENT}:manager eq "mgr-1"`, ['bjensen']],
    ['enterprise.department eq "Engineering"', ['orourke']],
    [`${SCIMPLAN}:status eq "deactivated"`, ['jsmith']],
    [`${SCIMPLAN}:status eq "ACTIVE"`, ['bjensen', 'orourke', 'weird']],
    [`${SCIMPLAN}:profile.department eq "sales"`, ['bjensen']],
    [`${ACME}:level gt 5`, ['jsmith']],
    [`${ACME}:level ge 3`, ['bjensen', 'jsmith']],
    [`${ACME}:employmentEndDate lt "2026-06-01T00:00:00Z"`, ['jsmith', 'orourke']],
    [`${ACME}:employmentEndDate gt "2026-01-01T01:00:00Z"`, ['bjensen', 'jsmith']],
    [`${ACME}:employmentEndDate eq "2026-01-01T01:00:00Z"`, ['orourke']],
    ['acme.costCenter eq "cc-1"', ['bjensen']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ORourke"', ['orourke']],
    ['(userName eq "nobody" or userName eq "ORourke") and active pr', []],
    ['userName eq "nobody" or (userName eq "ORourke" and not (active pr))', ['orourke']],
    ['groups.display eq "sales"', ['bjensen']],
    ['groups pr', ['bjensen']],
    ['not (groups pr)', ['jsmith', 'orourke', 'weird']],
    ['id eq "not-a-uuid"', []],
    ['id ne "not-a-uuid"', ['bjensen', 'jsmith', 'orourke', 'weird']],
    // Hostile values are data, never SQL.
    ['userName eq "x\' or 1=1 --"', []],
    ['userName eq "x\\" or 1=1 --"', []],
    ['title co "\'); drop table scim_users; --"', []],
  ];

  for (const [filter, expected] of cases) {
    if (!Array.isArray(expected)) continue;
    it(`${filter} -> [${expected.join(', ')}]`, async () => {
      expect(await matching(filter)).toEqual(expected);
    });
  }

  it('filters by id and by group id', async () => {
    expect(await matching(`id eq "${ids.get('jsmith')}"`)).toEqual(['jsmith']);
    expect(await matching(`id eq "${ids.get('jsmith')!.toUpperCase()}"`)).toEqual(['jsmith']);
    expect(await matching(`groups.value eq "${salesGroup}"`)).toEqual(['bjensen']);
    expect(await matching(`groups[value eq "${salesGroup}"]`)).toEqual(['bjensen']);
  });

  it('never reads another tenant', async () => {
    expect(await matching('userName eq "bjensen@example.com"', B)).toEqual(['other-tenant']);
    expect(await matching('title pr', B)).toEqual(['other-tenant']);
    expect(await matching('userName eq "x\' or 1=1 --"', B)).toEqual([]);
  });

  it('binds every value from the filter as a parameter', () => {
    const compiled = userFilterToSql('userName eq "x\' or 1=1 --" or title co "50%"', scope).compile(database.db);
    expect(compiled.sql).not.toContain('1=1');
    expect(compiled.sql).not.toContain('50');
    expect(compiled.parameters).toContain("x' or 1=1 --");
    expect(compiled.parameters).toContain('%50\\%%');
  });
});

describe('filters that are rejected with invalidFilter', () => {
  const rejected: [string, RegExp][] = [
    ['__proto__ eq 1', /unknown attribute `__proto__`/],
    ['constructor pr', /unknown attribute `constructor`/],
    ['userNam eq "x"', /unknown attribute `userNam`.*did you mean `userName`/],
    ['name.given eq "x"', /unknown attribute `name.given`/],
    [`${ENT}:departmnt eq "x"`, /unknown attribute `departmnt`/],
    ['urn:example:unknown:2.0:User:x eq "y"', /unknown schema/],
    ['password eq "secret"', /password/],
    ['active gt true', /`gt` does not apply/],
    ['active eq "maybe"', /boolean/],
    [`${ACME}:level co 1`, /does not apply/],
    [`${ACME}:level gt "abc"`, /number/],
    ['meta.created gt "yesterday"', /date-time/],
    ['meta.location eq "x"', /not supported/],
    ['userName eq', /offset/],
    ['userName eq "x" and', /offset/],
    ['title in ["a"]', /not SCIM filter syntax/],
    ['lower(userName) eq "x"', /./],
    ['userName', /./],
    ['name eq "x"', /complex/],
    ['title[value eq "x"]', /single-valued/],
    ['emails[type eq "work"].display.x eq "y"', /./],
    ['emails[foo eq "x"]', /unknown attribute `foo`/],
    ['', /./],
  ];
  for (const [filter, message] of rejected) {
    it(JSON.stringify(filter), () => {
      const error = scimErrorOf(() => userFilterToSql(filter, scope));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toMatch(message);
    });
  }

  it('10,000 nested parentheses', () => {
    const deep = `${'('.repeat(10_000)}userName eq "x"${')'.repeat(10_000)}`;
    expect(scimErrorOf(() => userFilterToSql(deep, scope)).scimType).toBe('invalidFilter');
    const nots = `${'not ('.repeat(5_000)}userName eq "x"${')'.repeat(5_000)}`;
    expect(scimErrorOf(() => userFilterToSql(nots, scope)).scimType).toBe('invalidFilter');
  });

  it('never echoes a value in the error detail', () => {
    const error = scimErrorOf(() => userFilterToSql('active eq "s3cret-value"', scope));
    expect(error.detail).not.toContain('s3cret-value');
  });

  it('arbitrary input gives a ScimError or runs without an SQL error', async () => {
    const pieces = ['userName', 'emails', '[', ']', 'type', 'eq', 'co', 'pr', 'and', 'or', 'not', '(', ')', '"x"', '"%_\\\\"', '.value', 'true', '5', 'null', ' ', "'", `${ENT}:manager`, 'meta.created', '2020-01-01T00:00:00Z'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), async (parts) => {
        const filter = parts.join(' ');
        let where;
        try {
          where = userFilterToSql(filter, scope);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          return;
        }
        await database.db.selectFrom('scim_users').select('id').where('tenant', '=', A).where(where).execute();
      }),
      { numRuns: 150 },
    );
  });
});

describe('sortColumn', () => {
  async function sorted(sortBy: string, descending = false): Promise<string[]> {
    const rows = await database.db
      .selectFrom('scim_users')
      .select('id')
      .where('tenant', '=', A)
      .orderBy(sortColumn(sortBy, scope), descending ? 'desc' : 'asc')
      .orderBy('id')
      .execute();
    return rows.map((r) => names.get(r.id)!);
  }

  it('sorts by userName case-insensitively', async () => {
    expect(await sorted('userName')).toEqual(['bjensen', 'jsmith', 'orourke', 'weird']);
    expect(await sorted('UserName', true)).toEqual(['weird', 'orourke', 'jsmith', 'bjensen']);
  });

  it('sorts by dates, sub-attributes, multi-valued and extension attributes', async () => {
    expect(await sorted('meta.created', true)).toEqual(['weird', 'orourke', 'jsmith', 'bjensen']);
    expect((await sorted('name.familyName')).slice(0, 2)).toEqual(['bjensen', 'jsmith']);
    // The primary email (bjensen@...) sorts bjensen before jsmith's john@...
    expect((await sorted('emails')).slice(0, 2)).toEqual(['bjensen', 'jsmith']);
    expect((await sorted('emails[type eq "work"].value')).slice(0, 2)).toEqual(['bjensen', 'jsmith']);
    expect((await sorted(`${ACME}:level`)).slice(0, 2)).toEqual(['bjensen', 'jsmith']);
    expect((await sorted(`${ACME}:employmentEndDate`)).slice(0, 3)).toEqual(['orourke', 'jsmith', 'bjensen']);
    expect(await sorted('externalId')).toHaveLength(4);
  });

  it('rejects an unknown attribute with invalidValue', () => {
    const error = scimErrorOf(() => sortColumn('nope', scope));
    expect(error.scimType).toBe('invalidValue');
    expect(scimErrorOf(() => sortColumn('userName eq "x"', scope)).scimType).toBe('invalidValue');
  });
});
