// Server: RFC 9865 cursors of the Users and Groups lists. A cursor is the keyset position after
// the last row of a page, signed (HMAC-SHA256) for one tenant, one resource type and one query,
// and stamped with the time it was issued. Opaque and URL-safe (base64url and `.`).

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KeysetPosition } from '../db/keyset.ts';
import { scimError } from '../errors.ts';
import type { ListParams } from './list-params.ts';

/** Advertised as `pagination.cursorTimeout`: a cursor answers for at least this long after its page. */
export const CURSOR_TIMEOUT_SECONDS = 3600;
/** Longer text is not a cursor this server issued (its sort value is one stored attribute value). */
const MAX_CURSOR_LENGTH = 65_536;
const MAC_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a cursor is bound to: the tenant and its tokens (the key: a cursor of another tenant, or
 * one issued before every token of the tenant changed, is invalid, as RFC 9865 §5.2 asks), the
 * resource type, and the query it pages (`filter`, `sortBy`, `sortOrder`; RFC 9865 §2 has the
 * client repeat them unchanged). `count`, `attributes` and `excludedAttributes` may change.
 */
export interface CursorScope {
  readonly key: Buffer;
  readonly binding: string;
}

/** The authenticated tenant as the key needs it (server/tenants.ts `Tenant`). */
export interface CursorTenant {
  readonly plan: { readonly tenant: string };
  readonly tokenDigests: readonly Buffer[];
}

export function cursorScope(tenant: CursorTenant | null, resource: 'User' | 'Group', params: ListParams): CursorScope {
  if (!tenant) throw scimError('UNAUTHORIZED');
  const digests = tenant.tokenDigests.map((d) => d.toString('hex')).sort();
  const key = createHmac('sha256', 'scimplan cursor v1').update([tenant.plan.tenant, ...digests].join('\n')).digest();
  const binding = JSON.stringify([resource, params.filter?.trim() ?? '', params.sortBy?.trim() ?? '', params.sortOrder?.toLowerCase() ?? '']);
  return { key, binding };
}

/** The cursor of the page after `position`, issued at `now`. */
export function encodeCursor(scope: CursorScope, position: KeysetPosition, now: Date): string {
  const body: Record<string, unknown> = { c: position.created, i: position.id, t: Math.floor(now.getTime() / 1000) };
  if (position.sortKey !== undefined) body.s = position.sortKey;
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${payload}.${mac(scope, payload).toString('base64url')}`;
}

/**
 * The position a cursor stands for; null for `''` (the first page). 400 `invalidCursor` for
 * anything this server did not issue for this scope (malformed, altered, another tenant's,
 * another query's: one answer for all, RFC 9865 §5.2), 400 `expiredCursor` past the timeout.
 */
export function decodeCursor(scope: CursorScope, cursor: string, now: Date): KeysetPosition | null {
  if (cursor === '') return null;
  const match = cursor.length <= MAX_CURSOR_LENGTH ? /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor) : null;
  if (!match) throw scimError('CURSOR_INVALID');
  const [, payload, signature] = match as unknown as [string, string, string];
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== MAC_BYTES || !timingSafeEqual(given, mac(scope, payload))) throw scimError('CURSOR_INVALID');
  const position = positionOf(payload);
  if (!position) throw scimError('CURSOR_INVALID');
  if (now.getTime() / 1000 - position.issued > CURSOR_TIMEOUT_SECONDS) throw scimError('CURSOR_EXPIRED', { seconds: CURSOR_TIMEOUT_SECONDS });
  return position.at;
}

function mac(scope: CursorScope, payload: string): Buffer {
  return createHmac('sha256', scope.key).update(`${scope.binding}\n${payload}`).digest().subarray(0, MAC_BYTES);
}

/** The signed payload read back; undefined when its shape is not one encodeCursor writes. */
function positionOf(payload: string): { at: KeysetPosition; issued: number } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { c, i, t, s } = body as Record<string, unknown>;
  if (typeof c !== 'string' || typeof i !== 'string' || !UUID.test(i) || !Number.isSafeInteger(t)) return undefined;
  if (s !== undefined && s !== null && typeof s !== 'string') return undefined;
  return { at: { created: c, id: i, ...(s !== undefined ? { sortKey: s } : {}) }, issued: t as number };
}

/** The cursor side of one list request: where its page starts, and the cursor of the page after it. */
export interface CursorWalk {
  readonly after: KeysetPosition | null;
  readonly nextCursor: (position: KeysetPosition | undefined) => string | undefined;
}

export function cursorWalk(tenant: CursorTenant | null, resource: 'User' | 'Group', params: ListParams, cursor: string, now = new Date()): CursorWalk {
  const scope = cursorScope(tenant, resource, params);
  const after = decodeCursor(scope, cursor, now);
  return { after, nextCursor: (position) => (position ? encodeCursor(scope, position, now) : undefined) };
}
