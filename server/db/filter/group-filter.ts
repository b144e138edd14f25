// Server storage: a `?filter=` over Groups -> a kysely SQL condition over `scim_groups`, and the
// condition a `members[...]` PATCH path puts on one membership row.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Expr } from '../../../dsl/ast.ts';
import { filterCondition, parseFilter } from './condition.ts';
import { groupScope, type Bool } from './operand.ts';
import { relationFilter } from './relation.ts';

export { groupScope };

/**
 * The SQL condition for a SCIM filter over `scim_groups` (the caller adds tenant and
 * deleted_at conditions): `displayName`, `externalId`, `id`, `meta.*`, and `members`
 * (`members.value eq "id"`, `members[display sw "a"]`, `members pr`). Errors as userFilterToSql.
 */
export function groupFilterToSql(filter: string): Bool {
  return filterCondition(parseFilter(filter), groupScope, 'Group');
}

/**
 * The condition a value filter of `members[...]` (a PATCH path) puts on the membership row
 * `membership` (an alias of `memberships`): `value`, `display` and `type` of the member.
 */
export function memberCondition(filter: Expr, membership: RawBuilder<unknown>): Bool {
  const u = sql.raw('member_user');
  const where = relationFilter(filter, 'membersOfGroup', membership, u);
  return sql<SqlBool>`exists (select 1 from scim_users as ${u} where ${u}.id = ${membership}.user_id and ${where})`;
}
