// Server: RFC 7643 §2.2 `required` from the attribute model: a resource about to be created or
// replaced -> nothing, or 400 invalidValue naming the first required attribute it lacks.

import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { isPlainObject as isObject } from '../../dsl/values.ts';
import { scimError } from '../errors.ts';
import { ownValue, ownValues } from './json.ts';

const absent = (value: unknown): boolean => value === undefined || value === null || (Array.isArray(value) && value.length === 0);

/**
 * Throws REQUIRED_MISSING for the first attribute of `scope` marked `required` that `resource`
 * (keys in any case) does not hold: core attributes, then the attributes of extensions the
 * resource holds, then required sub-attributes of the complex values it holds. Read-only
 * attributes are the server's to fill in and are not checked.
 */
export function requireAttributes(resource: Readonly<Record<string, unknown>>, scope: Scope): void {
  const missing = firstMissing(resource, scope.attributes, '');
  if (missing) throw scimError('REQUIRED_MISSING', { attribute: missing });
  for (const ns of scope.namespaces) {
    const ext = ownValue(resource, ns.urn);
    const inner = isObject(ext) ? firstMissing(ext, ns.attributes, `${ns.urn}:`) : undefined;
    if (inner) throw scimError('REQUIRED_MISSING', { attribute: inner });
  }
}

function firstMissing(obj: Readonly<Record<string, unknown>>, defs: readonly AttributeDef[], prefix: string): string | undefined {
  const valueOf = ownValues(obj);
  for (const def of defs) {
    if (def.mutability === 'readOnly') continue;
    const value = valueOf(def.name);
    if (absent(value)) {
      if (def.required) return `${prefix}${def.name}`;
      continue;
    }
    if (def.type !== 'complex' || !def.subAttributes?.some((s) => s.required)) continue;
    for (const element of Array.isArray(value) ? value : [value]) {
      const inner = isObject(element) ? firstMissing(element, def.subAttributes, `${prefix}${def.name}.`) : undefined;
      if (inner) return inner;
    }
  }
  return undefined;
}
