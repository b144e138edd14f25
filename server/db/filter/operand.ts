// Server storage: a SCIM filter's attribute paths resolved against `scim_users` / `scim_groups`
// -> operands (a column, a jsonb value, a membership relation, a constant) for the SQL compiler.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Expr, PathExpr } from '../../../dsl/ast.ts';
import { didYouMean } from '../../../dsl/suggest.ts';
import type { AttributeDef, Scope } from '../../../dsl/types.ts';
import { GROUP_URN, groupAttributes } from '../../../engine/scim-schemas.ts';
import type { ScimType } from '../../errors.ts';
import { CORE_USER_URN, findAttribute, findNamespace, isScimplanUrn, scimError } from '../../scim/canonical.ts';

const RESOURCE = sql.ref('scim_users.resource');
const PROFILE = sql.ref('scim_users.profile');

export type Bool = RawBuilder<SqlBool>;

export interface ColumnOperand {
  readonly kind: 'column';
  readonly sql: RawBuilder<unknown>;
  readonly type: 'uuid' | 'string' | 'dateTime';
  readonly caseExact: boolean;
  readonly name: string;
  readonly nullable: boolean;
}

/** A value inside a jsonb column: `json` is the jsonb of the attribute itself. */
export interface JsonOperand {
  readonly kind: 'json';
  readonly json: RawBuilder<unknown>;
  /** Undefined for a schema-less value (profile fields): compared by the literal's type. */
  readonly def: AttributeDef | undefined;
  readonly name: string;
  readonly filter: Expr | undefined;
  readonly sub: AttributeDef | undefined;
}

/** A membership relation: a user's `groups`, or a group's `members`. */
export interface RelationOperand {
  readonly kind: 'relation';
  readonly side: RelationSide;
  readonly filter: Expr | undefined;
  readonly sub: RelationLeaf | undefined;
  readonly name: string;
}

export type RelationSide = 'groupsOfUser' | 'membersOfGroup';
export type RelationLeaf = 'value' | 'display' | 'type';

export interface ConstOperand {
  readonly kind: 'resourceType';
  readonly name: string;
  readonly resource: Resource;
}

export type Operand = ColumnOperand | JsonOperand | RelationOperand | ConstOperand;

/** The resource a filter is about: its table and attributes. */
export type Resource = 'User' | 'Group';

/** State of one compilation: the next free table alias, and the resource filtered. */
export interface Walk {
  next: number;
  readonly resource: Resource;
}

/** Group attributes (RFC 7643 §4.2) as a scope: `displayName`, `members`, `id`, `externalId`, `meta`. */
export const groupScope: Scope = Object.freeze({ kind: 'scim', attributes: groupAttributes, namespaces: Object.freeze([]) });

export function invalid(detail: string, type: ScimType = 'invalidFilter') {
  return scimError(400, type, detail);
}

function col(name: 'id' | 'user_name' | 'external_id' | 'created_at' | 'updated_at' | 'status' | 'deactivated_at' | 'reason'): RawBuilder<unknown> {
  // Constant identifiers only; never from input. Qualified, so joins and subqueries stay unambiguous.
  return sql.ref(`scim_users.${name}`);
}

function groupCol(name: 'id' | 'display_name' | 'external_id' | 'created_at' | 'updated_at'): RawBuilder<unknown> {
  return sql.ref(`scim_groups.${name}`);
}

export function unknownAttribute(name: string, candidates: readonly string[], type: ScimType = 'invalidFilter') {
  const hint = didYouMean(name, candidates);
  return invalid(`unknown attribute \`${name}\`${hint ? `; ${hint}` : ''}`, type);
}

/** Resolves a top-level attribute path against the User scope (or the Group attributes). */
export function resolve(path: PathExpr, scope: Scope, errorType: ScimType, resource: Resource): Operand {
  if (resource === 'Group') return resolveGroup(path, errorType);
  const steps = path.steps;
  const written = `${path.urn ? `${path.urn}:` : ''}${steps.map((s) => s.name).join('.')}`;
  let defs = scope.attributes;
  let urn: string | undefined;
  let rest = steps;
  if (path.urn !== undefined) {
    if (isScimplanUrn(path.urn)) return scimplan(steps, written, errorType);
    const ns = findNamespace(scope, path.urn);
    if (!ns) throw invalid(`unknown schema \`${path.urn}\``, errorType);
    if (ns.urn !== CORE_USER_URN) {
      urn = ns.urn;
      defs = ns.attributes;
    }
  } else if (steps.length > 1 && !findAttribute(scope.attributes, steps[0]!.name)) {
    // A tenant-file alias (`enterprise.department`) works here too.
    const ns = scope.namespaces.find((n) => n.aliases.some((a) => a.toLowerCase() === steps[0]!.name.toLowerCase()));
    if (ns) {
      if (isScimplanUrn(ns.urn)) return scimplan(steps.slice(1), written, errorType);
      urn = ns.urn;
      defs = ns.attributes;
      rest = steps.slice(1);
    }
  }
  const first = rest[0];
  if (!first) throw invalid(`\`${written}\` names no attribute`, errorType);
  if (rest.length > 2) throw invalid(`\`${written}\` is nested too deeply`, errorType);
  const def = findAttribute(defs, first.name);
  if (!def) throw unknownAttribute(first.name, defs.map((d) => d.name), errorType);
  const second = rest[1];
  if (second?.filter) throw invalid(`\`${written}\`: a filter applies to a multi-valued attribute`, errorType);
  if (first.filter && !def.multiValued) throw invalid(`\`${def.name}\` is single-valued and takes no filter`, errorType);
  let sub: AttributeDef | undefined;
  if (second) {
    sub = findAttribute(def.subAttributes, second.name);
    if (!sub) throw unknownAttribute(`${def.name}.${second.name}`, (def.subAttributes ?? []).map((d) => `${def.name}.${d.name}`), errorType);
  }
  if (urn === undefined) {
    switch (def.name) {
      case 'id':
        return { kind: 'column', sql: col('id'), type: 'uuid', caseExact: true, name: 'id', nullable: false };
      case 'userName':
        return { kind: 'column', sql: col('user_name'), type: 'string', caseExact: false, name: 'userName', nullable: false };
      case 'externalId':
        return { kind: 'column', sql: col('external_id'), type: 'string', caseExact: true, name: 'externalId', nullable: true };
      case 'meta':
        switch (sub?.name) {
          case 'created':
            return { kind: 'column', sql: col('created_at'), type: 'dateTime', caseExact: true, name: 'meta.created', nullable: false };
          case 'lastModified':
            return { kind: 'column', sql: col('updated_at'), type: 'dateTime', caseExact: true, name: 'meta.lastModified', nullable: false };
          case 'resourceType':
            return { kind: 'resourceType', name: 'meta.resourceType', resource: 'User' };
          default:
            throw invalid(`filtering on \`${written}\` is not supported`, errorType);
        }
      case 'password':
        throw invalid('`password` is never stored and cannot be filtered on', errorType);
      case 'groups':
        return relation('groupsOfUser', first.filter, sub, written, errorType);
    }
  }
  const json = urn === undefined ? sql`${RESOURCE} -> ${def.name}::text` : sql`${RESOURCE} -> ${urn}::text -> ${def.name}::text`;
  return { kind: 'json', json, def, name: written, filter: first.filter, sub };
}

