// applyPatch: RFC 7644 §3.5.2 and the PATCH bodies Entra ID (both dialects) and Okta document.

import { describe, expect, it } from 'vitest';
import { buildUserScope, groupAttributes } from '../../engine/scim-schemas.ts';
import type { Scope } from '../../dsl/types.ts';
import { applyPatch } from '../../server/scim/patch.ts';
import { scimErrorOf as errorOf } from './scim-error-of.ts';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const scope = buildUserScope([{ urn: ACME, alias: 'acme', attributes: { costCenter: 'string', endDate: 'dateTime' } }]);
const groupScope: Scope = { kind: 'scim', attributes: groupAttributes, namespaces: [] };

const stored: Readonly<Record<string, unknown>> = Object.freeze({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
  userName: 'bjensen@example.com',
  externalId: 'bjensen',
  active: true,
  displayName: 'Babs Jensen',
  name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Barbara Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  title: 'Tour Guide',
  [ENT]: { department: 'Sales', manager: { value: 'mgr-1' } },
});

const body = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });


interface Case {
  readonly name: string;
  readonly patch: unknown;
  /** Attributes of the result to check (others must equal `stored`'s unless listed in `gone`). */
  readonly expect: Record<string, unknown>;
  readonly gone?: readonly string[];
  readonly from?: Readonly<Record<string, unknown>>;
}

