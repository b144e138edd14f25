// PATCH mutability from the attribute model (RFC 7644 §3.5.2): readOnly targets are 400
// mutability, immutable ones only once they hold a value; read-only parts of a value are dropped.

import { describe, expect, it } from 'vitest';
import type { Scope } from '../../dsl/types.ts';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import { applyUserPatch, parseUserPatch } from '../../server/scim/patch.ts';
import { scimErrorOf as errorOf } from './scim-error-of.ts';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';
const scope = buildUserScope([]);
const body = (...ops: unknown[]) => ({ schemas: [PATCH], Operations: ops });
const stored = Object.freeze({ userName: 'bjensen', title: 'Guide', [ENT]: { manager: { value: 'm1' } } });
const ID = '2819c223-7f76-453a-919d-413861904646';


const apply = (patch: unknown, on: Record<string, unknown> = stored, s: Scope = scope) => applyUserPatch(on, parseUserPatch(patch, s), ID);

describe('readOnly attributes', () => {
  const readOnlyOps: [string, unknown, string][] = [
    ['id', { op: 'replace', path: 'id', value: 'x' }, 'id'],
    ['meta', { op: 'replace', path: 'meta', value: {} }, 'meta'],
    ['meta.created', { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }, 'meta'],
    ['groups (add)', { op: 'add', path: 'groups', value: [{ value: 'g' }] }, 'groups'],
    ['groups (remove)', { op: 'remove', path: 'groups' }, 'groups'],
    ['the scimplan extension', { op: 'replace', path: SCIMPLAN, value: { status: 'active' } }, SCIMPLAN],
    ['a scimplan attribute', { op: 'replace', path: `${SCIMPLAN}:status`, value: 'active' }, `${SCIMPLAN}:status`],
    ['a scimplan profile field', { op: 'remove', path: `${SCIMPLAN}:profile.email` }, `${SCIMPLAN}:profile`],
    ['manager.displayName', { op: 'replace', path: `${ENT}:manager.displayName`, value: 'Boss' }, 'manager.displayName'],
    ['a path-less scimplan extension', { op: 'replace', value: { [SCIMPLAN]: { status: 'x' } } }, SCIMPLAN],
    ['a path-less scimplan attribute key', { op: 'replace', value: { [`${SCIMPLAN}:reason`]: 'x' } }, `${SCIMPLAN}:reason`],
    ['path-less groups', { op: 'add', value: { groups: [{ value: 'g' }] } }, 'groups'],
    ['a path-less id that is not the resource\'s', { op: 'replace', value: { id: 'other', title: 'X' } }, 'id'],
  ];
  for (const [name, op, attribute] of readOnlyOps) {
    it(`${name}: 400 mutability naming it`, () => {
      const error = errorOf(() => apply(body(op)));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
      expect(error.message).toContain(`\`${attribute}\``);
    });
  }

  it('a path-less value may echo the resource: its own id, meta and schemas change nothing', () => {
    const out = apply(body({ op: 'replace', value: { id: ID, schemas: ['urn:x'], meta: { version: 'W/"9"' }, title: 'Boss' } }));
    expect(out).toEqual({ ...stored, title: 'Boss' });
  });

  it('read-only sub-attributes inside a value are dropped, as PUT drops them', () => {
    const out = apply(body({ op: 'replace', path: `${ENT}:manager`, value: { value: 'm2', displayName: 'Boss' } }));
    expect(out[ENT]).toEqual({ manager: { value: 'm2' } });
  });

  it('nothing is applied when one operation is read-only', () => {
    expect(errorOf(() => apply(body({ op: 'replace', path: 'title', value: 'X' }, { op: 'replace', path: 'id', value: 'x' }))).scimType).toBe('mutability');
  });
});

describe('immutable attributes', () => {
  const immutable: Scope = {
    ...scope,
    attributes: scope.attributes.map((a) => (a.name === 'nickName' ? { ...a, mutability: 'immutable' as const } : a)),
  };

  it('may be added while they have no value', () => {
    expect(apply(body({ op: 'add', path: 'nickName', value: 'Babs' }), stored, immutable)).toMatchObject({ nickName: 'Babs' });
  });

  it('cannot be replaced or removed once they hold one', () => {
    const from = { ...stored, nickName: 'Babs' };
    for (const op of [{ op: 'replace', path: 'nickName', value: 'B' }, { op: 'remove', path: 'nickName' }, { op: 'replace', value: { nickName: 'B' } }]) {
      const error = errorOf(() => apply(body(op), from, immutable));
      expect(error.scimType).toBe('mutability');
      expect(error.message).toContain('`nickName` is immutable');
    }
  });
});
