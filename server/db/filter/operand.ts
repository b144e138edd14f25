// Server storage: a SCIM filter's attribute paths resolved against `scim_users` / `scim_groups`
// -> operands (a column, a jsonb value, a membership relation, a constant) for the SQL compiler.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Expr, PathExpr } from '../../../dsl/ast.ts';
import { didYouMean } from '../../../dsl/suggest.ts';
import type { AttributeDef, Scope } from '../../../dsl/types.ts';
import { CORE_USER_URN, GROUP_URN, groupAttributes } from '../../../engine/scim-schemas.ts';
import { scimError, type ScimError, type ScimErrorCode } from '../../errors.ts';
import { attributeNamed, findNamespace, isScimplanUrn } from '../../scim/schema-lookup.ts';

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

/** What a path is resolved for: a `filter` (its errors are 400 invalidFilter) or `sortBy` (400 invalidValue). */
export type PathUse = 'filter' | 'sortBy';

/** The catalogue entry of each error of an attribute path, by use: the same detail, the scimType of the query parameter. */
const PATH_ERRORS = {
  filter: {
    unknownSchema: 'FILTER_UNKNOWN_SCHEMA',
    unknownAttribute: 'FILTER_UNKNOWN_ATTRIBUTE',
    noAttribute: 'FILTER_NO_ATTRIBUTE',
    tooDeep: 'FILTER_PATH_TOO_DEEP',
    subAttributeFilter: 'FILTER_SUB_ATTRIBUTE_FILTER',
    singleValued: 'FILTER_SINGLE_VALUED',
    extensionFilter: 'FILTER_EXTENSION_FILTER',
    password: 'FILTER_PASSWORD',
    unsupported: 'FILTER_UNSUPPORTED',
  },
  sortBy: {
    unknownSchema: 'SORT_BY_UNKNOWN_SCHEMA',
    unknownAttribute: 'SORT_BY_UNKNOWN_ATTRIBUTE',
    noAttribute: 'SORT_BY_NO_ATTRIBUTE',
    tooDeep: 'SORT_BY_PATH_TOO_DEEP',
    subAttributeFilter: 'SORT_BY_SUB_ATTRIBUTE_FILTER',
    singleValued: 'SORT_BY_SINGLE_VALUED',
    extensionFilter: 'SORT_BY_EXTENSION_FILTER',
    password: 'SORT_BY_PASSWORD',
    unsupported: 'SORT_BY_UNSUPPORTED',
  },
} as const satisfies Record<PathUse, Record<string, ScimErrorCode>>;

function col(name: 'id' | 'user_name' | 'external_id' | 'created_at' | 'updated_at' | 'status' | 'deactivated_at' | 'reason'): RawBuilder<unknown> {
  // Constant identifiers only; never from input. Qualified, so joins and subqueries stay unambiguous.
  return sql.ref(`scim_users.${name}`);
}

function groupCol(name: 'id' | 'display_name' | 'external_id' | 'created_at' | 'updated_at'): RawBuilder<unknown> {
  return sql.ref(`scim_groups.${name}`);
}

/** An unknown attribute `name`, with a "did you mean" among `candidates` (schema names) when one is near. */
export function unknownAttribute(name: string, candidates: readonly string[], use: PathUse = 'filter'): ScimError {
  const hint = didYouMean(name, candidates);
  return scimError(PATH_ERRORS[use].unknownAttribute, { name, hint: hint ? `; ${hint}` : '' });
}

/**
 * Resolves a top-level attribute path against the User scope (or the Group attributes). A path
 * that names nothing filterable throws the ScimError of `use` (FILTER_* or SORT_BY_*).
 */