function relation(side: RelationSide, filter: Expr | undefined, sub: AttributeDef | undefined, written: string, errorType: ScimType): RelationOperand {
  if (sub && sub.name !== 'value' && sub.name !== 'display' && sub.name !== 'type') {
    throw invalid(`filtering on \`${written}\` is not supported`, errorType);
  }
  return { kind: 'relation', side, filter, sub: sub?.name as RelationLeaf | undefined, name: written };
}

/** Group attributes: all columns, plus `members` (the membership relation). */
function resolveGroup(path: PathExpr, errorType: ScimType): Operand {
  const steps = path.steps;
  const written = `${path.urn ? `${path.urn}:` : ''}${steps.map((s) => s.name).join('.')}`;
  if (path.urn !== undefined && path.urn.toLowerCase() !== GROUP_URN.toLowerCase()) throw invalid(`unknown schema \`${path.urn}\``, errorType);
  const [first, second] = steps;
  if (!first) throw invalid(`\`${written}\` names no attribute`, errorType);
  if (steps.length > 2) throw invalid(`\`${written}\` is nested too deeply`, errorType);
  const def = findAttribute(groupScope.attributes, first.name);
  if (!def) throw unknownAttribute(first.name, groupScope.attributes.map((d) => d.name), errorType);
  if (second?.filter) throw invalid(`\`${written}\`: a filter applies to a multi-valued attribute`, errorType);
  if (first.filter && !def.multiValued) throw invalid(`\`${def.name}\` is single-valued and takes no filter`, errorType);
  const sub = second ? findAttribute(def.subAttributes, second.name) : undefined;
  if (second && !sub) throw unknownAttribute(`${def.name}.${second.name}`, (def.subAttributes ?? []).map((d) => `${def.name}.${d.name}`), errorType);
  const column = (sqlRef: RawBuilder<unknown>, type: ColumnOperand['type'], caseExact: boolean, nullable: boolean): ColumnOperand =>
    ({ kind: 'column', sql: sqlRef, type, caseExact, name: written, nullable });
  switch (def.name) {
    case 'id':
      return column(groupCol('id'), 'uuid', true, false);
    case 'displayName':
      return column(groupCol('display_name'), 'string', false, false);
    case 'externalId':
      return column(groupCol('external_id'), 'string', true, true);
    case 'members':
      return relation('membersOfGroup', first.filter, sub, written, errorType);
    case 'meta':
      if (sub?.name === 'created') return column(groupCol('created_at'), 'dateTime', true, false);
      if (sub?.name === 'lastModified') return column(groupCol('updated_at'), 'dateTime', true, false);
      if (sub?.name === 'resourceType') return { kind: 'resourceType', name: 'meta.resourceType', resource: 'Group' };
      break;
  }
  throw invalid(`filtering on \`${written}\` is not supported`, errorType);
}

/** The scimplan extension: the account's status columns and the mapped profile. */
function scimplan(steps: PathExpr['steps'], written: string, errorType: ScimType): Operand {
  const first = steps[0];
  if (!first || first.filter || steps.some((s) => s.filter)) throw invalid(`\`${written}\` takes no filter`, errorType);
  const name = first.name.toLowerCase();
  if (steps.length === 1) {
    if (name === 'status') return { kind: 'column', sql: col('status'), type: 'string', caseExact: false, name: 'status', nullable: false };
    if (name === 'deactivatedat') return { kind: 'column', sql: col('deactivated_at'), type: 'dateTime', caseExact: true, name: 'deactivatedAt', nullable: true };
    if (name === 'reason') return { kind: 'column', sql: col('reason'), type: 'string', caseExact: false, name: 'reason', nullable: true };
    if (name === 'profile') return { kind: 'json', json: PROFILE, def: undefined, name: 'profile', filter: undefined, sub: undefined };
  }
  if (steps.length === 2 && name === 'profile') {
    return { kind: 'json', json: sql`${PROFILE} -> ${steps[1]!.name}::text`, def: undefined, name: written, filter: undefined, sub: undefined };
  }
  throw unknownAttribute(first.name, ['status', 'deactivatedAt', 'reason', 'profile'], errorType);
}
