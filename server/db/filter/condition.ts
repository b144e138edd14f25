// Server storage: a parsed SCIM filter (RFC 7644 §3.4.2.2) -> a kysely SQL condition over the
// outer `scim_users` or `scim_groups` row; the one compiler behind user and group filters and sorting.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { CompareOp, Expr, LiteralExpr, PathExpr } from '../../../dsl/ast.ts';
import { parseExpression } from '../../../dsl/parse.ts';
import type { AttributeDef, Scope } from '../../../dsl/types.ts';
import { someNode, visit, type ExprVisitor } from '../../../dsl/walk.ts';
import { scimError } from '../../errors.ts';
import { textProblem, type TextProblem } from '../../scim/text-check.ts';
import { attributeNamed } from '../../scim/schema-lookup.ts';
import { resolve, unknownAttribute, type Bool, type JsonOperand, type Operand, type Resource, type Walk } from './operand.ts';
import { MAX_DEPTH, membership, relationColumn } from './relation.ts';
import { arrayOf, columnCompare, jsonScalarCompare, literalText, nonEmpty } from './sql-values.ts';

/*
 * Decisions (the in-memory semantics are dsl/values.ts; SQL follows them):
 * - A missing attribute compares false (SQL null, which WHERE, `and` and `or` treat as false),
 *   except `ne`, which holds for a missing attribute; `not (...)` is `(...) is not true`, so it
 *   is the plain negation of what the client sees.
 * - Strings compare case-insensitively via lower() unless the attribute is caseExact;
 *   gt/ge/lt/le on strings use code-point order (`collate "C"`).
 * - A complex attribute compared directly compares its `value` sub-attribute (RFC 7644 §3.4.2.2).
 * - On a multi-valued attribute an operator holds when it holds for ANY element; `ne` also
 *   holds when no element exists. `emails.value` steps over the list as the language does:
 *   elements without a `value` are skipped, not compared as missing.
 * - `x eq null` / `x ne null` compare the value the path reads with null (absent, null or an
 *   empty list), not `pr`: an empty string is a value (see nullCompare).
 * - Known differences from the closures: lower() of U+0130 (`İ`) is `i` in SQL; string order is
 *   by code point in SQL and by UTF-16 code unit in JavaScript (they differ above U+FFFF).
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

/** Parses a `?filter=` in the language's filter mode; a syntax error is 400 invalidFilter with the offset. */
export function parseFilter(filter: string): Expr {
  const { ast, diagnostics } = parseExpression(filter, 'filter', undefined, { quoteSource: false });
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw scimError('FILTER_SYNTAX', { message: d.message, offset: d.span.start });
  }
  // An escape (`"\u0000"`) can put into a value what the raw query text did not hold.
  let problem: TextProblem | undefined;
  someNode(ast, (node) => (problem = node.kind === 'Literal' && typeof node.value === 'string' ? textProblem(node.value) : undefined) !== undefined);
  if (problem) throw scimError('FILTER_TEXT_INVALID', { problem });
  return ast;
}

/** The SQL condition of a whole filter over the outer row of `resource`. */
export function filterCondition(ast: Expr, scope: Scope, resource: Resource): Bool {
  return condition(ast, scope, 0, { next: 0, resource });
}

export function subScope(def: AttributeDef): Scope {
  return { kind: 'scim', attributes: def.subAttributes ?? [], namespaces: [] };
}

interface ConditionContext {
  readonly scope: Scope;
  readonly depth: number;
  readonly aliases: Walk;
  /** Inside a value filter: the jsonb of the element the names resolve against. */
  readonly element: RawBuilder<unknown> | undefined;
}

const notAFilter = (): never => {
  throw scimError('FILTER_CONSTRUCT');
};

const deeper = (c: ConditionContext): ConditionContext => ({ ...c, depth: c.depth + 1 });