export function resolve(path: PathExpr, scope: Scope, use: PathUse, resource: Resource): Operand {
  if (resource === 'Group') return resolveGroup(path, use);
  const steps = path.steps;
  const written = `${path.urn ? `${path.urn}:` : ''}${steps.map((s) => s.name).join('.')}`;
  let defs = scope.attributes;
  let urn: string | undefined;
  let rest = steps;
  if (path.urn !== undefined) {
    if (isScimplanUrn(path.urn)) return scimplan(steps, written, use);
    const ns = findNamespace(scope, path.urn);
    if (!ns) throw scimError(PATH_ERRORS[use].unknownSchema, { urn: path.urn });
    if (ns.urn !== CORE_USER_URN) {
      urn = ns.urn;
      defs = ns.attributes;
    }
  } else if (steps.length > 1 && !attributeNamed(scope.attributes, steps[0]!.name)) {
    // A tenant-file alias (`enterprise.department`) works here too.
    const ns = scope.namespaces.find((n) => n.aliases.some((a) => a.toLowerCase() === steps[0]!.name.toLowerCase()));
    if (ns) {
      if (isScimplanUrn(ns.urn)) return scimplan(steps.slice(1), written, use);
      urn = ns.urn;
      defs = ns.attributes;
      rest = steps.slice(1);
    }
  }
  const first = rest[0];
  if (!first) throw scimError(PATH_ERRORS[use].noAttribute, { path: written });
  if (rest.length > 2) throw scimError(PATH_ERRORS[use].tooDeep, { path: written });
  const def = attributeNamed(defs, first.name);
  if (!def) throw unknownAttribute(first.name, defs.map((d) => d.name), use);
  const second = rest[1];
  if (second?.filter) throw scimError(PATH_ERRORS[use].subAttributeFilter, { path: written });
  if (first.filter && !def.multiValued) throw scimError(PATH_ERRORS[use].singleValued, { attribute: def.name });
  let sub: AttributeDef | undefined;
  if (second) {
    sub = attributeNamed(def.subAttributes, second.name);
    if (!sub) throw unknownAttribute(`${def.name}.${second.name}`, (def.subAttributes ?? []).map((d) => `${def.name}.${d.name}`), use);
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
            throw scimError(PATH_ERRORS[use].unsupported, { path: written });
        }
      case 'password':
        throw scimError(PATH_ERRORS[use].password);
      case 'groups':
        return relation('groupsOfUser', first.filter, sub, written, use);
    }
  }
  const json = urn === undefined ? sql`${RESOURCE} -> ${def.name}::text` : sql`${RESOURCE} -> ${urn}::text -> ${def.name}::text`;
  return { kind: 'json', json, def, name: written, filter: first.filter, sub };
}

function relation(side: RelationSide, filter: Expr | undefined, sub: AttributeDef | undefined, written: string, use: PathUse): RelationOperand {
  if (sub && sub.name !== 'value' && sub.name !== 'display' && sub.name !== 'type') {
    throw scimError(PATH_ERRORS[use].unsupported, { path: written });
  }
  return { kind: 'relation', side, filter, sub: sub?.name as RelationLeaf | undefined, name: written };
}

/** Group attributes: all columns, plus `members` (the membership relation). */
function resolveGroup(path: PathExpr, use: PathUse): Operand {
  const steps = path.steps;
  const written = `${path.urn ? `${path.urn}:` : ''}${steps.map((s) => s.name).join('.')}`;
  if (path.urn !== undefined && path.urn.toLowerCase() !== GROUP_URN.toLowerCase()) throw scimError(PATH_ERRORS[use].unknownSchema, { urn: path.urn });
  const [first, second] = steps;
  if (!first) throw scimError(PATH_ERRORS[use].noAttribute, { path: written });
  if (steps.length > 2) throw scimError(PATH_ERRORS[use].tooDeep, { path: written });
  const def = attributeNamed(groupScope.attributes, first.name);
  if (!def) throw unknownAttribute(first.name, groupScope.attributes.map((d) => d.name), use);
  if (second?.filter) throw scimError(PATH_ERRORS[use].subAttributeFilter, { path: written });
  if (first.filter && !def.multiValued) throw scimError(PATH_ERRORS[use].singleValued, { attribute: def.name });
  const sub = second ? attributeNamed(def.subAttributes, second.name) : undefined;
  if (second && !sub) throw unknownAttribute(`${def.name}.${second.name}`, (def.subAttributes ?? []).map((d) => `${def.name}.${d.name}`), use);
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
      return relation('membersOfGroup', first.filter, sub, written, use);
    case 'meta':
      if (sub?.name === 'created') return column(groupCol('created_at'), 'dateTime', true, false);
      if (sub?.name === 'lastModified') return column(groupCol('updated_at'), 'dateTime', true, false);
      if (sub?.name === 'resourceType') return { kind: 'resourceType', name: 'meta.resourceType', resource: 'Group' };
      break;
  }
  throw scimError(PATH_ERRORS[use].unsupported, { path: written });
}

/** The scimplan extension: the account's status columns and the mapped profile. */
function scimplan(steps: PathExpr['steps'], written: string, use: PathUse): Operand {
  const first = steps[0];
  if (!first || first.filter || steps.some((s) => s.filter)) throw scimError(PATH_ERRORS[use].extensionFilter, { path: written });
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
  throw unknownAttribute(first.name, ['status', 'deactivatedAt', 'reason', 'profile'], use);
}
