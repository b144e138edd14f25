// Clients: the provider's comparison (update-cycle.ts) sees every difference Entra would PATCH for.

import { describe, expect, it } from 'vitest';
import { changesNeeded } from './update-cycle.ts';

describe('changesNeeded', () => {
  const want = { userName: 'Ada@x', active: false, emails: [{ type: 'work', value: 'a@x' }, { type: 'home', value: 'b@x' }], name: { givenName: 'Ada' }, roles: [] };

  it('finds nothing when the answer shows what was sent, server-owned attributes aside', () => {
    const read = { ...want, roles: undefined, id: '1', meta: {}, schemas: [], groups: [], 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User': {} };
    delete read.roles;
    expect(changesNeeded(want, read)).toEqual([]);
  });

  it('finds a change of case, of type, of element order and an attribute the server added', () => {
    expect(changesNeeded(want, { ...want, userName: 'ada@x' })).toEqual(['userName: another value']);
    expect(changesNeeded(want, { ...want, active: 'False' })).toEqual(['active: expected a boolean, read a string']);
    expect(changesNeeded(want, { ...want, emails: [...want.emails].reverse() })).toEqual(['emails[0].type: another value', 'emails[0].value: another value', 'emails[1].type: another value', 'emails[1].value: another value']);
    expect(changesNeeded(want, { ...want, nickName: 'x' })).toEqual(['nickName: added by the server']);
    expect(changesNeeded(want, { ...want, name: { givenName: 'Ada', familyName: 'L' } })).toEqual(['name.familyName: added by the server']);
    expect(changesNeeded(want, { ...want, roles: [{ value: 'r' }] })).toEqual(['roles: expected absent']);
  });
});
