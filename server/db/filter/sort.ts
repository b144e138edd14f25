// Server storage: `sortBy` (RFC 7644 §3.4.2.3) -> an ORDER BY expression over `scim_users` or
// `scim_groups`, by the same attribute resolution as filters.

import { sql, type RawBuilder } from 'kysely';
import { parseExpression } from '../../../dsl/parse.ts';
import type { AttributeDef, Scope } from '../../../dsl/types.ts';
import { scimError } from '../../errors.ts';
import { attributeNamed } from '../../scim/schema-lookup.ts';
import { condition, subScope } from './condition.ts';
import { resolve, type Resource } from './operand.ts';
import { arrayOf, numeric, timestamp } from './sql-values.ts';

/**
 * The ORDER BY expression for `sortBy` (RFC 7644 §3.4.2.3): case-insensitive for strings that
 * are not caseExact; a multi-valued attribute sorts by its primary element, else its first.
 * Callers add `id` as a tie-breaker for a stable order. An unknown or unparsable attribute is
 * 400 invalidValue (RFC 7644 leaves it open; silently ignoring it would hide a typo).
 */
export function sortColumn(sortBy: string, scope: Scope, resource: Resource = 'User'): RawBuilder<unknown> {
  const { ast, diagnostics } = parseExpression(sortBy.trim(), 'path');
  if (diagnostics.length > 0 || ast.kind !== 'Path') throw scimError('SORT_BY_NOT_A_PATH');
  const operand = resolve(ast, scope, 'sortBy', resource);
  switch (operand.kind) {
    case 'column':
      return operand.type === 'string' && !operand.caseExact ? sql`lower(${operand.sql})` : operand.sql;
    case 'resourceType':
      return sql`1`;
    case 'relation':
      throw scimError('SORT_BY_GROUPS_OR_MEMBERS', { attribute: operand.name });
    case 'json': {
      const def = operand.def;
      if (def?.multiValued) {
        const e = sql.raw('sort_e');
        const leafDef = operand.sub ?? (def.type === 'complex' ? attributeNamed(def.subAttributes, 'value') : def);
        const leafJson = operand.sub || def.type === 'complex' ? sql`${e}.v -> ${leafDef?.name ?? 'value'}::text` : sql`${e}.v`;
        const where = operand.filter ? condition(operand.filter, subScope(def), 0, { next: 0, resource }, sql`${e}.v`) : sql`true`;
        return sql`(select ${sortKey(leafJson, leafDef)} from jsonb_array_elements(${arrayOf(operand.json)}) with ordinality as ${e}(v, n) where ${where} order by case when ${e}.v -> 'primary' = 'true'::jsonb then 0 else 1 end, ${e}.n limit 1)`;
      }
      const leafDef = operand.sub ?? (def?.type === 'complex' ? attributeNamed(def.subAttributes, 'value') : def);
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
