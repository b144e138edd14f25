// Server storage: the leaves of the SQL filter compiler: total jsonb readers (arrays, numbers,
// ISO 8601 date-times), and one comparison of a column or a scalar jsonb value with a literal.

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { CompareOp, LiteralExpr } from '../../../dsl/ast.ts';
import type { AttributeDef } from '../../../dsl/types.ts';
import { parseDateTime } from '../../../dsl/values.ts';
import { scimError } from '../../errors.ts';
import type { Bool, ColumnOperand } from './operand.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A jsonb array, or an empty one when the value is anything else (never an SQL error). */
export function arrayOf(json: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`case when jsonb_typeof(${json}) = 'array' then ${json} else '[]'::jsonb end`;
}

/** Present and non-empty, for a jsonb value: null, "", [] and {} are not present. */
export function nonEmpty(json: RawBuilder<unknown>): Bool {
  return sql<SqlBool>`coalesce(case jsonb_typeof(${json}) when 'string' then (${json} #>> '{}') <> '' when 'array' then jsonb_array_length(${json}) > 0 when 'object' then ${json} <> '{}'::jsonb when 'number' then true when 'boolean' then true else false end, false)`;
}

export function numeric(json: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(case when jsonb_typeof(${json}) = 'number' then (${json} #>> '{}')::numeric end)`;
}

// The shape dsl/values.ts accepts; the range checks are in timestamp() below.
const ISO_PATTERN = '^(\\d{4})-(\\d{2})-(\\d{2})(?:[Tt ](\\d{2}):(\\d{2})(?::(\\d{2}(?:[.,]\\d{1,9})?))?)?(Z|z|[+-]\\d{2}(?::?\\d{2})?)?$';

/**
 * A timestamptz from ISO 8601 text, or null when the text is not a valid date-time (as
 * dsl/values.ts `parseDateTime` decides). Total: CASE evaluates its branches in order, so every
 * cast and make_* call only sees fields already checked to be in range.
 */
export function timestamp(text: RawBuilder<unknown>): RawBuilder<unknown> {
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

export function literalText(lit: LiteralExpr): string {
  return typeof lit.value === 'string' ? lit.value : String(lit.value);
}

function dateParam(name: string, lit: LiteralExpr): string {
  const t = typeof lit.value === 'string' ? parseDateTime(lit.value, 'UTC') : Number.NaN;
  if (Number.isNaN(t)) throw scimError('FILTER_DATE_TIME_VALUE', { attribute: name });
  return new Date(t).toISOString();
}

function booleanParam(name: string, lit: LiteralExpr): boolean {
  if (typeof lit.value === 'boolean') return lit.value;
  if (typeof lit.value === 'string') {
    const l = lit.value.trim().toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  throw scimError('FILTER_BOOLEAN_VALUE', { attribute: name });
}

function numberParam(name: string, lit: LiteralExpr): number {
  const n = typeof lit.value === 'number' ? lit.value : typeof lit.value === 'string' && lit.value.trim() !== '' ? Number(lit.value) : Number.NaN;
  if (!Number.isFinite(n)) throw scimError('FILTER_NUMBER_VALUE', { attribute: name });
  return n;
}

/** A scalar jsonb value compared with a literal, following its schema type (or the literal's). */
export function jsonScalarCompare(json: RawBuilder<unknown>, def: AttributeDef | undefined, op: CompareOp, lit: LiteralExpr, name: string): Bool {
  const text = sql`(${json} #>> '{}')`;
  const type = def?.type ?? (typeof lit.value === 'boolean' ? 'boolean' : typeof lit.value === 'number' ? 'decimal' : 'string');
  switch (type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw scimError('FILTER_BOOLEAN_OPERATOR', { op, attribute: name });
      return total(op, sql`lower(${text}) ${sql.raw(SQL_OPS[op])} ${booleanParam(name, lit) ? 'true' : 'false'}::text`);
    }
    case 'integer':
    case 'decimal': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw scimError('FILTER_NUMBER_OPERATOR', { op, attribute: name });
      return total(op, sql`${numeric(json)} ${sql.raw(SQL_OPS[op])} ${numberParam(name, lit)}::numeric`);
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') return stringCompare(text, op, literalText(lit), false);
      return total(op, sql`${timestamp(text)} ${sql.raw(SQL_OPS[op])} ${dateParam(name, lit)}::timestamptz`);
    }
    case 'complex':
      throw scimError('FILTER_COMPLEX_ATTRIBUTE', { attribute: name });
    default:
      return stringCompare(text, op, literalText(lit), def?.caseExact ?? false);
  }
}

export function columnCompare(operand: ColumnOperand, op: CompareOp, lit: LiteralExpr): Bool {
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
