// Server: RFC 7644 §3.5.2 PATCH of a User: the request -> a checked, readonly list of edits
// resolved against the tenant's scope (parseUserPatch), then applied to the stored resource.

import type { LiteralValue } from '../../dsl/ast.ts';
import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { isPlainObject as isObject } from '../../dsl/values.ts';
import { CORE_USER_URN } from '../../engine/scim-schemas.ts';
import { scimError, ScimError } from '../errors.ts';
import { canonicalSingle, canonicalUser, canonicalValue, nearestNames } from './canonical.ts';
import { cloneJson, isHostileKey, ownKey, put, setOwn } from './json.ts';
import { applyEdits, applyMerge, type Merge, type Target, type UserEdit, type UserPatch, type Write } from './patch-apply.ts';
import { parsePatch, parsePatchPath, requireValue, type PatchOp } from './patch-ops.ts';
import { attributeNamed, extensionByUrn, findNamespace, isScimplanUrn } from './schema-lookup.ts';
import { compileValueFilter, equalityTerms, isValueFilter } from './value-path-filter.ts';

export { PATCH_OP_URN } from './patch-ops.ts';

/** Recomputed by the server (`schemas`) or never stored (`password`, writeOnly): writes to them are ignored. */
const IGNORED_CORE = new Set(['schemas', 'password']);

const readOnly = (n: number, attribute: string): ScimError => scimError('PATCH_READ_ONLY', { n, attribute });

/**
 * A PATCH body -> the edits it asks of a User, every error that does not depend on the stored
 * resource thrown here, before anything changes.
 *
 * - Operations as parsePatch reads them (`op` in any case, `Operations` in any case or a bare list).
 * - Paths: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, URN-qualified forms, a bare
 *   extension URN. Value filters compile through the expression language over the
 *   sub-attributes, with date-times in `timezone` (the tenant's).
 * - Path-less add/replace take an object whose keys are paths (`name.givenName`, full-URN keys,
 *   extension URN -> nested object); a replace on a complex attribute merges sub-attributes.
 * - Mutability from the model (RFC 7644 §3.5.2): an operation whose path, or a key of whose
 *   path-less value, names a `readOnly` attribute or sub-attribute (`id`, `meta`, `groups`,
 *   the scimplan extension, `manager.displayName`) is 400 mutability; an `immutable` one is
 *   400 mutability when applied to a value that exists (applyUserPatch). A path-less value may
 *   echo the resource: its `meta` is ignored and its `id` must be the resource's own.
 *   Read-only sub-attributes inside a value are dropped, as PUT drops them. Writes to
 *   `schemas` (recomputed) and `password` (never stored) are ignored.
 * - Errors: ScimError 400 invalidSyntax (shape), invalidPath, invalidValue (a value of the
 *   wrong type), noTarget (remove without path), mutability.
 */
export function parseUserPatch(body: unknown, scope: Scope, timezone = 'UTC'): UserPatch {
  const edits: UserEdit[] = [];
  for (const operation of parsePatch(body)) {
    const { n, op, value } = operation;
    if (operation.path !== undefined) {
      requireValue(operation);
      edits.push(...pathEdits(n, op, operation.path, value, scope, timezone));
      continue;
    }
    for (const key of Object.keys(operation.value)) {
      const v = operation.value[key];
      const lower = key.toLowerCase();
      if (lower === 'meta' || IGNORED_CORE.has(lower)) continue;
      if (lower === 'id') {
        edits.push({ kind: 'sameId', n, value: v });
        continue;
      }
      edits.push(...pathEdits(n, operation.op, key, v, scope, timezone));
    }
  }
  return { edits, scope, timezone };
}

/**
 * The stored resource (whose server-assigned id is `id`) with the patch applied, canonical.
 * Errors that depend on the stored data, decided on the computed result: 400 noTarget (an
 * unmatched replace that cannot build an element), invalidValue (a required attribute removed,
 * or a filter term that is no value), mutability (an immutable attribute that has a value, a
 * path-less `id` that is not `id`).
 * Invariant: `resource` is not modified; the result shares no objects with it.
 */
