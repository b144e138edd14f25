// Server: a stored user row -> the SCIM User resource the client reads: the resource as sent,
// plus id, meta, schemas, core `groups` and scimplan's read-only extension.

import type { Plan } from '../engine/plan.ts';
import { CORE_USER_URN, SCIMPLAN_URN } from '../engine/scim-schemas.ts';
import type { GroupRef } from './db/groups.ts';
import type { ViewRow } from './db/users.ts';
// Stored keys come from JSON; `put` keeps a key like `__proto__` an ordinary property.
import { put as define } from './scim/json.ts';

/** Never echoed back: server-owned parts (recomputed below) and secrets. */
const SERVER_OWNED = new Set(['schemas', 'id', 'meta', 'groups', 'password', SCIMPLAN_URN.toLowerCase()]);

export const etagOf = (version: number): string => `W/"${version}"`;

/**
 * `profileOrder` lists the plan's profile fields: jsonb stores keys in its own order, the
 * response shows them as the tenant file does.
 */
export function renderUser(row: ViewRow, groups: readonly GroupRef[], location: string, profileOrder: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys: string[] = [];
  const schemas = [CORE_USER_URN];
  for (const key of Object.keys(row.resource)) {
    const lower = key.toLowerCase();
    if (SERVER_OWNED.has(lower)) continue;
    keys.push(key);
    if (lower.startsWith('urn:')) schemas.push(key);
  }
  schemas.push(SCIMPLAN_URN);
  define(out, 'schemas', schemas);
  define(out, 'id', row.id);
  for (const key of keys) define(out, key, row.resource[key]);
  if (groups.length > 0) define(out, 'groups', groups.map((g) => ({ value: g.value, display: g.display, type: 'direct' })));
  define(out, SCIMPLAN_URN, {
    status: row.status,
    deactivatedAt: row.deactivated_at ? row.deactivated_at.toISOString() : null,
    reason: row.reason,
    profile: orderedProfile(row.profile, profileOrder),
  });
  define(out, 'meta', {
    resourceType: 'User',
    created: row.created_at.toISOString(),
    lastModified: row.updated_at.toISOString(),
    location,
    version: etagOf(row.version),
  });
  return out;
}

/** The plan's profile fields in the tenant file's order (jsonb keeps keys in an order of its own). */
export const profileOrder = (plan: Pick<Plan, 'profile'>): string[] => plan.profile.map((p) => p.field);

/** A stored profile in the tenant file's field order (`order`), then any other field (a login answers it too). */
export function orderedProfile(profile: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (Object.hasOwn(profile, key)) define(out, key, profile[key]);
  for (const key of Object.keys(profile)) if (!Object.hasOwn(out, key)) define(out, key, profile[key]);
  return out;
}
