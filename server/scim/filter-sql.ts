// Server: a `?filter=` (RFC 7644 §3.4.2.2, parsed by the expression language's filter mode) ->
// a kysely SQL condition over `scim_users` or `scim_groups`, and `sortBy` -> an ORDER BY expression.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { CompareOp, Expr, LiteralExpr, PathExpr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { didYouMean } from '../../dsl/suggest.ts';
import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { parseDateTime } from '../../dsl/values.ts';
import { GROUP_URN, groupAttributes } from '../../engine/scim-schemas.ts';
import type { ScimType } from '../errors.ts';
import { CORE_USER_URN, findAttribute, findNamespace, isScimplanUrn, scimError } from './canonical.ts';

/*
 * Decisions (the in-memory semantics are dsl/values.ts; SQL follows them):
 * - A missing attribute compares false (SQL null, which WHERE, `and` and `or` treat as false),
 *   except `ne`, which holds for a missing attribute; `not (...)` is `(...) is not true`, so it
 *   is the plain negation of what the client sees.
 * - Strings compare case-insensitively via lower() unless the attribute is caseExact;
 *   gt/ge/lt/le on strings use code-point order (`collate "C"`).
 * - A complex attribute compared directly compares its `value` sub-attribute (RFC 7644 §3.4.2.2).
 * - On a multi-valued attribute an operator holds when it holds for ANY element; `ne` also
 *   holds when no element exists.
 * - dateTime values inside `resource` are converted by a total expression (never a cast error);
 *   a stored value without a zone offset is read as UTC.
 * - Unknown attributes, `password`, and operators that do not apply to a type (`gt` on a
 *   boolean, `co` on a number) are 400 invalidFilter; a literal of the wrong type for a
 *   boolean, number or dateTime attribute too. An `id` that is not a UUID matches nothing.
 * - `groups` filters read the memberships of the outer `scim_users` row, `members` filters those
 *   of the outer `scim_groups` row (no table alias); `members.value eq` is the membership's
 *   primary key, so it never scans a large group.
 * - Groups have no stored JSON: every Group attribute is a column or the membership relation.
 * Every value from the filter is a bound parameter; identifiers and JSON keys come from the
 * schema (jsonb keys are bound parameters too).
 */

const MAX_DEPTH = 100;
const RESOURCE = sql.ref('scim_users.resource');
const PROFILE = sql.ref('scim_users.profile');

type Bool = RawBuilder<SqlBool>;

interface ColumnOperand {
  readonly kind: 'column';
  readonly sql: RawBuilder<unknown>;
  readonly type: 'uuid' | 'string' | 'dateTime';
  readonly caseExact: boolean;
  readonly name: string;
  readonly nullable: boolean;
}

/** A value inside a jsonb column: `json` is the jsonb of the attribute itself. */
interface JsonOperand {
  readonly kind: 'json';
  readonly json: RawBuilder<unknown>;
  /** Undefined for a schema-less value (profile fields): compared by the literal's type. */
  readonly def: AttributeDef | undefined;
  readonly name: string;
  readonly filter: Expr | undefined;
  readonly sub: AttributeDef | undefined;
}

/** A membership relation: a user's `groups`, or a group's `members`. */
interface RelationOperand {
  readonly kind: 'relation';
  readonly side: RelationSide;
  readonly filter: Expr | undefined;
  readonly sub: RelationLeaf | undefined;
  readonly name: string;
}

type RelationSide = 'groupsOfUser' | 'membersOfGroup';
type RelationLeaf = 'value' | 'display' | 'type';

interface ConstOperand {
  readonly kind: 'resourceType';
  readonly name: string;
  readonly resource: Resource;
}

type Operand = ColumnOperand | JsonOperand | RelationOperand | ConstOperand;

/** The resource a filter is about: its table and attributes. */
export type Resource = 'User' | 'Group';

