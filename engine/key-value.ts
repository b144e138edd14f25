// Engine: the mapping key's value as stored and compared. A key attribute that is a string and
// not caseExact (`userName`, `emails[type eq "work"].value`) compares ignoring case, as SCIM
// compares it (RFC 7643 §2.2, §4.1.1): its stored form is folded to lower case.

import type { Plan } from './plan.ts';

/** Whether the tenant's key compares ignoring case: its attribute is a string and not caseExact. */
export function keyIgnoresCase(plan: Pick<Plan, 'key'>): boolean {
  const { ast, analysis } = plan.key;
  if (ast.kind !== 'Path') return false;
  const def = analysis.paths.get(ast)?.def;
  return def !== undefined && def.type === 'string' && !def.caseExact;
}

/**
 * The form of `key` that `scim_users.key_value` holds and the unique `(tenant, key_value)`
 * constraint compares: lower case for a key that ignores case (so `Alice` and `alice` are one
 * account, also under concurrent creates), else the key as evaluated.
 */
export function storedKey(plan: Pick<Plan, 'key'>, key: string): string {
  return keyIgnoresCase(plan) ? key.toLowerCase() : key;
}

/**
 * Whether an evaluated key is the key of a stored account. Rows written before keys were folded
 * hold the key as sent, so both sides are folded.
 */
export function sameKey(plan: Pick<Plan, 'key'>, evaluated: string | null, stored: string): boolean {
  return evaluated !== null && storedKey(plan, evaluated) === storedKey(plan, stored);
}