export function applyUserPatch(resource: Readonly<Record<string, unknown>>, patch: UserPatch, id?: string): Record<string, unknown> {
  const outcome = applyEdits(cloneJson(resource) as Record<string, unknown>, patch, id);
  if (outcome instanceof ScimError) throw outcome;
  // Every value the request writes was refused if unknown; what is left of such attributes is stored data.
  const result = canonicalUser(outcome, patch.scope, 'drop');
  for (const def of patch.scope.attributes) {
    if (def.required && def.mutability !== 'readOnly' && ownKey(resource, def.name) !== undefined && result[def.name] === undefined) {
      throw scimError('PATCH_REQUIRED_REMOVED', { attribute: def.name });
    }
  }
  return result;
}

/** parseUserPatch then applyUserPatch: a PATCH body applied to `resource` (also used on Groups in tests). */
export function applyPatch(resource: Readonly<Record<string, unknown>>, body: unknown, scope: Scope, timezone = 'UTC'): Record<string, unknown> {
  return applyUserPatch(resource, parseUserPatch(body, scope, timezone));
}

/** The whole extension `urn` as a path: remove or null drops it, an object edits its attributes. */
function extensionEdits(n: number, op: PatchOp, urn: string, value: unknown, scope: Scope, timezone: string): UserEdit[] {
  if (op === 'remove' || value === null) return op === 'add' ? [] : [{ kind: 'dropExtension', urn }];
  if (!isObject(value)) throw scimError('EXTENSION_NOT_OBJECT', { urn });
  return Object.keys(value).flatMap((sub) => pathEdits(n, op, `${urn}:${sub}`, value[sub], scope, timezone));
}

function pathEdits(n: number, op: PatchOp, path: string, value: unknown, scope: Scope, timezone: string): UserEdit[] {
  const ns = path.toLowerCase().startsWith('urn:') ? extensionByUrn(scope, path) : undefined;
  if (ns && isScimplanUrn(ns.urn)) throw readOnly(n, ns.urn);
  if (ns) return extensionEdits(n, op, ns.urn, value, scope, timezone);
  const target = resolve(n, path, scope, timezone);
  if (!target) return [];
  if (op === 'remove') return [{ kind: 'remove', target, items: value === undefined || value === null ? undefined : Array.isArray(value) ? value : [value] }];
  return [{ kind: 'write', op, target, write: prepare(target, path, value) }];
}

/** 400 invalidPath: operation `n` names an attribute no schema of the tenant defines (as canonicalUser refuses it). */
function patchUnknown(n: number, label: string, name: string, defs: readonly AttributeDef[]): ScimError {
  return scimError('PATCH_UNKNOWN_ATTRIBUTE', { n, attribute: label, hint: nearestNames(name, defs) });
}

/** The target of `path`, or undefined when writes to it are ignored; 400 mutability for a read-only one. */
function resolve(n: number, text: string, scope: Scope, timezone: string): Target | undefined {
  const path = parsePatchPath(n, text);
  let urn: string | undefined;
  let defs = scope.attributes;
  if (path.urn !== undefined) {
    if (isScimplanUrn(path.urn)) throw readOnly(n, `${path.urn}:${path.name}`);
    const found = findNamespace(scope, path.urn);
    if (found && found.urn !== CORE_USER_URN) {
      urn = found.urn;
      defs = found.attributes;
    } else if (!found) {
      // An extension this tenant does not declare: its attributes are kept as sent.
      urn = path.urn;
      defs = [];
    }
  }
  const def = attributeNamed(defs, path.name);
  if (urn === undefined && IGNORED_CORE.has((def?.name ?? path.name).toLowerCase())) return undefined;
  if (!def && !isHostileKey(path.name)) throw patchUnknown(n, urn === undefined ? path.name : `${urn}:${path.name}`, path.name, defs);
  if (def?.mutability === 'readOnly') throw readOnly(n, def.name);
  if (path.filter && def && !def.multiValued) throw scimError('PATCH_SINGLE_VALUED_FILTER', { n, attribute: def.name });
  let sub: Target['sub'];
  if (path.sub !== undefined) {
    if (def && def.type !== 'complex') throw scimError('PATCH_NO_SUB_ATTRIBUTES', { n, attribute: def.name });
    const subDef = attributeNamed(def?.subAttributes, path.sub);
    if (def && !subDef) throw scimError('PATCH_UNKNOWN_SUB_ATTRIBUTE', { n, attribute: def.name, sub: path.sub });
    if (subDef?.mutability === 'readOnly') throw readOnly(n, `${def!.name}.${subDef.name}`);
    sub = { name: subDef?.name ?? path.sub, def: subDef };
  }
  if (!def && isHostileKey(path.name)) return undefined;
  let filter: Target['filter'];
  if (path.filter) {
    if (!isValueFilter(path.filter)) throw scimError('PATCH_VALUE_FILTER', { n });
    const terms = equalityTerms(path.filter, 'and', def?.subAttributes);
    const element: Record<string, LiteralValue> = {};
    for (const t of terms ?? []) put(element, t.name, t.value);
    filter = { matches: compileValueFilter(path.filter, def?.subAttributes, timezone), terms: terms ? element : undefined };
  }
  const immutable = (sub ? sub.def?.mutability : def?.mutability) === 'immutable';
  return { n, urn, name: def?.name ?? path.name, def, filter, sub, immutable };
}

