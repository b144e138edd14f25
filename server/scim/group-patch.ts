// Server: a client's Group body (POST, PUT) and Group PATCH operations (RFC 7644 §3.5.2, in the
// dialects of Entra ID and Okta) -> plain membership and attribute changes, applied in SQL later.

import type { Expr } from '../../dsl/ast.ts';
import { isPlainObject as isObject } from '../../dsl/values.ts';
import { groupScope } from '../../engine/attribute-model.ts';
import { GROUP_URN } from '../../engine/scim-schemas.ts';
import { scimError } from '../errors.ts';
import { ownKey, ownValue } from './json.ts';
import { parsePatch, parsePatchPath, requireValue, type PatchOp, type PatchOperation } from './patch-ops.ts';
import { requireAttributes } from './required.ts';
import { attributeNamed } from './schema-lookup.ts';
import { equalityTerms } from './value-path-filter.ts';

/** A Group as the client sent it: attributes the server keeps. Unknown attributes are ignored. */
export interface GroupInput {
  readonly displayName: string;
  readonly externalId: string | null;
  /** Member ids as sent; undefined when the body has no `members`. */
  readonly members: readonly string[] | undefined;
}

/**
 * One change a PATCH operation asks for. Member changes carry ids as the client wrote them;
 * the caller checks that they name users of the tenant before applying anything.
 */
export type GroupChange =
  | { readonly kind: 'displayName'; readonly value: string }
  | { readonly kind: 'externalId'; readonly value: string | null }
  | { readonly kind: 'addMembers'; readonly ids: readonly string[] }
  | { readonly kind: 'replaceMembers'; readonly ids: readonly string[] }
  | { readonly kind: 'removeMembers'; readonly ids: readonly string[] }
  | { readonly kind: 'removeAllMembers' }
  | { readonly kind: 'removeMembersWhere'; readonly filter: Expr }
  /** A path-less value echoes `id` (Okta does): it must be the group's own, else 400 mutability. */
  | { readonly kind: 'sameId'; readonly n: number; readonly value: unknown };

/** Recomputed by the server: writes to `schemas` are ignored, as for Users. */
const IGNORED = new Set(['schemas']);

/** `name` is read-only in the model (`id`, `meta`): an operation naming it is 400 mutability. */
function isReadOnly(name: string): boolean {
  return attributeNamed(groupScope.attributes, name)?.mutability === 'readOnly';
}

/**
 * A POST or PUT body -> GroupInput. The model's required attributes (`displayName`, RFC 7643
 * §4.2) must be present (REQUIRED_MISSING), `displayName` a non-empty string; `id`, `meta`,
 * `schemas` and unknown attributes (Entra's `urn:...:ADSCIM/Group` schema among them) are
 * ignored; `members` is a list of `{value}` objects (`display`, `$ref`, `type` ignored).
 * Errors: 400 invalidSyntax (not an object) or invalidValue naming the attribute.
 */
export function groupInput(body: unknown): GroupInput {
  if (!isObject(body)) throw scimError('BODY_NOT_OBJECT');
  const get = (name: string): unknown => {
    const key = ownKey(body, name) ?? ownKey(body, `${GROUP_URN}:${name}`);
    return key === undefined ? undefined : body[key];
  };
  requireAttributes(Object.fromEntries(groupScope.attributes.map((d) => [d.name, get(d.name)])), groupScope);
  const displayName = get('displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw scimError('GROUP_DISPLAY_NAME_REQUIRED');
  }
  const externalId = get('externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    throw scimError('GROUP_EXTERNAL_ID_TYPE');
  }
  const members = get('members');
  return {
    displayName,
    externalId: externalId ?? null,
    members: members === undefined || members === null ? undefined : memberIds(members, 'members'),
  };
}

/**
 * A PATCH body -> the changes it asks for, in order.
 *
 * - `op` in any case; `Operations` key in any case (or a bare list of operations).
 * - `members`: add (listed members), replace (exactly the listed members), remove with a
 *   `value` list (only those; Entra), remove without value (all). `members[value eq "id"]`
 *   (any `or` of such terms) removes those; another filter over `value`, `display`, `type`
 *   removes the members it matches.
 * - `displayName`, `externalId`: add/replace set them; removing `displayName` is 400.
 * - Path-less add/replace: an object of attributes (Okta sends `id` and `displayName`); its
 *   `id` must be the group's own (a `sameId` change the caller checks), `meta` and `schemas` are ignored.
 * - A path naming a read-only attribute of the model (`id`, `meta`) is 400 mutability
 *   (RFC 7644 §3.5.2); `schemas` is ignored; other attributes are 400 invalidPath.
 */
