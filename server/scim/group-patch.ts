// Server: a client's Group body (POST, PUT) and Group PATCH operations (RFC 7644 §3.5.2, in the
// dialects of Entra ID and Okta) -> plain membership and attribute changes, applied in SQL later.

import type { Expr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { GROUP_URN } from '../../engine/scim-schemas.ts';
import { isObject, ownKey, scimError } from './canonical.ts';
import { operationList } from './patch.ts';

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
  | { readonly kind: 'removeMembersWhere'; readonly filter: Expr };

type Op = 'add' | 'replace' | 'remove';

/** Read-only or server-owned: writes to them are ignored, as for Users. */
const IGNORED = new Set(['id', 'meta', 'schemas']);

/**
 * A POST or PUT body -> GroupInput. `displayName` is required (RFC 7643 §4.2); `id`, `meta`,
 * `schemas` and unknown attributes (Entra's `urn:...:ADSCIM/Group` schema among them) are
 * ignored; `members` is a list of `{value}` objects (`display`, `$ref`, `type` ignored).
 * Errors: 400 invalidSyntax (not an object) or invalidValue naming the attribute.
 */
export function groupInput(body: unknown): GroupInput {
  if (!isObject(body)) throw scimError(400, 'invalidSyntax', 'the request body must be a JSON object');
  const get = (name: string): unknown => {
    const key = ownKey(body, name) ?? ownKey(body, `${GROUP_URN}:${name}`);
    return key === undefined ? undefined : body[key];
  };
  const displayName = get('displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '') {
    throw scimError(400, 'invalidValue', '`displayName` is required and must be a non-empty string');
  }
  const externalId = get('externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string') {
    throw scimError(400, 'invalidValue', '`externalId` must be a string');
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
 * - Path-less add/replace: an object of attributes (Okta sends `id` and `displayName`).
 * - `id`, `meta`, `schemas` are ignored; other attributes are 400 invalidPath.
 */
export function groupChanges(body: unknown): GroupChange[] {
  const list = operationList(body);
  const changes: GroupChange[] = [];
  list.forEach((raw, index) => {
    const label = `operation ${index + 1}`;
    if (!isObject(raw)) throw scimError(400, 'invalidSyntax', `${label} must be an object`);
    const field = (name: string): unknown => {
      const key = ownKey(raw, name);
      return key === undefined ? undefined : raw[key];
    };
    const opText = field('op');
    const op = typeof opText === 'string' ? opText.trim().toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw scimError(400, 'invalidSyntax', `${label}: \`op\` must be \`add\`, \`replace\` or \`remove\``);
    }
    const path = field('path');
    const value = field('value');
    if (path !== undefined && path !== null && typeof path !== 'string') throw scimError(400, 'invalidPath', `${label}: \`path\` must be a string`);
    if (path === undefined || path === null || path.trim() === '') {
      if (op === 'remove') throw scimError(400, 'noTarget', `${label}: \`remove\` needs a \`path\``);
      if (!isObject(value)) throw scimError(400, 'invalidValue', `${label}: a \`${op}\` without \`path\` needs an object \`value\``);
      for (const key of Object.keys(value)) {
        const name = attributeName(key);
        if (name === undefined || IGNORED.has(name.toLowerCase())) continue;
        const change = attributeChange(op, name, value[key], label, true);
        if (change) changes.push(change);
      }
      return;
    }
    changes.push(...pathChanges(op, path.trim(), value, label));
  });
  return changes;
}


/** `displayName` or `urn:...:core:2.0:Group:displayName` -> `displayName`; undefined for other URNs. */
function attributeName(key: string): string | undefined {
  const prefix = `${GROUP_URN.toLowerCase()}:`;
  if (key.toLowerCase().startsWith(prefix)) return key.slice(prefix.length);
  return key.toLowerCase().startsWith('urn:') ? undefined : key;
}

function pathChanges(op: Op, path: string, value: unknown, label: string): GroupChange[] {
  const { ast, diagnostics } = parseExpression(path, 'path');
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw scimError(400, 'invalidPath', `${label}: invalid path at offset ${d.span.start}: ${d.message}`);
  }
  if (ast.kind !== 'Path' || ast.steps.length === 0 || ast.steps.length > 2 || ast.steps[1]?.filter) {
    throw scimError(400, 'invalidPath', `${label}: a path is \`attribute\` or \`members[filter]\``);
  }
  if (ast.urn !== undefined && ast.urn.toLowerCase() !== GROUP_URN.toLowerCase()) {
    throw scimError(400, 'invalidPath', `${label}: groups have no extension \`${ast.urn}\``);
  }
  const [first, second] = ast.steps as [NonNullable<(typeof ast.steps)[0]>, (typeof ast.steps)[1]];
  const name = first.name.toLowerCase();
  if (IGNORED.has(name)) return [];
  if (name === 'members' && (first.filter || second)) {
    if (second && second.name.toLowerCase() !== 'value') {
      throw scimError(400, 'mutability', `${label}: \`members.${second.name}\` cannot be changed; add or remove the member`);
    }
    if (op !== 'remove' || !first.filter) {
      throw scimError(400, 'invalidPath', `${label}: add or replace members with path \`members\` and a list of \`{"value": id}\``);
    }
    const ids = valueEqualityIds(first.filter);
    return [ids ? { kind: 'removeMembers', ids } : { kind: 'removeMembersWhere', filter: first.filter }];
  }
  if (first.filter || second) throw scimError(400, 'invalidPath', `${label}: \`${first.name}\` has no sub-attributes`);
  if (op !== 'remove' && value === undefined) throw scimError(400, 'invalidValue', `${label}: \`${op}\` needs a \`value\``);
  const change = attributeChange(op, first.name, value, label, false);
  return change ? [change] : [];
}

function attributeChange(op: Op, name: string, value: unknown, label: string, pathless: boolean): GroupChange | undefined {
  switch (name.toLowerCase()) {
    case 'displayname':
      if (op === 'remove' || value === null) throw scimError(400, 'invalidValue', `${label}: \`displayName\` is required and cannot be removed`);
      if (typeof value !== 'string' || value.trim() === '') throw scimError(400, 'invalidValue', `${label}: \`displayName\` must be a non-empty string`);
      return { kind: 'displayName', value };
    case 'externalid':
      if (op === 'remove' || value === null) return { kind: 'externalId', value: null };
      if (typeof value !== 'string') throw scimError(400, 'invalidValue', `${label}: \`externalId\` must be a string`);
      return { kind: 'externalId', value };
    case 'members':
      if (op === 'remove') {
        return value === undefined || value === null ? { kind: 'removeAllMembers' } : { kind: 'removeMembers', ids: memberIds(value, `${label}: \`members\``) };
      }
      if (value === null) return op === 'replace' ? { kind: 'removeAllMembers' } : undefined;
      return { kind: op === 'add' ? 'addMembers' : 'replaceMembers', ids: memberIds(value, `${label}: \`members\``) };
    default:
      // A path-less value may carry what Okta echoes back; a path names something to change.
      if (pathless) return undefined;
      throw scimError(400, 'invalidPath', `${label}: groups have no attribute \`${name}\``);
  }
}

/** `[{"value": id}, ...]` (or one such object) -> the ids. `display`, `$ref`, `type: User` are ignored. */
function memberIds(value: unknown, label: string): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (!isObject(item)) throw scimError(400, 'invalidValue', `${label} must be a list of objects with \`value\``);
    const typeKey = ownKey(item, 'type');
    const type = typeKey === undefined ? undefined : item[typeKey];
    if (typeof type === 'string' && type.toLowerCase() === 'group') {
      throw scimError(400, 'invalidValue', `${label}: groups cannot be members of groups here; only users`);
    }
    const key = ownKey(item, 'value');
    const id = key === undefined ? undefined : item[key];
    if (typeof id !== 'string' || id.trim() === '') throw scimError(400, 'invalidValue', `${label}: every member needs a string \`value\` (a user id)`);
    return id.trim().toLowerCase();
  });
}

/** `value eq "a"`, `value eq "a" or value eq "b"` -> the ids; undefined for any other filter. */
function valueEqualityIds(filter: Expr): string[] | undefined {
  switch (filter.kind) {
    case 'Group':
      return valueEqualityIds(filter.inner);
    case 'Logical': {
      if (filter.op !== 'or') return undefined;
      const l = valueEqualityIds(filter.left);
      const r = valueEqualityIds(filter.right);
      return l && r ? [...l, ...r] : undefined;
    }
    case 'Compare':
      if (
        filter.op === 'eq' &&
        filter.left.kind === 'Path' &&
        filter.left.urn === undefined &&
        filter.left.steps.length === 1 &&
        !filter.left.steps[0]!.filter &&
        filter.left.steps[0]!.name.toLowerCase() === 'value' &&
        filter.right.kind === 'Literal' &&
        typeof filter.right.value === 'string'
      ) {
        return [filter.right.value.trim().toLowerCase()];
      }
      return undefined;
    default:
      return undefined;
  }
}
