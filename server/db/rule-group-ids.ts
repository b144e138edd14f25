// Storage: the rule groups of each tenant as this process last wrote them (name -> id and
// display name), so that a create names its rule groups by id and skips finding and making
// them. Only a hint: the statement that uses it checks every id is still that live group of
// that name, and writes nothing when one is not (a group renamed, deleted, or a database
// emptied under the process); the caller then forgets the tenant's hints and writes the slow way.

import type { GroupRef } from './groups.ts';

/** Per database handle, per tenant: lowercase rule group name -> the group. */
const known = new WeakMap<object, Map<string, Map<string, GroupRef>>>();

/** Rule group names come from tenant files; a tenant that somehow holds more starts over. */
const MAX_PER_TENANT = 1_000;

/** The groups of `names` (lowercase, distinct) in their order, if every one is known; else undefined. */
export function knownRuleGroups(db: object, tenant: string, names: readonly string[]): GroupRef[] | undefined {
  const groups = known.get(db)?.get(tenant);
  if (!groups) return names.length === 0 ? [] : undefined;
  const out: GroupRef[] = [];
  for (const name of names) {
    const group = groups.get(name);
    if (!group) return undefined;
    out.push(group);
  }
  return out;
}

/** Remembers rule groups a write just found or made (keyed by their lowercase display name). */
export function rememberRuleGroups(db: object, tenant: string, groups: readonly GroupRef[]): void {
  if (groups.length === 0) return;
  let tenants = known.get(db);
  if (!tenants) known.set(db, (tenants = new Map()));
  let byName = tenants.get(tenant);
  if (!byName || byName.size + groups.length > MAX_PER_TENANT) tenants.set(tenant, (byName = new Map()));
  for (const group of groups) byName.set(group.display.toLowerCase(), group);
}

/** Drops the tenant's hints: one of them was no longer true. */
export function forgetRuleGroups(db: object, tenant: string): void {
  known.get(db)?.delete(tenant);
}
