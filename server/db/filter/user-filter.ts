// Server storage: a `?filter=` over Users -> a kysely SQL condition over `scim_users` (the
// caller adds the tenant and deleted_at conditions).

import { randomUUID } from 'node:crypto';
import type { Scope } from '../../../dsl/types.ts';
import { textProblem } from '../../scim/text-check.ts';
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

/**
 * The condition of one filter shape (`userName eq "..."`), compiled once by `userFilterToSql`
 * with `sentinel` as the value: the statement built from it binds the request's value where
 * `sentinel` is (db/users.ts `listUsersByValue`).
 */
export interface FilterShape {
  readonly where: Bool;
  readonly sentinel: string;
  /**
   * At most one live user of a tenant matches: `userName` (the unique index
   * `scim_users_user_name` on the tenant and the lower-cased name, over live users).
   */
  readonly unique: boolean;
}

/**
 * The lookups provisioning clients send on every sync (Entra, Okta: `userName eq "..."`,
 * `externalId eq "..."`), as a shape compiled once per tenant scope and the value; undefined for
 * every other filter (those take `userFilterToSql`). Only a text the filter parser reads the same
 * way matches: a string without escapes is the value as written (dsl/build-literal.ts), names and
 * `eq` are case-insensitive, whitespace between tokens is skipped.
 */
export function userValueFilter(filter: string, scope: Scope): { shape: FilterShape; value: string } | undefined {
  const match = EQUALITY.exec(filter);
  if (!match) return undefined;
  const value = match[2]!;
  // What parseFilter refuses in a value (the query text was checked already; kept exact here).
  if (textProblem(value)) return undefined;
  const attribute = match[1]!.toLowerCase();
  let shapes = SHAPES.get(scope);
  if (!shapes) SHAPES.set(scope, (shapes = new Map()));
  let shape = shapes.get(attribute);
  if (shape === undefined) {
    const sentinel = `scimplan-filter-value-${randomUUID()}`;
    try {
      shape = { where: userFilterToSql(`${attribute} eq "${sentinel}"`, scope), sentinel, unique: attribute === 'username' };
    } catch {
      // A scope without the attribute: userFilterToSql answers the request with its own error.
      shape = null;
    }
    shapes.set(attribute, shape);
  }
  return shape ? { shape, value } : undefined;
}

const EQUALITY = /^\s*(userName|externalId)\s+eq\s+"([^"\\]*)"\s*$/i;
const SHAPES = new WeakMap<Scope, Map<string, FilterShape | null>>();
