// canonicalUser: what Entra ID, Okta and hostile clients send, and what gets stored.

import { describe, expect, it } from 'vitest';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import { ScimError } from '../../server/errors.ts';
import { canonicalUser } from '../../server/scim/canonical.ts';
import { ownValue, ownValues } from '../../server/scim/json.ts';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const scope = buildUserScope([{ urn: ACME, alias: 'acme', attributes: { costCenter: 'string', level: 'integer', endDate: 'dateTime', remote: 'boolean' } }]);

function errorOf(body: unknown): ScimError {
  try {
    canonicalUser(body, scope);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('canonicalUser', () => {
  it('keeps the Entra ID create request as sent, minus meta', () => {
    // Microsoft Entra "Develop and plan provisioning for a SCIM endpoint": Create User request.
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    };
    expect(canonicalUser(body, scope)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    });
  });

  it('drops password, groups and id from the Okta create request', () => {
    // Okta SCIM 2.0 guide: Create the user.
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
      id: 'client-chosen',
    };
    const out = canonicalUser(body, scope);
    expect(out).not.toHaveProperty('password');
    expect(out).not.toHaveProperty('groups');
    expect(out).not.toHaveProperty('id');
    expect(out.userName).toBe('test.user@okta.local');
    expect(out.locale).toBe('en-US');
    expect(JSON.stringify(out)).not.toContain('1mz050nq');
  });

  it('puts keys in schema case, sub-attributes and extensions included', () => {
    const out = canonicalUser(
      {
        UserName: 'a@b.example',
        NAME: { GivenName: 'A', familyname: 'B' },
        Emails: [{ Value: 'a@b.example', Type: 'work', Primary: 'True' }],
        'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': { Department: 'Sales', EmployeeNumber: '7' },
      },
      scope,
    );
    expect(out).toEqual({
      userName: 'a@b.example',
      name: { givenName: 'A', familyName: 'B' },
      emails: [{ value: 'a@b.example', type: 'work', primary: true }],
      [ENT]: { department: 'Sales', employeeNumber: '7' },
    });
  });

  it('coerces Entra booleans, numbers in strings and the manager as a plain string', () => {
    const out = canonicalUser(
      {
        userName: 'u',
        active: 'False',
        [ENT]: { manager: '26118915-6090-4610-87e4-49d8ca9f808d' },
        [ACME]: { level: '3', remote: 'TRUE', endDate: '2026-05-01T00:00:00Z' },
      },
      scope,
    );
    expect(out.active).toBe(false);
    expect(out[ENT]).toEqual({ manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } });
    expect(out[ACME]).toEqual({ level: 3, remote: true, endDate: '2026-05-01T00:00:00Z' });
  });

  it('moves a full-URN attribute key into its extension', () => {
    const out = canonicalUser({ userName: 'u', [`${ENT}:department`]: 'Sales', [ENT]: { costCenter: 'X' } }, scope);
    expect(out[ENT]).toEqual({ department: 'Sales', costCenter: 'X' });
  });

  it('drops nulls, read-only attributes and the scimplan extension', () => {
    const out = canonicalUser(
      {
        userName: 'u',
        title: null,
        name: { givenName: null, familyName: 'F' },
        emails: [null, { value: 'x@y.example' }],
        [ENT]: { manager: { value: 'm', displayName: 'Read Only' } },
        [SCIMPLAN]: { status: 'active', profile: { email: 'x' } },
        meta: { created: '2020-01-01T00:00:00Z' },
        [`${SCIMPLAN}:status`]: 'deactivated',
      },
      scope,
    );
    expect(out).toEqual({
      userName: 'u',
      name: { familyName: 'F' },
      emails: [{ value: 'x@y.example' }],
      [ENT]: { manager: { value: 'm' } },
    });
  });

  it('refuses unknown attributes and unknown extensions by name (400 invalidValue); drops them on request', () => {
    const bodies: [Record<string, unknown>, string][] = [
      [{ userName: 'u', favouriteColour: 'green' }, '`favouriteColour` is not an attribute of this tenant\'s schemas'],
      [{ userName: 'u', emails: [{ value: 'a@b.example', verified: true }] }, '`emails.verified` is not an attribute'],
      [{ userName: 'u', 'urn:example:custom:2.0:User': { badge: 42 } }, 'the extension `urn:example:custom:2.0:User` is not declared'],
    ];
    for (const [body, detail] of bodies) {
      const error = errorOf(body);
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toContain(detail);
      expect(canonicalUser(body, scope, 'drop')).toEqual(body['emails'] ? { userName: 'u', emails: [{ value: 'a@b.example' }] } : { userName: 'u' });
    }
  });

  const wrong: [string, unknown, string][] = [
    ['active', { userName: 'u', active: 'maybe' }, '`active` must be a boolean'],
    ['emails', { userName: 'u', emails: 'x' }, '`emails` must be a list'],
    ['emails element', { userName: 'u', emails: ['x@y'] }, '`emails` must be an object'],
    ['name', { userName: 'u', name: 5 }, '`name` must be an object'],
    ['name.givenName', { userName: 'u', name: { givenName: ['a'] } }, '`name.givenName` must be a string'],
    ['userName', { userName: 12345 }, '`userName` must be a string'],
    ['enterprise', { userName: 'u', [ENT]: 'Sales' }, `\`${ENT}\` must be an object`],
    ['extension integer', { userName: 'u', [ACME]: { level: '3.5' } }, `\`${ACME}.level\` must be an integer`],
    ['extension dateTime', { userName: 'u', [ACME]: { endDate: 'soon' } }, `\`${ACME}.endDate\` must be an ISO 8601 date-time`],
    ['a date alone is no dateTime', { userName: 'u', [ACME]: { endDate: '2026-06-01' } }, `\`${ACME}.endDate\` must be an ISO 8601 date-time`],
    ['an impossible dateTime', { userName: 'u', [ACME]: { endDate: '2024-02-30T00:00:00Z' } }, `\`${ACME}.endDate\` must be an ISO 8601 date-time`],
    ['schemas', { userName: 'u', schemas: 'urn:x' }, '`schemas` must be a list of strings'],
  ];
  for (const [name, body, detail] of wrong) {
    it(`rejects a wrong type: ${name}`, () => {
      const error = errorOf(body);
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidValue');
      expect(error.detail).toBe(detail);
    });
  }

  it('never echoes the value in an error', () => {
    expect(errorOf({ userName: 'u', active: 'secret-value-123' }).detail).not.toContain('secret-value-123');
  });

  it('rejects a body that is not a JSON object', () => {
    for (const body of [null, [], 'x', 5, true, undefined]) {
      const error = errorOf(body);
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidSyntax');
    }
  });

  it('does not let __proto__ or constructor keys pollute anything', () => {
    const body = JSON.parse(
      '{"userName":"u","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"name":{"__proto__":{"polluted":true},"givenName":"A"},"emails":[{"__proto__":{"polluted":true},"value":"a@b"}]}',
    );
    const out = canonicalUser(body, scope);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as Record<string, unknown>).polluted).toBeUndefined();
    expect((out.name as Record<string, unknown>).polluted).toBeUndefined();
    expect(out).toEqual({ userName: 'u', name: { givenName: 'A' }, emails: [{ value: 'a@b' }] });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it('is idempotent and shares nothing with the input', () => {
    const body = { userName: 'u', name: { givenName: 'A' }, emails: [{ value: 'a@b', type: 'work' }] };
    const once = canonicalUser(body, scope);
    expect(canonicalUser(once, scope)).toEqual(once);
    (once.name as Record<string, unknown>).givenName = 'changed';
    (once.emails as unknown[]).push({ value: 'c@d' });
    expect(body.name.givenName).toBe('A');
    expect(body.emails).toHaveLength(1);
  });

  it('rejects unknown values nested too deeply', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(errorOf({ userName: 'u', deep }).scimType).toBe('invalidValue');
  });
});

describe('ownValues', () => {
  it('finds members as ownValue does: the exact key first, else the first key equal ignoring case', () => {
    const obj = JSON.parse('{"UserName":"a","username":"b","Title":"t","__proto__":1}') as Record<string, unknown>;
    const valueOf = ownValues(obj);
    for (const name of ['userName', 'username', 'USERNAME', 'title', 'nope', '__proto__', 'constructor']) expect(valueOf(name)).toBe(ownValue(obj, name));
    expect(valueOf('USERNAME')).toBe('a');
    expect(valueOf('constructor')).toBeUndefined();
  });
});
