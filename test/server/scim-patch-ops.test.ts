// The PATCH parser shared by Users and Groups (server/scim/patch-ops.ts): a body -> checked,
// readonly operations, every shape error thrown before anything is changed.

import { describe, expect, it } from 'vitest';
import { ScimError, type ScimErrorCode } from '../../server/errors.ts';
import { parsePatch, parsePatchPath } from '../../server/scim/patch-ops.ts';

function codeOf(fn: () => unknown): ScimErrorCode {
  try {
    fn();
  } catch (error) {
    if (error instanceof ScimError) return error.code;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parsePatch', () => {
  it('reads every dialect into the same operations, numbered from 1, frozen', () => {
    const ops = parsePatch({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      operations: [
        { OP: 'Replace', PATH: ' title ', VALUE: 'Boss' },
        { op: 'replace', value: { active: false } },
        { op: 'Remove', path: 'members', value: [{ value: 'u1' }] },
      ],
    });
    expect(ops).toEqual([
      { n: 1, op: 'replace', path: 'title', value: 'Boss' },
      { n: 2, op: 'replace', path: undefined, value: { active: false } },
      { n: 3, op: 'remove', path: 'members', value: [{ value: 'u1' }] },
    ]);
    expect(Object.isFrozen(ops)).toBe(true);
    expect(Object.isFrozen(ops[0])).toBe(true);
    expect(parsePatch([{ op: 'add', path: 'nickName', value: 'B' }])).toHaveLength(1);
  });

  it('refuses malformed requests with catalogue errors', () => {
    const cases: [unknown, ScimErrorCode][] = [
      ['replace', 'PATCH_BODY_NOT_OBJECT'],
      [{ schemas: [] }, 'PATCH_NO_OPERATIONS'],
      [{ Operations: ['x'] }, 'PATCH_OPERATION_NOT_OBJECT'],
      [{ Operations: [{ op: 'move', path: 'a' }] }, 'PATCH_UNKNOWN_OP'],
      [{ Operations: [{ op: 'add', path: 3, value: 'x' }] }, 'PATCH_PATH_NOT_STRING'],
      [{ Operations: [{ op: 'remove', path: '  ' }] }, 'PATCH_REMOVE_NO_PATH'],
      [{ Operations: [{ op: 'replace', value: false }] }, 'PATCH_PATHLESS_VALUE'],
      // A bad second operation refuses the request, whatever the first would do.
      [{ Operations: [{ op: 'replace', path: 'title', value: 'x' }, { op: 'jump' }] }, 'PATCH_UNKNOWN_OP'],
    ];
    for (const [body, code] of cases) expect(codeOf(() => parsePatch(body)), JSON.stringify(body)).toBe(code);
  });
});

describe('parsePatchPath', () => {
  it('parses attribute, sub-attribute, value path and URN forms', () => {
    expect(parsePatchPath(1, 'name.givenName')).toMatchObject({ urn: undefined, name: 'name', sub: 'givenName', filter: undefined });
    expect(parsePatchPath(1, 'emails[type eq "work"].value')).toMatchObject({ name: 'emails', sub: 'value', filter: { kind: 'Compare' } });
    expect(parsePatchPath(1, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager')).toMatchObject({
      urn: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      name: 'manager',
    });
  });

  it('refuses a broken path and one of more than two steps, naming the operation', () => {
    expect(codeOf(() => parsePatchPath(2, 'emails[type eq'))).toBe('PATCH_PATH_SYNTAX');
    expect(codeOf(() => parsePatchPath(2, 'a.b.c'))).toBe('PATCH_PATH_SHAPE');
    expect(codeOf(() => parsePatchPath(2, 'emails.value[type eq "x"]'))).toBe('PATCH_PATH_SHAPE');
    try {
      parsePatchPath(2, 'a.b.c');
    } catch (error) {
      expect((error as ScimError).detail).toMatch(/^operation 2: /);
    }
  });
});