const cases: Case[] = [
  // --- Microsoft Entra ID, "Develop and plan provisioning for a SCIM endpoint" request examples.
  {
    name: 'Entra: update user, multi-valued properties',
    patch: body(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ),
    expect: {
      emails: [
        { value: 'updatedEmail@microsoft.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      name: { givenName: 'Barbara', familyName: 'updatedFamilyName', formatted: 'Barbara Jensen' },
    },
  },
  {
    name: 'Entra: update user, single-valued properties',
    patch: body({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }),
    expect: { userName: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
  },
  {
    name: 'Entra: disable user',
    patch: { Operations: [{ op: 'Replace', path: 'active', value: false }], schemas: [PATCH] },
    expect: { active: false },
  },
  {
    name: 'Entra default dialect: disable with the string "False"',
    patch: body({ op: 'Replace', path: 'active', value: 'False' }),
    expect: { active: false },
  },
  {
    name: 'Entra default dialect: Add with a capitalised op',
    patch: body({ op: 'Add', path: 'nickName', value: 'Babs' }),
    expect: { nickName: 'Babs' },
  },
  {
    name: 'Entra aadOptscim062020: lowercase add',
    patch: body({ op: 'add', path: 'nickName', value: 'Babs' }),
    expect: { nickName: 'Babs' },
  },
  {
    name: 'Entra aadOptscim062020: path-less add of a single-valued attribute',
    patch: body({ op: 'add', value: { nickName: 'Babs' } }),
    expect: { nickName: 'Babs' },
  },
  {
    name: 'Entra default dialect: Replace of displayName with a path',
    patch: body({ op: 'Replace', path: 'displayName', value: 'Babs Jensen 2' }),
    expect: { displayName: 'Babs Jensen 2' },
  },
  {
    name: 'Entra default dialect: roles with a "True" primary',
    patch: body({ op: 'Add', path: 'roles', value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }),
    expect: { roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] },
  },
  {
    name: 'Entra aadOptscim062020: path-less replace of active',
    patch: body({ op: 'replace', value: { active: false } }),
    expect: { active: false },
  },
  {
    name: 'Entra aadOptscim062020: path-less replace with dotted, filtered and full-URN keys',
    patch: body({
      op: 'replace',
      value: {
        displayName: 'Barbara J',
        'name.givenName': 'Barb',
        'emails[type eq "work"].value': 'barb@example.com',
        [`${ENT}:department`]: 'Marketing',
        [`${ENT}:employeeNumber`]: '701984',
      },
    }),
    expect: {
      displayName: 'Barbara J',
      name: { givenName: 'Barb', familyName: 'Jensen', formatted: 'Barbara Jensen' },
      emails: [
        { value: 'barb@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
      ],
      [ENT]: { department: 'Marketing', manager: { value: 'mgr-1' }, employeeNumber: '701984' },
    },
  },
  {
    name: 'Entra: replace on a value path that matches nothing adds the element',
    from: { userName: 'u', emails: [{ value: 'home@x.example', type: 'home' }] },
    patch: body({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'work@x.example' }),
    expect: {
      userName: 'u',
      emails: [
        { value: 'home@x.example', type: 'home' },
        { type: 'work', value: 'work@x.example' },
      ],
    },
  },
  {
    name: 'Entra: replace on a value path when there is no list at all',
    from: { userName: 'u' },
    patch: body({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+31 6 1234 5678' }),
    expect: { userName: 'u', phoneNumbers: [{ type: 'mobile', value: '+31 6 1234 5678' }] },
  },
  {
    name: 'Entra: the manager as a plain string',
    patch: body({ op: 'Add', path: `${ENT}:manager`, value: '26118915-6090-4610-87e4-49d8ca9f808d' }),
    expect: { [ENT]: { department: 'Sales', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } } },
  },
  {
    name: 'Entra: the manager as {value}',
    patch: body({ op: 'replace', path: `${ENT}:manager`, value: { value: 'mgr-2' } }),
    expect: { [ENT]: { department: 'Sales', manager: { value: 'mgr-2' } } },
  },
  {
    name: 'Entra: remove the manager',
    patch: body({ op: 'Remove', path: `${ENT}:manager` }),
    expect: { [ENT]: { department: 'Sales' } },
  },
  {
    name: 'Entra: a tenant extension attribute by URN path',
    patch: body({ op: 'Add', path: `${ACME}:costCenter`, value: 'CC-9' }),
    expect: { [ACME]: { costCenter: 'CC-9' } },
  },
  // --- Okta SCIM 2.0 guide.
  {
    name: 'Okta: deactivate with a path-less replace',
    patch: { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] },
    expect: { active: false },
  },
  {
    name: 'Okta: password sync is ignored (never stored)',
    patch: body({ op: 'replace', value: { password: 'Pa55w0rd!' } }),
    expect: {},
  },
  {
    name: 'Okta: profile update with a nested name object',
    patch: body({ op: 'replace', value: { name: { givenName: 'Another' }, displayName: 'Another Jensen' } }),
    expect: { name: { givenName: 'Another', familyName: 'Jensen', formatted: 'Barbara Jensen' }, displayName: 'Another Jensen' },
  },
  // --- RFC 7644 §3.5.2.
  {
    name: 'RFC: add to a multi-valued attribute appends, without duplicates',
    patch: body({ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }, { value: 'b@other.example', type: 'other' }] }),
    expect: {
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'b@other.example', type: 'other' },
      ],
    },
  },
  {
    name: 'RFC: a new primary element takes primary from the others',
    patch: body({ op: 'add', path: 'emails', value: [{ value: 'new@x.example', type: 'work', primary: true }] }),
    expect: {
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'new@x.example', type: 'work', primary: true },
      ],
    },
  },
  {
    // Found by round-trip-patch.test.ts (seed 1848816189): the values are added one after
    // another, so the second, equal to the first stored one once the new primary has taken
    // primary from it, is not added beside it.
    name: 'RFC: an added value equal to one a new primary has just made non-primary is not added twice',
    patch: body({
      op: 'add',
      path: 'emails',
      value: [
        { value: 'new@x.example', type: 'work', primary: true },
        { value: 'bjensen@example.com', type: 'work', primary: false },
      ],
    }),
    expect: {
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'new@x.example', type: 'work', primary: true },
      ],
    },
  },
  {
    name: 'RFC: replace a multi-valued attribute entirely',
    patch: body({ op: 'replace', path: 'emails', value: [{ value: 'only@x.example', type: 'work' }] }),
    expect: { emails: [{ value: 'only@x.example', type: 'work' }] },
  },
  {
    name: 'RFC: replace a matched element keeps the filter type',
    patch: body({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'home2@x.example' } }),
    expect: {
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { type: 'home', value: 'home2@x.example' },
      ],
    },
  },
  {
    name: 'RFC: remove by value filter',
    patch: body({ op: 'remove', path: 'emails[type eq "home"]' }),
    expect: { emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] },
  },
  {
    name: 'RFC: remove a sub-attribute of matched elements',
    patch: body({ op: 'remove', path: 'emails[type eq "work"].primary' }),
    expect: {
      emails: [
        { value: 'bjensen@example.com', type: 'work' },
        { value: 'babs@jensen.org', type: 'home' },
      ],
    },
  },
  {
    name: 'RFC: remove that matches nothing changes nothing',
    patch: body({ op: 'remove', path: 'emails[type eq "other"]' }),
    expect: {},
  },
  {
    name: 'RFC: remove the last element unassigns the attribute',
    patch: body({ op: 'remove', path: 'emails[value co "@"]' }),
    expect: {},
    gone: ['emails'],
  },
  {
    name: 'RFC: remove a single-valued attribute',
    patch: body({ op: 'remove', path: 'title' }),
    expect: {},
    gone: ['title'],
  },
  {
    name: 'RFC: remove a sub-attribute',
    patch: body({ op: 'remove', path: 'name.formatted' }),
    expect: { name: { givenName: 'Barbara', familyName: 'Jensen' } },
  },
  {
    name: 'RFC: remove the whole extension',
    patch: body({ op: 'remove', path: ENT }),
    expect: {},
    gone: [ENT],
  },
  {
    name: 'replace with null unassigns',
    patch: body({ op: 'replace', path: 'title', value: null }, { op: 'replace', value: { displayName: null } }),
    expect: {},
    gone: ['title', 'displayName'],
  },
  {
    name: 'a nested extension object in a path-less replace',
    patch: body({ op: 'replace', value: { [ENT]: { department: 'Legal', manager: 'mgr-3' } } }),
    expect: { [ENT]: { department: 'Legal', manager: { value: 'mgr-3' } } },
  },
  {
    name: 'the extension URN as path',
    patch: body({ op: 'add', path: ENT, value: { costCenter: '4130' } }),
    expect: { [ENT]: { department: 'Sales', manager: { value: 'mgr-1' }, costCenter: '4130' } },
  },
  {
    name: 'capitalised attribute and sub-attribute names',
    patch: body({ op: 'Replace', path: 'Name.GivenName', value: 'B' }, { op: 'Add', path: 'Emails', value: [{ Value: 'c@x.example', Type: 'Other', Primary: 'False' }] }),
    expect: {
      name: { givenName: 'B', familyName: 'Jensen', formatted: 'Barbara Jensen' },
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: true },
        { value: 'babs@jensen.org', type: 'home' },
        { value: 'c@x.example', type: 'Other', primary: false },
      ],
    },
  },
  {
    name: 'a path-less value that echoes meta and schemas ignores them (mutability: scim-patch-mutability.test.ts)',
    patch: body({ op: 'replace', value: { schemas: ['urn:x'], meta: { created: '2020-01-01T00:00:00Z' }, title: 'Boss' } }),
    expect: { title: 'Boss' },
  },
  {
    name: '`operations` and `OP` keys in any case',
    patch: { schemas: [PATCH], operations: [{ OP: 'REPLACE', PATH: 'title', VALUE: 'Boss' }] },
    expect: { title: 'Boss' },
  },
];