const conditionVisitor: ExprVisitor<Bool, ConditionContext> = {
  Group: (e, c) => conditionAt(e.inner, deeper(c)),
  Not: (e, c) => sql<SqlBool>`((${conditionAt(e.operand, deeper(c))}) is not true)`,
  Logical: (e, c) => {
    const l = conditionAt(e.left, deeper(c));
    const r = conditionAt(e.right, deeper(c));
    return e.op === 'and' ? sql<SqlBool>`(${l} and ${r})` : sql<SqlBool>`(${l} or ${r})`;
  },
  Present: (e, c) => {
    if (e.operand.kind !== 'Path') throw scimError('FILTER_PR_NEEDS_ATTRIBUTE');
    return present(operandOf(e.operand, c.scope, c.element, c.aliases), c.aliases);
  },
  Compare: (e, c) => {
    if (e.left.kind === 'Path' && e.right.kind === 'Literal') return compare(operandOf(e.left, c.scope, c.element, c.aliases), e.op, e.right, c.aliases);
    throw scimError('FILTER_COMPARE_OPERANDS', { op: e.opText });
  },
  Path: (e, c) => {
    // A value path on its own: `emails[type eq "work" and value co "@example.com"]`.
    const last = e.steps[e.steps.length - 1];
    if (!last?.filter || e.steps.length !== 1) throw scimError('FILTER_ATTRIBUTE_ALONE');
    return present(operandOf(e, c.scope, c.element, c.aliases), c.aliases);
  },
  Literal: notAFilter,
  List: notAFilter,
  In: notAFilter,
  Coalesce: notAFilter,
  Call: notAFilter,
  Error: notAFilter,
};

function conditionAt(e: Expr, c: ConditionContext): Bool {
  if (c.depth > MAX_DEPTH) throw scimError('FILTER_TOO_DEEP');
  return visit(e, conditionVisitor, c);
}

/** `element`: inside a value filter, the jsonb of the element the names resolve against. */
export function condition(e: Expr, scope: Scope, depth: number, aliases: Walk, element?: RawBuilder<unknown>): Bool {
  return conditionAt(e, { scope, depth, aliases, element });
}

function operandOf(path: PathExpr, scope: Scope, element: RawBuilder<unknown> | undefined, walk: Walk): Operand {
  if (!element) return resolve(path, scope, 'filter', walk.resource);
  // Inside a value filter: names are sub-attributes of the element.
  if (path.urn !== undefined || path.steps.length !== 1 || path.steps[0]!.filter) {
    throw scimError('FILTER_VALUE_FILTER_PATH');
  }
  const name = path.steps[0]!.name;
  const def = attributeNamed(scope.attributes, name);
  if (!def) throw unknownAttribute(name, scope.attributes.map((d) => d.name));
  return { kind: 'json', json: sql`${element} -> ${def.name}::text`, def, name: def.name, filter: undefined, sub: undefined };
}

