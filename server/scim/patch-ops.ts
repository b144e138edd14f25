// Server: a PATCH request body (RFC 7644 §3.5.2) -> its checked, readonly list of operations,
// shared by Users and Groups, in every dialect Entra ID and Okta speak; and one path parsed.

import type { Expr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { isPlainObject } from '../../dsl/values.ts';
import { scimError } from '../errors.ts';
import { ownValue } from './json.ts';

export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export type PatchOp = 'add' | 'replace' | 'remove';

/**
 * One operation of a PATCH request, checked for shape. `n` is its 1-based position (messages
 * name it). `op` is lowercase whatever the client wrote (Entra sends `Replace`). `path` is
 * trimmed and non-empty, or undefined for a path-less add or replace, whose `value` is then an
 * object of attributes. `value` is as sent (undefined when absent); which values an attribute
 * takes is the resource's to check.
 */
export type PatchOperation =
  | { readonly n: number; readonly op: PatchOp; readonly path: string; readonly value: unknown }
  | { readonly n: number; readonly op: 'add' | 'replace'; readonly path: undefined; readonly value: Readonly<Record<string, unknown>> };

/**
 * A PATCH path, parsed: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, optionally behind
 * a schema URN. Names are as written; the resource resolves them.
 */
export interface PatchPath {
  readonly urn: string | undefined;
  readonly name: string;
  readonly filter: Expr | undefined;
  readonly sub: string | undefined;
}

/**
 * The operations of a PATCH body: `{schemas, Operations: [...]}` (the key `Operations` and the
 * keys `op`, `path`, `value` in any case) or the bare list. Errors, before anything changes:
 * 400 invalidSyntax for the body, an operation that is not an object or an unknown `op`;
 * invalidPath for a `path` that is not a string; noTarget for `remove` without a path;
 * invalidValue for a path-less add or replace whose `value` is not an object.
 */
export function parsePatch(body: unknown): readonly PatchOperation[] {
  return Object.freeze(operationList(body).map((raw, index) => parseOperation(raw, index + 1)));
}

function operationList(body: unknown): readonly unknown[] {
  if (Array.isArray(body)) return body;
  if (!isPlainObject(body)) throw scimError('PATCH_BODY_NOT_OBJECT');
  const list = ownValue(body, 'Operations');
  if (!Array.isArray(list)) throw scimError('PATCH_NO_OPERATIONS');
  return list;
}

function parseOperation(raw: unknown, n: number): PatchOperation {
  if (!isPlainObject(raw)) throw scimError('PATCH_OPERATION_NOT_OBJECT', { n });
  const opText = ownValue(raw, 'op');
  const op = typeof opText === 'string' ? opText.trim().toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') throw scimError('PATCH_UNKNOWN_OP', { n });
  const path = ownValue(raw, 'path');
  const value = ownValue(raw, 'value');
  if (path !== undefined && path !== null && typeof path !== 'string') throw scimError('PATCH_PATH_NOT_STRING', { n });
  if (typeof path === 'string' && path.trim() !== '') return Object.freeze({ n, op, path: path.trim(), value });
  if (op === 'remove') throw scimError('PATCH_REMOVE_NO_PATH', { n });
  if (!isPlainObject(value)) throw scimError('PATCH_PATHLESS_VALUE', { n, op });
  return Object.freeze({ n, op, path: undefined, value });
}

/** 400 invalidValue when an add or replace with a path has no `value`. */
export function requireValue(operation: PatchOperation): void {
  if (operation.op !== 'remove' && operation.value === undefined) throw scimError('PATCH_NO_VALUE', { n: operation.n, op: operation.op });
}

/** `text` (a path of operation `n`, or a key of its path-less value) parsed; 400 invalidPath otherwise. */
export function parsePatchPath(n: number, text: string): PatchPath {
  const known = PARSED_PATHS.get(text);
  if (known) return known;
  const path = Object.freeze(parsePath(n, text));
  // Clients send the same few paths (`title`, `emails[type eq "work"].value`) in every request.
  if (text.length > MAX_KEPT_PATH) return path;
  if (PARSED_PATHS.size >= MAX_PARSED_PATHS) PARSED_PATHS.clear();
  PARSED_PATHS.set(text, path);
  return path;
}

/** Paths parsed, by text (an error is thrown again each time: it names the operation). Bounded: at most 1,000 of at most 200 characters. */
const PARSED_PATHS = new Map<string, PatchPath>();
const MAX_PARSED_PATHS = 1_000;
const MAX_KEPT_PATH = 200;

function parsePath(n: number, text: string): PatchPath {
  const { ast, diagnostics } = parseExpression(text, 'path', undefined, { quoteSource: false });
  const d = diagnostics[0];
  if (d) throw scimError('PATCH_PATH_SYNTAX', { n, offset: d.span.start, reason: d.message });
  const [first, second, ...more] = ast.kind === 'Path' ? ast.steps : [];
  if (ast.kind !== 'Path' || !first || more.length > 0 || second?.filter) throw scimError('PATCH_PATH_SHAPE', { n });
  return { urn: ast.urn, name: first.name, filter: first.filter, sub: second?.name };
}