it('applyPatch refuses an attribute no schema defines (400 invalidPath), as canonicalUser does', () => {
  expect(() => applyPatch(stored, body({ op: 'add', path: 'favouriteColour', value: 'green' }), scope)).toThrow(/`favouriteColour` is not an attribute/);
});

describe('applyPatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      const from = c.from ?? stored;
      const before = JSON.stringify(from);
      const out = applyPatch(from, c.patch, scope);
      expect(JSON.stringify(from)).toBe(before);
      const expected: Record<string, unknown> = c.from ? {} : JSON.parse(JSON.stringify(stored));
      Object.assign(expected, c.expect);
      for (const k of c.gone ?? []) delete expected[k];
      expect(out).toEqual(expected);
    });
  }

  it('returns a new object that shares nothing with the input', () => {
    const input = JSON.parse(JSON.stringify(stored));
    const out = applyPatch(input, body({ op: 'replace', path: 'title', value: 'X' }), scope);
    (out.name as Record<string, unknown>).givenName = 'changed';
    expect(input.name.givenName).toBe('Barbara');
  });

  const rejected: [string, unknown, string][] = [
    ['remove without a path', body({ op: 'remove' }), 'noTarget'],
    ['Remove without a path, capitalised', body({ op: 'Remove', value: [{ value: 'x' }] }), 'noTarget'],
    ['an unknown op', body({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['no Operations', { schemas: [PATCH] }, 'invalidSyntax'],
    ['a body that is not an object', 'replace', 'invalidSyntax'],
    ['an operation that is not an object', body('x'), 'invalidSyntax'],
    ['a broken path', body({ op: 'replace', path: 'emails[type eq', value: 'x' }), 'invalidPath'],
    ['a filter on a single-valued attribute', body({ op: 'replace', path: 'title[value eq "x"]', value: 'x' }), 'invalidPath'],
    ['an unknown sub-attribute', body({ op: 'replace', path: 'name.nickname', value: 'x' }), 'invalidPath'],
    ['a wrong type', body({ op: 'replace', path: 'active', value: 'maybe' }), 'invalidValue'],
    ['a wrong type in a path-less value', body({ op: 'replace', value: { emails: 'x' } }), 'invalidValue'],
    ['a path-less value that is not an object', body({ op: 'replace', value: false }), 'invalidValue'],
    ['removing userName', body({ op: 'remove', path: 'userName' }), 'invalidValue'],
    ['an unmatched replace the filter cannot build', body({ op: 'replace', path: 'emails[type eq "x" or type eq "y"].value', value: 'x' }), 'noTarget'],
    ['a function call in a value filter', body({ op: 'replace', path: 'emails[lower(type) eq "work"].value', value: 'x' }), 'invalidPath'],
  ];
  for (const [name, patch, scimType] of rejected) {
    it(`rejects ${name} with ${scimType}`, () => {
      const error = errorOf(() => applyPatch(stored, patch, scope));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe(scimType);
    });
  }

  it('names what a broken path lacks without echoing the values in it', () => {
    const error = errorOf(() => applyPatch(stored, body({ op: 'replace', path: 'emails[value eq "bjensen@example.com" "Barbara"]', value: 'x' }), scope));
    expect(error.scimType).toBe('invalidPath');
    expect(error.message).toBe('operation 1: invalid path at offset 38: expected `]` but found a string');
  });

  it('answers noTarget for an unmatched path without terms before looking at its value, and a bad value once an element matches', () => {
    const noEmails = { userName: 'u' };
    const orPath = body({ op: 'replace', path: 'emails[type eq "x" or type eq "work"]', value: 'not an object' });
    expect(errorOf(() => applyPatch(noEmails, orPath, scope)).scimType).toBe('noTarget');
    expect(errorOf(() => applyPatch(stored, orPath, scope)).scimType).toBe('invalidValue');
  });

  it('checks every operation before applying any: a bad last operation leaves nothing applied', () => {
    const error = errorOf(() => applyPatch(stored, body({ op: 'replace', path: 'title', value: 'X' }, { op: 'replace', path: 'name.nickname', value: 'x' }), scope));
    expect(error.code).toBe('PATCH_UNKNOWN_SUB_ATTRIBUTE');
    expect(error.detail).toBe('operation 2: `name` has no sub-attribute `nickname`');
  });

  it('refuses a value filter it cannot hold (a nested value path) whether or not an element exists', () => {
    for (const from of [stored, { userName: 'u' }]) {
      const error = errorOf(() => applyPatch(from, body({ op: 'remove', path: 'emails[x[y eq 1] eq 2]' }), scope));
      expect(error.scimType).toBe('invalidPath');
      expect(error.code).toBe('PATCH_VALUE_FILTER');
    }
  });

  it('never puts the filter of an unmatched path (its values) into the detail', () => {
    const error = errorOf(() => applyPatch({ userName: 'u' }, body({ op: 'replace', path: 'emails[value eq "secret@x.example" or type eq "y"].value', value: 'x' }), scope));
    expect(error.scimType).toBe('noTarget');
    expect(error.detail).not.toContain('secret');
  });

  it('does not let __proto__ keys pollute anything', () => {
    const patch = JSON.parse(
      '{"Operations":[{"op":"add","value":{"__proto__":{"polluted":true},"title":"T"}},{"op":"add","path":"__proto__","value":{"polluted":true}},{"op":"add","path":"name","value":{"__proto__":{"polluted":true}}},{"op":"add","path":"constructor.prototype","value":{"polluted":true}}]}',
    );
    const out = applyPatch(stored, patch, scope);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.title).toBe('T');
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});

describe('applyPatch on groups (Entra and Okta group requests)', () => {
  const group = Object.freeze({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Sales',
    members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }],
  });

  it('Entra default dialect: Remove with a value list removes only those members', () => {
    const out = applyPatch(group, body({ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u3' }] }), groupScope);
    expect(out.members).toEqual([{ value: 'u2' }]);
  });

  it('Entra aadOptscim062020 / Okta: remove by members[value eq "id"]', () => {
    const out = applyPatch(group, body({ op: 'remove', path: 'members[value eq "u2"]' }), groupScope);
    expect(out.members).toEqual([{ value: 'u1' }, { value: 'u3' }]);
  });

  it('Entra: Add members', () => {
    const out = applyPatch(group, body({ op: 'Add', path: 'members', value: [{ value: 'u4' }, { value: 'u1' }] }), groupScope);
    expect(out.members).toEqual([{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }, { value: 'u4' }]);
  });

  it('removal of all members by path without a value', () => {
    const out = applyPatch(group, body({ op: 'remove', path: 'members' }), groupScope);
    expect(out).not.toHaveProperty('members');
  });

  it('Okta: path-less replace with id and displayName', () => {
    const out = applyPatch(group, body({ op: 'replace', value: { id: 'abf4dd94-a4c0-4f67-89c9-76b03340cb9b', displayName: 'Test SCIMv2' } }), groupScope);
    expect(out.displayName).toBe('Test SCIMv2');
    expect(out).not.toHaveProperty('id');
  });

  it('a full members replace', () => {
    const out = applyPatch(group, body({ op: 'replace', path: 'members', value: [{ value: 'u9', type: 'User' }] }), groupScope);
    expect(out.members).toEqual([{ value: 'u9', type: 'User' }]);
  });
});
