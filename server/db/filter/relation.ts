// Server storage: the membership relation in SQL: `exists` over a user's groups or a group's
// members, and value filters over memberships (`groups[display eq "Sales"]`, `members[value eq "id"]`).

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Expr } from '../../../dsl/ast.ts';
import { visit, type ExprVisitor } from '../../../dsl/walk.ts';
import { scimError } from '../../errors.ts';
import { type Bool, type ColumnOperand, type RelationLeaf, type RelationOperand, type RelationSide, type Walk } from './operand.ts';
import { columnCompare } from './sql-values.ts';

/** Deepest nesting of a filter the compiler follows (a hostile filter is a 400, not a stack overflow). */
export const MAX_DEPTH = 100;

/**
 * `exists` over the memberships of the outer row, joined to the row on the other side (a live
 * group of the user, or a live member of the group); `cond` gets the membership and other aliases.
 */
export function membership(
  operand: RelationOperand,
  aliases: Walk,
  cond: ((m: RawBuilder<unknown>, other: RawBuilder<unknown>) => Bool) | undefined,
  orNone: boolean,
): Bool {
  const o = sql.raw(`g${aliases.next++}`);
  const m = sql.raw(`m${aliases.next++}`);
  const where: Bool = operand.filter ? relationFilter(operand.filter, operand.side, m, o) : sql<SqlBool>`true`;
  const base =
    operand.side === 'groupsOfUser'
      ? sql`from memberships as ${m} join scim_groups as ${o} on ${o}.id = ${m}.group_id
    where ${m}.user_id = scim_users.id and ${m}.tenant = scim_users.tenant and ${o}.deleted_at is null and ${where}`
      : sql`from memberships as ${m} join scim_users as ${o} on ${o}.id = ${m}.user_id
    where ${m}.group_id = scim_groups.id and ${m}.tenant = scim_groups.tenant and ${o}.deleted_at is null and ${where}`;
  const any = sql<SqlBool>`exists (select 1 ${base}${cond ? sql` and ${cond(m, o)}` : sql``})`;
  return orNone ? sql<SqlBool>`(not exists (select 1 ${base}) or ${any})` : any;
}

/**
 * One sub-attribute of a membership as a column: `value` is the membership's own id column (so
 * `members.value eq` uses the primary key), `display` the group's name or the user's userName,
 * `type` a constant (`direct` for a user's groups, `User` for a group's members).
 */
export function relationColumn(side: RelationSide, m: RawBuilder<unknown>, other: RawBuilder<unknown>, leaf: RelationLeaf): ColumnOperand {
  const name = `${side === 'groupsOfUser' ? 'groups' : 'members'}.${leaf}`;
  switch (leaf) {
    case 'value':
      return { kind: 'column', sql: side === 'groupsOfUser' ? sql`${m}.group_id` : sql`${m}.user_id`, type: 'uuid', caseExact: true, name, nullable: false };
    case 'display':
      return { kind: 'column', sql: side === 'groupsOfUser' ? sql`${other}.display_name` : sql`${other}.user_name`, type: 'string', caseExact: false, name, nullable: false };
    case 'type':
      return { kind: 'column', sql: side === 'groupsOfUser' ? sql`'direct'::text` : sql`'User'::text`, type: 'string', caseExact: false, name, nullable: false };
  }
}

interface RelationContext {
  readonly side: RelationSide;
  readonly m: RawBuilder<unknown>;
  readonly other: RawBuilder<unknown>;
  readonly depth: number;
}

const notAMembershipFilter = (_e: Expr, c: RelationContext): never => {
  throw scimError('FILTER_MEMBERSHIP', { attribute: c.side === 'groupsOfUser' ? 'groups' : 'members' });
};

const deeper = (c: RelationContext): RelationContext => ({ ...c, depth: c.depth + 1 });

const relationVisitor: ExprVisitor<Bool, RelationContext> = {
  Group: (e, c) => relationFilterAt(e.inner, deeper(c)),
  Not: (e, c) => sql<SqlBool>`((${relationFilterAt(e.operand, deeper(c))}) is not true)`,
  Logical: (e, c) => sql<SqlBool>`(${relationFilterAt(e.left, deeper(c))} ${sql.raw(e.op)} ${relationFilterAt(e.right, deeper(c))})`,
  Compare: (e, c) => {
    if (e.left.kind !== 'Path' || e.right.kind !== 'Literal' || e.left.steps.length !== 1 || e.left.urn !== undefined) return notAMembershipFilter(e, c);
    const name = e.left.steps[0]!.name.toLowerCase();
    if (name === 'value' || name === 'display' || name === 'type') return columnCompare(relationColumn(c.side, c.m, c.other, name), e.op, e.right);
    return notAMembershipFilter(e, c);
  },
  Present: () => sql<SqlBool>`true`,
  Path: notAMembershipFilter,
  Literal: notAMembershipFilter,
  List: notAMembershipFilter,
  In: notAMembershipFilter,
  Coalesce: notAMembershipFilter,
  Call: notAMembershipFilter,
  Error: notAMembershipFilter,
};

function relationFilterAt(e: Expr, c: RelationContext): Bool {
  if (c.depth > MAX_DEPTH) throw scimError('FILTER_TOO_DEEP');
  return visit(e, relationVisitor, c);
}

/** `groups[display eq "Sales"]`, `members[value eq "id"]`: a value filter over memberships. */
export function relationFilter(e: Expr, side: RelationSide, m: RawBuilder<unknown>, other: RawBuilder<unknown>): Bool {
  return relationFilterAt(e, { side, m, other, depth: 0 });
}
