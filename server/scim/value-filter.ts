// Server: evaluates the filter inside a value path (`emails[type eq "work"]`) against one element
// of a multi-valued attribute, with the expression language's comparison semantics (dsl/values.ts).

import type { Expr, LiteralValue, PathExpr } from '../../dsl/ast.ts';
import type { AttributeDef } from '../../dsl/types.ts';
import { compareValues, getAttribute, isPresent } from '../../dsl/values.ts';
import type { ScimType } from '../errors.ts';
import { findAttribute, scimError } from './canonical.ts';

/**
 * True when `element` satisfies `filter`. Names in the filter are the element's sub-attributes
 * (`subDefs`, case-insensitive; without a definition a string compares case-insensitively).
 * A construct a value filter cannot hold (a function call, a nested value path, a literal as
 * condition) throws ScimError 400 with `errorType`.
 */
export function matchesValueFilter(filter: Expr, element: unknown, subDefs: readonly AttributeDef[] | undefined, errorType: ScimType): boolean {
  switch (filter.kind) {
    case 'Group':
      return matchesValueFilter(filter.inner, element, subDefs, errorType);
    case 'Not':
      return !matchesValueFilter(filter.operand, element, subDefs, errorType);
    case 'Logical':
      return filter.op === 'and'
        ? matchesValueFilter(filter.left, element, subDefs, errorType) && matchesValueFilter(filter.right, element, subDefs, errorType)
        : matchesValueFilter(filter.left, element, subDefs, errorType) || matchesValueFilter(filter.right, element, subDefs, errorType);
    case 'Present': {
      if (filter.operand.kind !== 'Path') throw unsupported(errorType);
      return isPresent(lookup(filter.operand, element, subDefs, errorType).value);
    }
    case 'Compare': {
      if (filter.left.kind !== 'Path' || filter.right.kind !== 'Literal') throw unsupported(errorType);
      const { value, def } = lookup(filter.left, element, subDefs, errorType);
      return compareValues(
        filter.op,
        value,
        filter.right.value,
        { caseExact: def?.caseExact ?? false, dateTime: def?.type === 'dateTime' },
        'UTC',
      );
    }
    default:
      throw unsupported(errorType);
  }
}

function unsupported(errorType: ScimType) {
  return scimError(400, errorType, 'a value filter holds only comparisons of sub-attributes with values, `pr`, `and`, `or`, `not` and parentheses');
}

function lookup(path: PathExpr, element: unknown, subDefs: readonly AttributeDef[] | undefined, errorType: ScimType): { value: unknown; def: AttributeDef | undefined } {
  if (path.urn !== undefined || path.steps.some((s) => s.filter !== undefined)) throw unsupported(errorType);
  let value: unknown = element;
  let defs = subDefs;
  let def: AttributeDef | undefined;
  for (const step of path.steps) {
    def = findAttribute(defs, step.name);
    defs = def?.subAttributes;
    value = getAttribute(value, def?.name ?? step.name, (def?.name ?? step.name).toLowerCase());
  }
  return { value, def };
}

/**
 * The sub-attribute values a filter pins down with `eq` joined by `and` (`type eq "work"` ->
 * `{type: "work"}`), used to build the element a replace on an unmatched value path adds.
 * Undefined when the filter is anything else.
 */
export function equalityTerms(filter: Expr, subDefs: readonly AttributeDef[] | undefined): Record<string, LiteralValue> | undefined {
  const out: Record<string, LiteralValue> = {};
  const walk = (e: Expr): boolean => {
    switch (e.kind) {
      case 'Group':
        return walk(e.inner);
      case 'Logical':
        return e.op === 'and' && walk(e.left) && walk(e.right);
      case 'Compare': {
        if (e.op !== 'eq' || e.left.kind !== 'Path' || e.right.kind !== 'Literal') return false;
        if (e.left.urn !== undefined || e.left.steps.length !== 1) return false;
        const step = e.left.steps[0]!;
        if (step.filter) return false;
        const name = findAttribute(subDefs, step.name)?.name ?? step.name;
        if (name === '__proto__' || name === 'constructor' || name === 'prototype') return false;
        Object.defineProperty(out, name, { value: e.right.value, enumerable: true, writable: true, configurable: true });
        return true;
      }
      default:
        return false;
    }
  };
  return walk(filter) ? out : undefined;
}
