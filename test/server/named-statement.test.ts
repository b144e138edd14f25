// Named placeholders of the write statements (server/db/named-statement.ts): numbered once per
// name in the order they first appear, bound by name, and a name without a value is an error.

import { describe, expect, it } from 'vitest';
import { bindNamed, namedStatement } from '../../server/db/named-statement.ts';

describe('namedStatement', () => {
  const statement = namedStatement('select $tenant, $id::uuid where tenant = $tenant and x = $idLower');

  it('numbers each name once, in the order names first appear', () => {
    expect(statement.text).toBe('select $1, $2::uuid where tenant = $1 and x = $3');
    expect(statement.names).toEqual(['tenant', 'id', 'idLower']);
  });

  it('binds by name from the shared values, else from the statement own ones', () => {
    expect(bindNamed(statement, { tenant: 't', id: 'i' }, { idLower: 'l', id: 'not this one' })).toEqual(['t', 'i', 'l']);
    expect(bindNamed(statement, { tenant: 't', id: null, idLower: undefined })).toEqual(['t', null, undefined]);
  });

  it('refuses a name that has no value (a bug, not a null)', () => {
    expect(() => bindNamed(statement, { tenant: 't', id: 'i' })).toThrow('no value for $idLower');
    expect(() => bindNamed(statement, { tenant: 't' }, { idLower: 'l' })).toThrow('no value for $id');
  });
});