/** State of one compilation: the next free table alias, and the resource filtered. */
interface Walk {
  next: number;
  readonly resource: Resource;
}

/** Group attributes (RFC 7643 §4.2) as a scope: `displayName`, `members`, `id`, `externalId`, `meta`. */
export const groupScope: Scope = Object.freeze({ kind: 'scim', attributes: groupAttributes, namespaces: Object.freeze([]) });

function invalid(detail: string, type: ScimType = 'invalidFilter') {
  return scimError(400, type, detail);
}

function col(name: 'id' | 'user_name' | 'external_id' | 'created_at' | 'updated_at' | 'status' | 'deactivated_at' | 'reason'): RawBuilder<unknown> {
  // Constant identifiers only; never from input. Qualified, so joins and subqueries stay unambiguous.
  return sql.ref(`scim_users.${name}`);
}

function groupCol(name: 'id' | 'display_name' | 'external_id' | 'created_at' | 'updated_at'): RawBuilder<unknown> {
  return sql.ref(`scim_groups.${name}`);
}

/**
 * The SQL condition for a SCIM filter over `scim_users` (the caller adds tenant and
 * deleted_at conditions). Throws ScimError 400 invalidFilter with the parser's message and
 * offset on a syntax error, and naming the attribute for an unknown one.
 */
export function userFilterToSql(filter: string, scope: Scope): Bool {
  const { ast, diagnostics } = parseExpression(filter, 'filter');
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw invalid(`${d.message} (at offset ${d.span.start})`);
  }
  return condition(ast, scope, 0, { next: 0, resource: 'User' });
}

/**
 * The SQL condition for a SCIM filter over `scim_groups` (the caller adds tenant and
 * deleted_at conditions): `displayName`, `externalId`, `id`, `meta.*`, and `members`
 * (`members.value eq "id"`, `members[display sw "a"]`, `members pr`). Errors as userFilterToSql.
 */
export function groupFilterToSql(filter: string): Bool {
  const { ast, diagnostics } = parseExpression(filter, 'filter');
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw invalid(`${d.message} (at offset ${d.span.start})`);
  }
  return condition(ast, groupScope, 0, { next: 0, resource: 'Group' });
}

/**
 * The condition a value filter of `members[...]` (a PATCH path) puts on the membership row
 * `membership` (an alias of `memberships`): `value`, `display` and `type` of the member.
 */
export function memberCondition(filter: Expr, membership: RawBuilder<unknown>): Bool {
  const u = sql.raw('member_user');
  const where = relationFilter(filter, 'membersOfGroup', membership, u, 0);
  return sql<SqlBool>`exists (select 1 from scim_users as ${u} where ${u}.id = ${membership}.user_id and ${where})`;
}

/**
 * The ORDER BY expression for `sortBy` (RFC 7644 §3.4.2.3): case-insensitive for strings that
 * are not caseExact; a multi-valued attribute sorts by its primary element, else its first.
 * Callers add `id` as a tie-breaker for a stable order. An unknown or unparsable attribute is
 * 400 invalidValue (RFC 7644 leaves it open; silently ignoring it would hide a typo).
 */
