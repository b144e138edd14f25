// Server storage: a `?filter=` over Users -> a kysely SQL condition over `scim_users` (the
// caller adds the tenant and deleted_at conditions).

import type { Scope } from '../../../dsl/types.ts';
import { filterCondition, parseFilter } from './condition.ts';
import type { Bool } from './operand.ts';

/**
 * The SQL condition for a SCIM filter over `scim_users` (the caller adds tenant and
 * deleted_at conditions). Throws ScimError 400 invalidFilter with the parser's message and
 * offset on a syntax error, and naming the attribute for an unknown one.
 */
export function userFilterToSql(filter: string, scope: Scope): Bool {
  return filterCondition(parseFilter(filter), scope, 'User');
}