export function groupChanges(body: unknown): readonly GroupChange[] {
  return parsePatch(body).flatMap((operation): GroupChange[] => {
    if (operation.path !== undefined) return pathChanges(operation);
    const changes: GroupChange[] = [];
    for (const key of Object.keys(operation.value)) {
      const name = attributeName(key);
      if (name === undefined || IGNORED.has(name.toLowerCase()) || name.toLowerCase() === 'meta') continue;
      if (name.toLowerCase() === 'id') {
        changes.push({ kind: 'sameId', n: operation.n, value: operation.value[key] });
        continue;
      }
      const change = attributeChange(operation.n, operation.op, name, operation.value[key], true);
      if (change) changes.push(change);
    }
    return changes;
  });
}

/** `displayName` or `urn:...:core:2.0:Group:displayName` -> `displayName`; undefined for other URNs. */
function attributeName(key: string): string | undefined {
  const prefix = `${GROUP_URN.toLowerCase()}:`;
  if (key.toLowerCase().startsWith(prefix)) return key.slice(prefix.length);
  return key.toLowerCase().startsWith('urn:') ? undefined : key;
}

function pathChanges(operation: PatchOperation & { readonly path: string }): GroupChange[] {
  const { n, op, value } = operation;
  const path = parsePatchPath(n, operation.path);
  if (path.urn !== undefined && path.urn.toLowerCase() !== GROUP_URN.toLowerCase()) throw scimError('PATCH_GROUP_EXTENSION', { n, urn: path.urn });
  const name = path.name.toLowerCase();
  if (IGNORED.has(name)) return [];
  if (isReadOnly(name)) throw scimError('PATCH_READ_ONLY', { n, attribute: path.sub === undefined ? path.name : `${path.name}.${path.sub}` });
  if (name === 'members' && (path.filter || path.sub !== undefined)) {
    if (path.sub !== undefined && path.sub.toLowerCase() !== 'value') throw scimError('PATCH_MEMBER_SUB_ATTRIBUTE', { n, sub: path.sub });
    if (op !== 'remove' || !path.filter) throw scimError('PATCH_MEMBERS_FILTER', { n });
    const ids = valueEqualityIds(path.filter);
    return [ids ? { kind: 'removeMembers', ids } : { kind: 'removeMembersWhere', filter: path.filter }];
  }
  if (path.filter || path.sub !== undefined) throw scimError('PATCH_NO_SUB_ATTRIBUTES', { n, attribute: path.name });
  requireValue(operation);
  const change = attributeChange(n, op, path.name, value, false);
  return change ? [change] : [];
}

function attributeChange(n: number, op: PatchOp, name: string, value: unknown, pathless: boolean): GroupChange | undefined {
  switch (name.toLowerCase()) {
    case 'displayname':
      if (op === 'remove' || value === null) throw scimError('PATCH_DISPLAY_NAME_REMOVED', { n });
      if (typeof value !== 'string' || value.trim() === '') throw scimError('PATCH_DISPLAY_NAME_TYPE', { n });
      return { kind: 'displayName', value };
    case 'externalid':
      if (op === 'remove' || value === null) return { kind: 'externalId', value: null };
      if (typeof value !== 'string') throw scimError('PATCH_EXTERNAL_ID_TYPE', { n });
      return { kind: 'externalId', value };
    case 'members': {
      const where = `operation ${n}: \`members\``;
      if (op === 'remove') {
        return value === undefined || value === null ? { kind: 'removeAllMembers' } : { kind: 'removeMembers', ids: memberIds(value, where) };
      }
      if (value === null) return op === 'replace' ? { kind: 'removeAllMembers' } : undefined;
      return { kind: op === 'add' ? 'addMembers' : 'replaceMembers', ids: memberIds(value, where) };
    }
    default:
      // A path-less value may carry what Okta echoes back; a path names something to change.
      if (pathless) return undefined;
      throw scimError('PATCH_GROUP_ATTRIBUTE', { n, attribute: name });
  }
}

/** `[{"value": id}, ...]` (or one such object) -> the ids. `display`, `$ref`, `type: User` are ignored. */
function memberIds(value: unknown, where: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (!isObject(item)) throw scimError('MEMBERS_NOT_OBJECTS', { where });
    const type = ownValue(item, 'type');
    if (typeof type === 'string' && type.toLowerCase() === 'group') throw scimError('MEMBER_IS_GROUP', { where });
    const id = ownValue(item, 'value');
    if (typeof id !== 'string' || id.trim() === '') throw scimError('MEMBER_NO_VALUE', { where });
    return id.trim().toLowerCase();
  });
}

/** `value eq "a"`, `value eq "a" or value eq "b"` -> the ids; undefined for any other filter. */
function valueEqualityIds(filter: Expr): string[] | undefined {
  const terms = equalityTerms(filter, 'or', undefined);
  if (!terms?.every((t) => t.name.toLowerCase() === 'value' && typeof t.value === 'string')) return undefined;
  return terms.map((t) => (t.value as string).trim().toLowerCase());
}