function compare(operand: Operand, op: CompareOp, lit: LiteralExpr, aliases: Walk): Bool {
  if (lit.value === null) {
    if (op !== 'eq' && op !== 'ne') throw scimError('FILTER_NULL_OPERATOR', { op });
    return nullCompare(operand, op, aliases);
  }
  switch (operand.kind) {
    case 'resourceType': {
      if (op !== 'eq' && op !== 'ne') throw scimError('FILTER_RESOURCE_TYPE_OPERATOR', { op });
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
      const valueDef = attributeNamed(def.subAttributes, 'value');
      if (!valueDef) throw scimError('FILTER_COMPLEX_ATTRIBUTE', { attribute: operand.name });
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
    leafDef = attributeNamed(def.subAttributes, 'value');
    if (!leafDef) throw scimError('FILTER_COMPLEX_ATTRIBUTE', { attribute: operand.name });
    leaf = sql`${element} -> 'value'`;
  }
  const scalarDef: AttributeDef = { ...leafDef, multiValued: false };
  const cmp = jsonScalarCompare(leaf, scalarDef, op, lit, operand.name);
  const filtered = operand.filter ? condition(operand.filter, subScope(def), 0, aliases, element) : sql<SqlBool>`true`;
  // Stepping into a sub-attribute skips the elements without one (as the language's list step does).
  const where = operand.sub ? sql<SqlBool>`(${filtered} and not ${atomMissing(leaf)})` : filtered;
  const from = sql`jsonb_array_elements(${arrayOf(operand.json)}) as ${alias}(v)`;
  const any = sql<SqlBool>`exists (select 1 from ${from} where ${where} and ${cmp})`;
  if (op !== 'ne') return any;
  // `ne` on a list also holds when there is no (matching) element at all.
  return sql<SqlBool>`(not exists (select 1 from ${from} where ${where}) or ${any})`;
}

function present(operand: Operand, aliases: Walk): Bool {
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

/**
 * `x eq null` and `x ne null` as the language means them (dsl/values.ts `compareValues`): the
 * value the path reads is missing (absent, null, an empty list) or present; a complex value stands
 * for its `value`, and a list holds when any element does (so a list can hold for both). Unlike
 * `pr`, an empty string is a value. Lists nested deeper than one level count as present.
 */
function nullCompare(operand: Operand, op: 'eq' | 'ne', aliases: Walk): Bool {
  switch (operand.kind) {
    case 'column':
      return op === 'eq' ? sql<SqlBool>`(${operand.sql} is null)` : sql<SqlBool>`(${operand.sql} is not null)`;
    case 'json':
      return valueIsNull(readValue(operand, aliases), op === 'eq', `e${aliases.next++}`);
    case 'relation':
    case 'resourceType': {
      const p = present(operand, aliases);
      return op === 'eq' ? sql<SqlBool>`((${p}) is not true)` : p;
    }
  }
}

/** The jsonb the language reads for a path: a filter keeps matching elements, a sub-attribute steps over the list. */
function readValue(operand: JsonOperand, aliases: Walk): RawBuilder<unknown> {
  const def = operand.def;
  if (!def?.multiValued) return operand.sub ? sql`${operand.json} -> ${operand.sub.name}::text` : operand.json;
  if (!operand.filter && !operand.sub) return operand.json;
  const alias = sql.raw(`e${aliases.next++}`);
  const element = sql`${alias}.v`;
  const where = operand.filter ? condition(operand.filter, subScope(def), 0, aliases, element) : sql<SqlBool>`true`;
  const from = sql`from jsonb_array_elements(${arrayOf(operand.json)}) as ${alias}(v) where ${where}`;
  if (!operand.sub) return sql`(select coalesce(jsonb_agg(${element}), '[]'::jsonb) ${from})`;
  // Stepping over a list drops the elements that have no such sub-attribute.
  const item = sql`${element} -> ${operand.sub.name}::text`;
  return sql`(select coalesce(jsonb_agg(${item}) filter (where not ${atomMissing(item)}), '[]'::jsonb) ${from})`;
}

/** Null, absent or an empty list (never an SQL error: CASE guards the array functions). */
function atomMissing(v: RawBuilder<unknown>): Bool {
  return sql<SqlBool>`(case when ${v} is null then true else (case jsonb_typeof(${v}) when 'null' then true when 'array' then jsonb_array_length(${v}) = 0 else false end) end)`;
}

const unwrap = (v: RawBuilder<unknown>): RawBuilder<unknown> => sql`(case when jsonb_typeof(${v}) = 'object' then ${v} -> 'value' else ${v} end)`;

/** `missing`: whether `v eq null` holds, else whether `v ne null` holds. */
function valueIsNull(v: RawBuilder<unknown>, missing: boolean, aliasName: string): Bool {
  const u = unwrap(v);
  const x = sql.raw(aliasName);
  const test = (w: RawBuilder<unknown>): Bool => (missing ? atomMissing(w) : sql<SqlBool>`not ${atomMissing(w)}`);
  const any = sql<SqlBool>`exists (select 1 from jsonb_array_elements(${u}) as ${x}(v) where ${test(unwrap(sql`${x}.v`))})`;
  return sql<SqlBool>`(case when jsonb_typeof(${u}) = 'array' then (case when jsonb_array_length(${u}) > 0 then ${any} else ${sql.raw(String(missing))} end) else ${test(u)} end)`;
}