/** `value` for a whole (multi- or single-valued) attribute; undefined when it means "unassign". */
function valueFor(def: AttributeDef | undefined, value: unknown, label: string): unknown {
  if (!def) return value === null ? undefined : cloneJson(value);
  if (def.multiValued && value !== null && !Array.isArray(value)) value = [value];
  return canonicalValue(def, value, label);
}

function elementFor(def: AttributeDef | undefined, value: unknown, label: string): unknown {
  if (!def) return value === null ? undefined : cloneJson(value);
  return canonicalSingle(def, value, label);
}

function subValueFor(target: Target, value: unknown): unknown {
  const subDef = target.sub!.def;
  if (!subDef) return value === null ? undefined : cloneJson(value);
  return canonicalValue(subDef, value, `${target.name}.${target.sub!.name}`);
}

/** A complex value as a merge: given sub-attributes replace, null ones are removed. */
function mergeOf(def: AttributeDef | undefined, raw: unknown, label: string): Merge {
  const canonical = elementFor(def, raw, label);
  const nulls = isObject(raw) ? Object.keys(raw).filter((k) => raw[k] === null).map((k) => attributeNamed(def?.subAttributes, k)?.name ?? k) : [];
  return { nulls, entries: isObject(canonical) ? Object.entries(canonical) : [] };
}

function prepare(target: Target, label: string, value: unknown): Write {
  const { def, name } = target;
  if (target.filter) {
    const filter = target.filter;
    const values = () => (target.sub ? { sub: subValueFor(target, value), merge: undefined } : { sub: undefined, merge: mergeOf(def, value, name) });
    if (filter.terms) {
      const { sub, merge } = values();
      return { form: 'filtered', sub, merge, built: built(target, sub, merge) };
    }
    // Without terms an unmatched path is noTarget whatever the value: a bad value only counts
    // when an element matches, so its error waits for the stored data.
    const checked = asValue(values);
    return checked instanceof ScimError
      ? { form: 'filtered', sub: undefined, merge: undefined, built: undefined, invalid: checked }
      : { form: 'filtered', ...checked, built: undefined };
  }
  if (target.sub) return { form: 'sub', sub: subValueFor(target, value) };
  if (def && (def.multiValued || def.type !== 'complex' || !isObject(value))) return { form: 'whole', whole: valueFor(def, value, label), merge: undefined };
  if (def) return { form: 'whole', whole: undefined, merge: mergeOf(def, value, label) };
  return { form: 'whole', whole: valueFor(undefined, value, label), merge: isObject(value) ? mergeOf(undefined, value, label) : undefined };
}

/** The element an unmatched value path adds: the filter's terms plus the value; an error is kept as data. */
function built(target: Target, sub: unknown, merge: Merge | undefined): unknown | ScimError {
  const element = cloneJson(target.filter!.terms) as Record<string, unknown>;
  if (target.sub) {
    if (sub === undefined) return undefined;
    setOwn(element, target.sub.name, sub);
  } else {
    applyMerge(element, merge!);
  }
  return asValue(() => elementFor(target.def, element, target.name));
}

/** What `compute` returns, or the ScimError it throws, as a value for later. */
function asValue<T>(compute: () => T): T | ScimError {
  try {
    return compute();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
}
