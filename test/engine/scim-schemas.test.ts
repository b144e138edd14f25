import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildProfileScope,
  buildUserScope,
  coreUserAttributes,
  enterpriseNamespace,
  groupAttributes,
  schemaResources,
  scimplanNamespace,
  userSchemaResource,
} from '../../engine/scim-schemas.ts';
import type { AttributeDef } from '../../dsl/types.ts';

const byName = (attrs: readonly AttributeDef[], name: string): AttributeDef => {
  const a = attrs.find((x) => x.name === name);
  if (!a) throw new Error(`no attribute ${name}`);
  return a;
};

describe('SCIM schema resources (RFC 7643 §8.7.1)', () => {
  it('lists every core User attribute in RFC order', () => {
    expect(userSchemaResource.attributes.map((a) => a.name)).toEqual([
      'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage',
      'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos', 'addresses',
      'groups', 'entitlements', 'roles', 'x509Certificates',
    ]);
  });

  it('keeps the RFC characteristics', () => {
    const attrs = userSchemaResource.attributes;
    const userName = attrs.find((a) => a.name === 'userName')!;
    expect(userName).toMatchObject({ type: 'string', required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' });
    expect(attrs.find((a) => a.name === 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(attrs.find((a) => a.name === 'profileUrl')).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    const groups = attrs.find((a) => a.name === 'groups')!;
    expect(groups.mutability).toBe('readOnly');
    expect(groups.subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'display', 'type']);
    expect(groups.subAttributes!.find((s) => s.name === '$ref')).toMatchObject({ referenceTypes: ['User', 'Group'], mutability: 'readOnly' });
    expect(groups.subAttributes!.find((s) => s.name === 'type')!.canonicalValues).toEqual(['direct', 'indirect']);
    const ims = attrs.find((a) => a.name === 'ims')!;
    expect(ims.subAttributes!.find((s) => s.name === 'type')!.canonicalValues).toEqual(['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']);
    const phones = attrs.find((a) => a.name === 'phoneNumbers')!;
    expect(phones.subAttributes!.find((s) => s.name === 'type')!.canonicalValues).toEqual(['work', 'home', 'mobile', 'fax', 'pager', 'other']);
    const addresses = attrs.find((a) => a.name === 'addresses')!;
    expect(addresses.subAttributes!.map((s) => s.name)).toEqual(['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type']);
    const x509 = attrs.find((a) => a.name === 'x509Certificates')!;
    expect(x509.subAttributes!.find((s) => s.name === 'value')!.type).toBe('binary');
    const photos = attrs.find((a) => a.name === 'photos')!;
    expect(photos.subAttributes!.find((s) => s.name === 'value')).toMatchObject({ type: 'reference', referenceTypes: ['external'] });
    expect(attrs.find((a) => a.name === 'active')).toMatchObject({ type: 'boolean', multiValued: false });
  });

  it('every resource is a well-formed schema', () => {
    const valid = (a: Record<string, unknown>): void => {
      expect(typeof a.name).toBe('string');
      expect(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex']).toContain(a.type);
      expect(typeof a.multiValued).toBe('boolean');
      expect(typeof a.description).toBe('string');
      if (a.type === 'complex') for (const s of a.subAttributes as Record<string, unknown>[]) valid(s);
      if (a.type === 'reference') expect(Array.isArray(a.referenceTypes)).toBe(true);
    };
    for (const r of schemaResources) {
      expect(r.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema']);
      expect(r.meta.location).toBe(`/v2/Schemas/${r.id}`);
      for (const a of r.attributes) valid(a as unknown as Record<string, unknown>);
    }
    expect(schemaResources.map((r) => r.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
      'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User',
    ]);
  });

  it('the JSON files are the same data the module serves', () => {
    const raw = JSON.parse(readFileSync(new URL('../../schemas/scim/user.json', import.meta.url), 'utf8'));
    expect(userSchemaResource).toEqual(raw);
    expect(Object.isFrozen(userSchemaResource)).toBe(true);
  });
});

describe('AttributeDefs', () => {
  it('core User has the common attributes and the RFC ones', () => {
    expect(byName(coreUserAttributes, 'externalId')).toMatchObject({ type: 'string', caseExact: true, multiValued: false });
    expect(byName(coreUserAttributes, 'id').mutability).toBe('readOnly');
    expect(byName(coreUserAttributes, 'meta').subAttributes!.map((s) => s.name)).toContain('lastModified');
    expect(byName(coreUserAttributes, 'userName')).toMatchObject({ uniqueness: 'server', required: true, caseExact: false });
    expect(byName(coreUserAttributes, 'emails')).toMatchObject({ type: 'complex', multiValued: true });
    expect(byName(byName(coreUserAttributes, 'name').subAttributes!, 'givenName').type).toBe('string');
  });

  it('adds the §2.4 default `primary` to addresses (the served resource stays as §8.7.1 prints it)', () => {
    const addresses = byName(coreUserAttributes, 'addresses');
    expect(byName(addresses.subAttributes!, 'primary').type).toBe('boolean');
    const raw = userSchemaResource.attributes.find((a) => a.name === 'addresses')!;
    expect(raw.subAttributes!.some((a) => a.name === 'primary')).toBe(false);
  });

  it('fills RFC defaults for characteristics the resource omits', () => {
    // `active` lists neither caseExact nor uniqueness in §8.7.1
    expect(byName(coreUserAttributes, 'active')).toMatchObject({ caseExact: false, uniqueness: 'none', mutability: 'readWrite' });
  });

  it('marks photo and certificate media', () => {
    expect(byName(coreUserAttributes, 'photos').media).toBe('photo');
    expect(byName(coreUserAttributes, 'x509Certificates').media).toBe('certificate');
    expect(byName(coreUserAttributes, 'emails').media).toBeUndefined();
    expect(byName(byName(coreUserAttributes, 'photos').subAttributes!, 'value').media).toBeUndefined();
  });

  it('enterprise namespace', () => {
    expect(enterpriseNamespace.urn).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    expect(enterpriseNamespace.aliases).toEqual(['enterprise']);
    expect(enterpriseNamespace.attributes.map((a) => a.name)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    const manager = byName(enterpriseNamespace.attributes, 'manager');
    expect(manager.subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'displayName']);
    expect(byName(manager.subAttributes!, 'displayName').mutability).toBe('readOnly');
  });

  it('scimplan namespace is read-only', () => {
    expect(scimplanNamespace.urn).toBe('urn:ietf:params:scim:schemas:extension:scimplan:2.0:User');
    expect(scimplanNamespace.attributes.map((a) => [a.name, a.type])).toEqual([
      ['status', 'string'], ['deactivatedAt', 'dateTime'], ['reason', 'string'], ['profile', 'complex'],
    ]);
    expect(scimplanNamespace.attributes.every((a) => a.mutability === 'readOnly')).toBe(true);
  });

  it('group attributes', () => {
    // §4.2 makes displayName REQUIRED (§8.7.1 prints false) and describes the member's `display`.
    expect(byName(groupAttributes, 'displayName')).toMatchObject({ type: 'string', required: true });
    const members = byName(groupAttributes, 'members');
    expect(members.multiValued).toBe(true);
    expect(members.subAttributes!.map((s) => s.name)).toEqual(['value', '$ref', 'type', 'display']);
    expect(byName(members.subAttributes!, 'display').mutability).toBe('readOnly');
    expect(byName(members.subAttributes!, 'value').mutability).toBe('immutable');
  });
});

describe('scopes', () => {
  it('buildUserScope adds the declared extensions', () => {
    const scope = buildUserScope([
      { urn: 'urn:ietf:params:scim:schemas:extension:acme:2.0:User', alias: 'acme', attributes: { employmentEndDate: 'dateTime', costCenter: 'string', badge: 'integer' } },
      { urn: 'urn:x', attributes: { flag: 'boolean' } },
    ]);
    expect(scope.kind).toBe('scim');
    expect(scope.attributes).toBe(coreUserAttributes);
    expect(scope.namespaces.map((n) => n.urn)).toEqual([
      enterpriseNamespace.urn, scimplanNamespace.urn, 'urn:ietf:params:scim:schemas:extension:acme:2.0:User', 'urn:x',
    ]);
    const acme = scope.namespaces[2]!;
    expect(acme.aliases).toEqual(['acme']);
    expect(acme.attributes).toEqual([
      { name: 'employmentEndDate', type: 'dateTime', multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' },
      { name: 'costCenter', type: 'string', multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' },
      { name: 'badge', type: 'integer', multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' },
    ]);
    expect(scope.namespaces[3]!.aliases).toEqual([]);
  });

  it('buildUserScope treats an undeclarable type (already E010) as string', () => {
    const scope = buildUserScope([{ urn: 'urn:x', attributes: { a: 'strng' } }]);
    expect(scope.namespaces[2]!.attributes[0]!.type).toBe('string');
  });

  it('buildProfileScope', () => {
    const def: AttributeDef = { name: 'x', type: 'string', multiValued: false, caseExact: false, mutability: 'readWrite', uniqueness: 'none' };
    const scope = buildProfileScope([{ name: 'department', def }], ['userName', 'title']);
    expect(scope.kind).toBe('profile');
    expect(scope.attributes.map((a) => a.name)).toEqual(['department']);
    expect(scope.namespaces).toEqual([]);
    expect(scope.scimAttributes).toEqual(['userName', 'title']);
  });
});