export function sortColumn(sortBy: string, scope: Scope, resource: Resource = 'User'): RawBuilder<unknown> {
  const { ast, diagnostics } = parseExpression(sortBy.trim(), 'path');
  if (diagnostics.length > 0 || ast.kind !== 'Path') throw invalid('`sortBy` must be an attribute path', 'invalidValue');
  const operand = resolve(ast, scope, 'invalidValue', resource);
  switch (operand.kind) {
    case 'column':
      return operand.type === 'string' && !operand.caseExact ? sql`lower(${operand.sql})` : operand.sql;
    case 'resourceType':
      return sql`1`;
    case 'relation':
      throw invalid(`\`sortBy\` cannot sort by \`${operand.name}\``, 'invalidValue');
    case 'json': {
      const def = operand.def;
      if (def?.multiValued) {
        const e = sql.raw('sort_e');
        const leafDef = operand.sub ?? (def.type === 'complex' ? findAttribute(def.subAttributes, 'value') : def);
        const leafJson = operand.sub || def.type === 'complex' ? sql`${e}.v -> ${leafDef?.name ?? 'value'}::text` : sql`${e}.v`;
        const where = operand.filter ? condition(operand.filter, subScope(def), 0, { next: 0, resource }, sql`${e}.v`) : sql`true`;
        return sql`(select ${sortKey(leafJson, leafDef)} from jsonb_array_elements(${arrayOf(operand.json)}) with ordinality as ${e}(v, n) where ${where} order by case when ${e}.v -> 'primary' = 'true'::jsonb then 0 else 1 end, ${e}.n limit 1)`;
      }
      const leafDef = operand.sub ?? (def?.type === 'complex' ? findAttribute(def.subAttributes, 'value') : def);
      const leafJson = operand.sub
        ? sql`${operand.json} -> ${operand.sub.name}::text`
        : def?.type === 'complex'
          ? sql`${operand.json} -> 'value'`
          : operand.json;
      return sortKey(leafJson, leafDef);
    }
  }
}

function sortKey(json: RawBuilder<unknown>, def: AttributeDef | undefined): RawBuilder<unknown> {
  const text = sql`(${json} #>> '{}')`;
  switch (def?.type) {
    case 'integer':
    case 'decimal':
      return numeric(json);
    case 'dateTime':
      return timestamp(text);
    case 'boolean':
      return text;
    default:
      return def?.caseExact ? sql`${text} collate "C"` : sql`lower(${text}) collate "C"`;
  }
}

function subScope(def: AttributeDef): Scope {
  return { kind: 'scim', attributes: def.subAttributes ?? [], namespaces: [] };
}

/** `element`: inside a value filter, the jsonb of the element the names resolve against. */
function condition(e: Expr, scope: Scope, depth: number, aliases: Walk, element?: RawBuilder<unknown>): Bool {
  if (depth > MAX_DEPTH) throw invalid('the filter is nested too deeply');
  switch (e.kind) {
    case 'Group':
      return condition(e.inner, scope, depth + 1, aliases, element);
    case 'Not':
      return sql<SqlBool>`((${condition(e.operand, scope, depth + 1, aliases, element)}) is not true)`;
    case 'Logical': {
      const l = condition(e.left, scope, depth + 1, aliases, element);
      const r = condition(e.right, scope, depth + 1, aliases, element);
      return e.op === 'and' ? sql<SqlBool>`(${l} and ${r})` : sql<SqlBool>`(${l} or ${r})`;
    }
    case 'Present':
      if (e.operand.kind !== 'Path') throw invalid('`pr` applies to an attribute');
      return present(operandOf(e.operand, scope, element, aliases), scope, aliases);
    case 'Compare': {
      if (e.left.kind === 'Path' && e.right.kind === 'Literal') {
        return compare(operandOf(e.left, scope, element, aliases), e.op, e.right, aliases);
      }
      throw invalid(`\`${e.opText}\` compares an attribute with a value`);
    }
    case 'Path': {
      // A value path on its own: `emails[type eq "work" and value co "@example.com"]`.
      const last = e.steps[e.steps.length - 1];
      if (!last?.filter || e.steps.length !== 1) throw invalid('an attribute alone is not a condition; compare it or use `pr`');
      const operand = operandOf(e, scope, element, aliases);
      return present(operand, scope, aliases);
    }
    default:
      throw invalid('the filter uses a construct SCIM filters do not have');
  }
}

function operandOf(path: PathExpr, scope: Scope, element: RawBuilder<unknown> | undefined, walk: Walk): Operand {
  if (!element) return resolve(path, scope, 'invalidFilter', walk.resource);
  // Inside a value filter: names are sub-attributes of the element.
  if (path.urn !== undefined || path.steps.length !== 1 || path.steps[0]!.filter) {
    throw invalid('inside `[...]` only sub-attributes can be compared');
  }
  const name = path.steps[0]!.name;
  const def = findAttribute(scope.attributes, name);
  if (!def) throw unknownAttribute(name, scope.attributes.map((d) => d.name));
  return { kind: 'json', json: sql`${element} -> ${def.name}::text`, def, name: def.name, filter: undefined, sub: undefined };
}

function unknownAttribute(name: string, candidates: readonly string[], type: ScimType = 'invalidFilter') {
  const hint = didYouMean(name, candidates);
  return invalid(`unknown attribute \`${name}\`${hint ? `; ${hint}` : ''}`, type);
}

/** Resolves a top-level attribute path against the User scope (or the Group attributes). */
function resolve(path: PathExpr, scope: Scope, errorType: ScimType, resource: Resource): Operand {
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

// ---- leaves -------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A jsonb array, or an empty one when the value is anything else (never an SQL error). */
function arrayOf(json: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`case when jsonb_typeof(${json}) = 'array' then ${json} else '[]'::jsonb end`;
}

/** Present and non-empty, for a jsonb value: null, "", [] and {} are not present. */
function nonEmpty(json: RawBuilder<unknown>): Bool {
  return sql<SqlBool>`coalesce(case jsonb_typeof(${json}) when 'string' then (${json} #>> '{}') <> '' when 'array' then jsonb_array_length(${json}) > 0 when 'object' then ${json} <> '{}'::jsonb when 'number' then true when 'boolean' then true else false end, false)`;
}

function numeric(json: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(case when jsonb_typeof(${json}) = 'number' then (${json} #>> '{}')::numeric end)`;
}

// The shape dsl/values.ts accepts; the range checks are in timestamp() below.
const ISO_PATTERN = '^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2}(?:[.,]\\d{1,9})?))?)?(Z|z|[+-]\\d{2}(?::?\\d{2})?)?$';

/**
 * A timestamptz from ISO 8601 text, or null when the text is not a valid date-time (as
 * dsl/values.ts `parseDateTime` decides). Total: CASE evaluates its branches in order, so every
 * cast and make_* call only sees fields already checked to be in range.
 */
function timestamp(text: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(select case
      when m is null then null
      when m[2]::int not between 1 and 12 then null
      when m[3]::int < 1 or m[3]::int > extract(day from make_date(greatest(m[1]::int, 1), m[2]::int, 1) + interval '1 month' - interval '1 day') then null
      when coalesce(m[4], '0')::int > 23 or coalesce(m[5], '0')::int > 59 or substr(coalesce(m[6], '0'), 1, 2)::int > 59 then null
      when m[7] is not null and m[4] is null then null
      when m[7] is not null and upper(m[7]) <> 'Z' and (substr(m[7], 2, 2)::int > 23 or coalesce(nullif(substr(replace(m[7], ':', ''), 4, 2), ''), '0')::int > 59) then null
      else
      ((make_date(greatest(m[1]::int, 1), m[2]::int, m[3]::int)::timestamp
        + make_interval(hours => coalesce(m[4], '0')::int, mins => coalesce(m[5], '0')::int,
            secs => replace(coalesce(m[6], '0'), ',', '.')::double precision)) at time zone 'UTC')
      - case when m[7] is null or upper(m[7]) = 'Z' then interval '0'
          else (case when left(m[7], 1) = '-' then -1 else 1 end)
            * make_interval(hours => substr(m[7], 2, 2)::int,
                mins => coalesce(nullif(substr(replace(m[7], ':', ''), 4, 2), ''), '0')::int) end
    end from (select regexp_match(${text}, ${ISO_PATTERN}) as m) as iso)`;
}

function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

const SQL_OPS: Record<'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le', string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

/**
 * A comparison whose null (missing attribute) means false, or true for `ne`. Only `ne` needs a
 * coalesce: WHERE treats null as false, and/or agree with that, and `not` is written
 * `is not true`. Leaving the other leaves bare keeps them index-friendly
 * (`lower(user_name) = lower($1)` uses the userName index).
 */
function total(op: CompareOp, cond: RawBuilder<unknown>): Bool {
  return op === 'ne' ? sql<SqlBool>`coalesce(${cond}, true)` : sql<SqlBool>`(${cond})`;
}

function stringCompare(text: RawBuilder<unknown>, op: CompareOp, value: string, caseExact: boolean): Bool {
  const l = caseExact ? text : sql`lower(${text})`;
  const r = caseExact ? sql`${value}::text` : sql`lower(${value}::text)`;
  if (op === 'co' || op === 'sw' || op === 'ew') {
    const pattern = caseExact ? sql`${likePattern(op, value)}::text` : sql`lower(${likePattern(op, value)}::text)`;
    return total(op, sql`${l} like ${pattern} escape '\\'`);
  }
  if (op === 'eq' || op === 'ne') return total(op, sql`${l} ${sql.raw(SQL_OPS[op])} ${r}`);
  return total(op, sql`(${l} collate "C") ${sql.raw(SQL_OPS[op])} (${r} collate "C")`);
}

function literalText(lit: LiteralExpr): string {
  return typeof lit.value === 'string' ? lit.value : String(lit.value);
}

function dateParam(name: string, lit: LiteralExpr): string {
  const t = typeof lit.value === 'string' ? parseDateTime(lit.value, 'UTC') : Number.NaN;
  if (Number.isNaN(t)) throw invalid(`\`${name}\` is a date-time: compare it with an ISO 8601 value`);
  return new Date(t).toISOString();
}

function booleanParam(name: string, lit: LiteralExpr): boolean {
  if (typeof lit.value === 'boolean') return lit.value;
  if (typeof lit.value === 'string') {
    const l = lit.value.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  throw invalid(`\`${name}\` is a boolean: compare it with true or false`);
}

function numberParam(name: string, lit: LiteralExpr): number {
  const n = typeof lit.value === 'number' ? lit.value : typeof lit.value === 'string' && lit.value.trim() !== '' ? Number(lit.value) : Number.NaN;
  if (!Number.isFinite(n)) throw invalid(`\`${name}\` is a number: compare it with a number`);
  return n;
}

/** A scalar jsonb value compared with a literal, following its schema type (or the literal's). */
function jsonScalarCompare(json: RawBuilder<unknown>, def: AttributeDef | undefined, op: CompareOp, lit: LiteralExpr, name: string): Bool {
  const text = sql`(${json} #>> '{}')`;
  const type = def?.type ?? (typeof lit.value === 'boolean' ? 'boolean' : typeof lit.value === 'number' ? 'decimal' : 'string');
  switch (type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw invalid(`\`${op}\` does not apply to the boolean \`${name}\``);
      return total(op, sql`lower(${text}) ${sql.raw(SQL_OPS[op])} ${booleanParam(name, lit) ? 'true' : 'false'}::text`);
    }
    case 'integer':
    case 'decimal': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw invalid(`\`${op}\` does not apply to the number \`${name}\``);
      return total(op, sql`${numeric(json)} ${sql.raw(SQL_OPS[op])} ${numberParam(name, lit)}::numeric`);
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') return stringCompare(text, op, literalText(lit), false);
      return total(op, sql`${timestamp(text)} ${sql.raw(SQL_OPS[op])} ${dateParam(name, lit)}::timestamptz`);
    }
    case 'complex':
      throw invalid(`\`${name}\` is complex: compare one of its sub-attributes`);
    default:
      return stringCompare(text, op, literalText(lit), def?.caseExact ?? false);
  }
}

function compare(operand: Operand, op: CompareOp, lit: LiteralExpr, aliases: Walk): Bool {
  if (lit.value === null) {
    // `x eq null`: x is missing; `x ne null`: x is present.
    if (op !== 'eq' && op !== 'ne') throw invalid(`\`${op}\` cannot compare with null`);
    const p = present(operand, undefined, aliases);
    return op === 'eq' ? sql<SqlBool>`((${p}) is not true)` : p;
  }
  switch (operand.kind) {
    case 'resourceType': {
      if (op !== 'eq' && op !== 'ne') throw invalid(`\`${op}\` does not apply to \`meta.resourceType\``);
      const holds = literalText(lit).toLowerCase() === operand.resource.toLowerCase();
      return sql<SqlBool>`${sql.raw(op === 'eq' ? String(holds) : String(!holds))}`;
    }
    case 'column':
      return columnCompare(operand, op, lit);
    case 'relation': {
      const leaf = operand.sub ?? 'value';
      return membership(operand, aliases, (m, other) => columnCompare(relationColumn(operand.side, m, other, leaf), op, lit), op === 'ne');
    }
    case 'json':
      break;
  }
  const def = operand.def;
  if (!def?.multiValued) {
    if (def?.type === 'complex' && !operand.sub) {
      const valueDef = findAttribute(def.subAttributes, 'value');
      if (!valueDef) throw invalid(`\`${operand.name}\` is complex: compare one of its sub-attributes`);
      return jsonScalarCompare(sql`${operand.json} -> 'value'`, valueDef, op, lit, `${operand.name}.value`);
    }
    if (operand.sub) return jsonScalarCompare(sql`${operand.json} -> ${operand.sub.name}::text`, operand.sub, op, lit, operand.name);
    return jsonScalarCompare(operand.json, def, op, lit, operand.name);
  }
  const alias = sql.raw(`e${aliases.next++}`);
  const element = sql`${alias}.v`;
  let leafDef: AttributeDef | undefined = def;
  let leaf: RawBuilder<unknown> = element;
  if (operand.sub) {
    leafDef = operand.sub;
    leaf = sql`${element} -> ${operand.sub.name}::text`;
  } else if (def.type === 'complex') {
    leafDef = findAttribute(def.subAttributes, 'value');
    if (!leafDef) throw invalid(`\`${operand.name}\` is complex: compare one of its sub-attributes`);
    leaf = sql`${element} -> 'value'`;
  }
  const scalarDef: AttributeDef = { ...leafDef, multiValued: false };
  const cmp = jsonScalarCompare(leaf, scalarDef, op, lit, operand.name);
  const where = operand.filter ? condition(operand.filter, subScope(def), 0, aliases, element) : sql<SqlBool>`true`;
  const from = sql`jsonb_array_elements(${arrayOf(operand.json)}) as ${alias}(v)`;
  const any = sql<SqlBool>`exists (select 1 from ${from} where ${where} and ${cmp})`;
  if (op !== 'ne') return any;
  // `ne` on a list also holds when there is no (matching) element at all.
  return sql<SqlBool>`(not exists (select 1 from ${from} where ${where}) or ${any})`;
}

function columnCompare(operand: ColumnOperand, op: CompareOp, lit: LiteralExpr): Bool {
  switch (operand.type) {
    case 'uuid': {
      const text = literalText(lit);
      if (op === 'eq' || op === 'ne') {
        if (!UUID.test(text)) return sql<SqlBool>`${sql.raw(op === 'ne' ? 'true' : 'false')}`;
        return total(op, sql`${operand.sql} ${sql.raw(SQL_OPS[op])} ${text.toLowerCase()}::uuid`);
      }
      return stringCompare(sql`${operand.sql}::text`, op, text, false);
    }
    case 'dateTime':
      if (op === 'co' || op === 'sw' || op === 'ew') {
        return stringCompare(sql`to_char(${operand.sql} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`, op, literalText(lit), false);
      }
      return total(op, sql`${operand.sql} ${sql.raw(SQL_OPS[op])} ${dateParam(operand.name, lit)}::timestamptz`);
    case 'string':
      return stringCompare(operand.sql, op, literalText(lit), operand.caseExact);
  }
}

/**
 * `exists` over the memberships of the outer row, joined to the row on the other side (a live
 * group of the user, or a live member of the group); `cond` gets the membership and other aliases.
 */
function membership(
  operand: RelationOperand,
  aliases: Walk,
  cond: ((m: RawBuilder<unknown>, other: RawBuilder<unknown>) => Bool) | undefined,
  orNone: boolean,
): Bool {
  const o = sql.raw(`g${aliases.next++}`);
  const m = sql.raw(`m${aliases.next++}`);
  const where: Bool = operand.filter ? relationFilter(operand.filter, operand.side, m, o, 0) : sql<SqlBool>`true`;
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
function relationColumn(side: RelationSide, m: RawBuilder<unknown>, other: RawBuilder<unknown>, leaf: RelationLeaf): ColumnOperand {
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

/** `groups[display eq "Sales"]`, `members[value eq "id"]`: a value filter over memberships. */
function relationFilter(e: Expr, side: RelationSide, m: RawBuilder<unknown>, other: RawBuilder<unknown>, depth: number): Bool {
  if (depth > MAX_DEPTH) throw invalid('the filter is nested too deeply');
  switch (e.kind) {
    case 'Group':
      return relationFilter(e.inner, side, m, other, depth + 1);
    case 'Not':
      return sql<SqlBool>`((${relationFilter(e.operand, side, m, other, depth + 1)}) is not true)`;
    case 'Logical':
      return sql<SqlBool>`(${relationFilter(e.left, side, m, other, depth + 1)} ${sql.raw(e.op)} ${relationFilter(e.right, side, m, other, depth + 1)})`;
    case 'Compare': {
      if (e.left.kind !== 'Path' || e.right.kind !== 'Literal' || e.left.steps.length !== 1 || e.left.urn !== undefined) break;
      const name = e.left.steps[0]!.name.toLowerCase();
      if (name === 'value' || name === 'display' || name === 'type') return columnCompare(relationColumn(side, m, other, name), e.op, e.right);
      break;
    }
    case 'Present':
      return sql<SqlBool>`true`;
    default:
      break;
  }
  throw invalid(`a \`${side === 'groupsOfUser' ? 'groups' : 'members'}\` filter compares \`value\`, \`display\` or \`type\``);
}

function present(operand: Operand, _scope: Scope | undefined, aliases: Walk): Bool {
  switch (operand.kind) {
    case 'resourceType':
      return sql<SqlBool>`true`;
    case 'column':
      return operand.nullable || operand.type === 'string' ? sql<SqlBool>`coalesce(${operand.sql}::text <> '', false)` : sql<SqlBool>`true`;
    case 'relation':
      return membership(operand, aliases, undefined, false);
    case 'json':
      break;
  }
  const def = operand.def;
  if (!def?.multiValued) {
    return nonEmpty(operand.sub ? sql`${operand.json} -> ${operand.sub.name}::text` : operand.json);
  }
  if (!operand.filter && !operand.sub) {
    const alias = sql.raw(`e${aliases.next++}`);
    return sql<SqlBool>`exists (select 1 from jsonb_array_elements(${arrayOf(operand.json)}) as ${alias}(v) where ${nonEmpty(sql`${alias}.v`)})`;
  }
  const alias = sql.raw(`e${aliases.next++}`);
  const element = sql`${alias}.v`;
  const where = operand.filter ? condition(operand.filter, subScope(def), 0, aliases, element) : sql<SqlBool>`true`;
  const leaf = operand.sub ? nonEmpty(sql`${element} -> ${operand.sub.name}::text`) : nonEmpty(element);
  return sql<SqlBool>`exists (select 1 from jsonb_array_elements(${arrayOf(operand.json)}) as ${alias}(v) where ${where} and ${leaf})`;
}

