// Server: RFC 7644 §3.5.2 PATCH of a stored User resource, in every dialect Entra ID and Okta
// speak; returns the new resource in canonical form (canonical.ts), the input untouched.

import type { Expr } from '../../dsl/ast.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { compareValues, getAttribute } from '../../dsl/values.ts';
import {
  CORE_USER_URN,
  canonicalSingle,
  canonicalUser,
  canonicalValue,
  cloneJson,
  extensionByUrn,
  findAttribute,
  findNamespace,
  isObject,
  isScimplanUrn,
  ownKey,
  put,
  scimError,
} from './canonical.ts';
import { equalityTerms, matchesValueFilter } from './value-filter.ts';

export const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Op = 'add' | 'replace' | 'remove';

/** Where one operation lands, after resolving its path against the scope. */
interface Target {
  /** The extension URN whose object holds the attribute; undefined for core attributes. */
  readonly urn: string | undefined;
  /** Canonical name (or as written for an unknown attribute). */
  readonly name: string;
  readonly def: AttributeDef | undefined;
  readonly filter: Expr | undefined;
  readonly sub: { readonly name: string; readonly def: AttributeDef | undefined } | undefined;
  /** The path as the client wrote it, for messages. */
  readonly label: string;
}

/** Read-only or never-stored targets: RFC 7644 would answer 400 mutability, SPEC §5 says ignore. */
const IGNORED_CORE = new Set(['id', 'meta', 'schemas', 'groups', 'password']);

/**
 * Applies a PATCH request body to `resource` and returns the patched resource, canonical.
 *
 * - `operations` is `{schemas, Operations: [...]}` (the key `Operations` in any case) or the
 *   bare list; each operation has `op` (`add`/`replace`/`remove`, any case), `path`, `value`.
 * - Paths: `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, URN-qualified forms, a bare
 *   extension URN. Value filters use the expression language's comparison semantics.
 * - Path-less add/replace take an object whose keys are paths (`name.givenName`, full-URN keys,
 *   extension URN -> nested object); a replace on a complex attribute merges sub-attributes.
 * - A replace (or add) on a value path that matches nothing adds an element built from the
 *   filter's `eq` terms (Entra's `emails[type eq "work"].value`); a remove that matches
 *   nothing changes nothing. A remove of a multi-valued attribute with a `value` list removes
 *   only the listed elements.
 * - Writes to `id`, `meta`, `schemas`, `groups`, `password`, the scimplan extension and
 *   read-only attributes are ignored.
 * - Errors: ScimError 400 with invalidSyntax (shape), invalidPath, invalidValue, noTarget
 *   (remove without path, or an unmatched replace that cannot build an element).
 *
 * Invariant: `resource` is not modified; the result shares no objects with it.
 */
export function applyPatch(resource: Readonly<Record<string, unknown>>, operations: unknown, scope: Scope): Record<string, unknown> {
  const ops = operationList(operations);
  const working = cloneJson(resource) as Record<string, unknown>;
  ops.forEach((raw, index) => applyOne(working, raw, index, scope));
  const result = canonicalUser(working, scope);
  for (const def of scope.attributes) {
    if (def.required && def.mutability !== 'readOnly' && ownKey(resource as Record<string, unknown>, def.name) !== undefined && result[def.name] === undefined) {
      throw scimError(400, 'invalidValue', `\`${def.name}\` is required and cannot be removed`);
    }
  }
  return result;
}

/** The operations of a PATCH body (`Operations` in any case, or a bare list). */
export function operationList(body: unknown): readonly unknown[] {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) throw scimError(400, 'invalidSyntax', 'the PATCH body must be a JSON object with `Operations`');
  const key = ownKey(body, 'Operations');
  const list = key === undefined ? undefined : body[key];
  if (!Array.isArray(list)) throw scimError(400, 'invalidSyntax', 'the PATCH body must have an `Operations` list');
  return list;
}

function applyOne(working: Record<string, unknown>, raw: unknown, index: number, scope: Scope): void {
  if (!isObject(raw)) throw scimError(400, 'invalidSyntax', `operation ${index + 1} must be an object`);
  const opKey = ownKey(raw, 'op');
  const opText = opKey === undefined ? undefined : raw[opKey];
  const op = typeof opText === 'string' ? opText.trim().toLowerCase() : '';
  if (op !== 'add' && op !== 'replace' && op !== 'remove') {
    throw scimError(400, 'invalidSyntax', `operation ${index + 1}: \`op\` must be \`add\`, \`replace\` or \`remove\``);
  }
  const pathKey = ownKey(raw, 'path');
  const path = pathKey === undefined ? undefined : raw[pathKey];
  const valueKey = ownKey(raw, 'value');
  const value = valueKey === undefined ? undefined : raw[valueKey];
  if (path !== undefined && path !== null && typeof path !== 'string') {
    throw scimError(400, 'invalidPath', `operation ${index + 1}: \`path\` must be a string`);
  }
  if (path === undefined || path === null || path.trim() === '') {
    if (op === 'remove') throw scimError(400, 'noTarget', `operation ${index + 1}: \`remove\` needs a \`path\``);
    applyPathless(working, op, value, scope);
    return;
  }
  if (op !== 'remove' && value === undefined) {
    throw scimError(400, 'invalidValue', `operation ${index + 1}: \`${op}\` needs a \`value\``);
  }
  applyPath(working, op, path.trim(), value, scope);
}

function applyPathless(working: Record<string, unknown>, op: Op, value: unknown, scope: Scope): void {
  if (!isObject(value)) throw scimError(400, 'invalidValue', `a \`${op}\` without \`path\` needs an object \`value\``);
  for (const key of Object.keys(value)) {
    const v = value[key];
    const ns = key.toLowerCase().startsWith('urn:') ? extensionByUrn(scope, key) : undefined;
    if (ns) {
      if (isScimplanUrn(ns.urn)) continue;
      if (v === null) {
        if (op === 'replace') deleteKey(working, ns.urn);
        continue;
      }
      if (!isObject(v)) throw scimError(400, 'invalidValue', `\`${ns.urn}\` must be an object`);
      for (const sub of Object.keys(v)) applyPath(working, op, `${ns.urn}:${sub}`, v[sub], scope);
      continue;
    }
    if (IGNORED_CORE.has(key.toLowerCase())) continue;
    applyPath(working, op, key, v, scope);
  }
}

function resolve(path: string, scope: Scope): Target | 'ignore' | { readonly wholeExtension: string } {
  const ns = path.toLowerCase().startsWith('urn:') ? extensionByUrn(scope, path) : undefined;
  if (ns) return isScimplanUrn(ns.urn) ? 'ignore' : { wholeExtension: ns.urn };
  const { ast, diagnostics } = parseExpression(path, 'path');
  if (diagnostics.length > 0) {
    const d = diagnostics[0]!;
    throw scimError(400, 'invalidPath', `invalid path at offset ${d.span.start}: ${d.message}`);
  }
  if (ast.kind !== 'Path' || ast.steps.length === 0 || ast.steps.length > 2 || ast.steps[1]?.filter) {
    throw scimError(400, 'invalidPath', 'a path is `attribute`, `attribute.subAttribute` or `attribute[filter].subAttribute`');
  }
  let urn: string | undefined;
  let defs = scope.attributes;
  if (ast.urn !== undefined) {
    if (isScimplanUrn(ast.urn)) return 'ignore';
    const found = findNamespace(scope, ast.urn);
    if (found && found.urn !== CORE_USER_URN) {
      urn = found.urn;
      defs = found.attributes;
    } else if (!found) {
      // An extension this tenant does not declare: its attributes are kept as sent.
      urn = ast.urn;
      defs = [];
    }
  }
  const first = ast.steps[0]!;
  const def = findAttribute(defs, first.name);
  if (urn === undefined && IGNORED_CORE.has((def?.name ?? first.name).toLowerCase())) return 'ignore';
  if (def?.mutability === 'readOnly') return 'ignore';
  if (first.filter && def && !def.multiValued) {
    throw scimError(400, 'invalidPath', `\`${def.name}\` is single-valued and takes no filter`);
  }
  const second = ast.steps[1];
  let sub: Target['sub'];
  if (second) {
    if (def && def.type !== 'complex') throw scimError(400, 'invalidPath', `\`${def.name}\` has no sub-attributes`);
    const subDef = findAttribute(def?.subAttributes, second.name);
    if (def && !subDef) throw scimError(400, 'invalidPath', `\`${def.name}\` has no sub-attribute \`${second.name}\``);
    if (subDef?.mutability === 'readOnly') return 'ignore';
    sub = { name: subDef?.name ?? second.name, def: subDef };
  }
  if (!def && (first.name === '__proto__' || first.name === 'constructor' || first.name === 'prototype')) return 'ignore';
  return { urn, name: def?.name ?? first.name, def, filter: first.filter, sub, label: path };
}

function applyPath(working: Record<string, unknown>, op: Op, path: string, value: unknown, scope: Scope): void {
  const target = resolve(path, scope);
  if (target === 'ignore') return;
  if ('wholeExtension' in target) {
    if (op === 'remove') {
      deleteKey(working, target.wholeExtension);
      return;
    }
    if (value === null) {
      if (op === 'replace') deleteKey(working, target.wholeExtension);
      return;
    }
    if (!isObject(value)) throw scimError(400, 'invalidValue', `\`${target.wholeExtension}\` must be an object`);
    for (const sub of Object.keys(value)) applyPath(working, op, `${target.wholeExtension}:${sub}`, value[sub], scope);
    return;
  }
  const container = containerOf(working, target, op !== 'remove');
  if (!container) return;
  if (op === 'remove') remove(container, target, value);
  else write(container, target, op, value);
  if (target.urn !== undefined && Object.keys(container).length === 0) deleteKey(working, target.urn);
}

function containerOf(working: Record<string, unknown>, target: Target, create: boolean): Record<string, unknown> | undefined {
  if (target.urn === undefined) return working;
  const key = ownKey(working, target.urn);
  const existing = key === undefined ? undefined : working[key];
  if (isObject(existing)) return existing;
  if (!create) return undefined;
  const fresh: Record<string, unknown> = {};
  if (key !== undefined) delete working[key];
  put(working, target.urn, fresh);
  return fresh;
}

function deleteKey(obj: Record<string, unknown>, name: string): void {
  const key = ownKey(obj, name);
  if (key !== undefined) delete obj[key];
}

function getOwn(obj: Record<string, unknown>, name: string): unknown {
  const key = ownKey(obj, name);
  return key === undefined ? undefined : obj[key];
}

/** Sets `name` on `obj`, replacing a differently-cased key. */
function setOwn(obj: Record<string, unknown>, name: string, value: unknown): void {
  deleteKey(obj, name);
  put(obj, name, value);
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
  const label = `${target.name}.${target.sub!.name}`;
  const subDef = target.sub!.def;
  if (!subDef) return value === null ? undefined : cloneJson(value);
  return canonicalValue(subDef, value, label);
}

/** Merges a complex value into `into`: given sub-attributes replace, null ones are removed. */
function mergeComplex(into: Record<string, unknown>, def: AttributeDef | undefined, raw: unknown, label: string): void {
  const canonical = elementFor(def, raw, label);
  if (isObject(raw)) {
    for (const k of Object.keys(raw)) {
      if (raw[k] === null) deleteKey(into, findAttribute(def?.subAttributes, k)?.name ?? k);
    }
  }
  if (isObject(canonical)) for (const [k, v] of Object.entries(canonical)) setOwn(into, k, v);
}

function sameElement(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Only one element of a multi-valued attribute may be primary (RFC 7643 §2.4). */
function keepOnePrimary(list: unknown[], preferred: ReadonlySet<unknown>): void {
  const primaries = list.filter((e) => isObject(e) && e.primary === true);
  if (primaries.length <= 1) return;
  const keep = primaries.find((e) => preferred.has(e)) ?? primaries[primaries.length - 1];
  for (const e of primaries) if (e !== keep) (e as Record<string, unknown>).primary = false;
}

function write(container: Record<string, unknown>, target: Target, op: Exclude<Op, 'remove'>, value: unknown): void {
  const { def, name } = target;
  const current = getOwn(container, name);
  const multi = def ? def.multiValued : Array.isArray(current);

  if (target.filter) {
    const list = Array.isArray(current) ? current : [];
    const matched = list.filter((e) => matchesValueFilter(target.filter!, e, def?.subAttributes, 'invalidPath'));
    if (matched.length === 0) {
      const terms = equalityTerms(target.filter, def?.subAttributes);
      if (!terms) throw scimError(400, 'noTarget', `no element of \`${name}\` matches the filter of \`${target.label}\``);
      const element: Record<string, unknown> = cloneJson(terms) as Record<string, unknown>;
      if (target.sub) {
        const v = subValueFor(target, value);
        if (v === undefined) return;
        setOwn(element, target.sub.name, v);
      } else {
        mergeComplex(element, def, value, name);
      }
      const made = elementFor(def, element, name);
      if (made === undefined) return;
      const next = [...list, made];
      keepOnePrimary(next, new Set([made]));
      setOwn(container, name, next);
      return;
    }
    const touched = new Set<unknown>();
    const next = list.map((e) => {
      if (!matched.includes(e)) return e;
      if (!isObject(e)) return e;
      const copy = cloneJson(e) as Record<string, unknown>;
      if (target.sub) {
        const v = subValueFor(target, value);
        if (v === undefined) deleteKey(copy, target.sub.name);
        else setOwn(copy, target.sub.name, v);
      } else if (op === 'replace') {
        // The replaced element keeps what the filter pinned down (its `type`) unless the value says otherwise.
        const fresh = cloneJson(equalityTerms(target.filter!, def?.subAttributes) ?? {}) as Record<string, unknown>;
        mergeComplex(fresh, def, value, name);
        touched.add(fresh);
        return fresh;
      } else {
        mergeComplex(copy, def, value, name);
      }
      touched.add(copy);
      return copy;
    });
    keepOnePrimary(next, touched);
    setOwn(container, name, next);
    return;
  }

  if (target.sub) {
    const v = subValueFor(target, value);
    if (multi) {
      const list = Array.isArray(current) ? current : [];
      if (list.length === 0) {
        if (v !== undefined) setOwn(container, name, [Object.fromEntries([[target.sub.name, v]])]);
        return;
      }
      setOwn(
        container,
        name,
        list.map((e) => {
          if (!isObject(e)) return e;
          const copy = cloneJson(e) as Record<string, unknown>;
          if (v === undefined) deleteKey(copy, target.sub!.name);
          else setOwn(copy, target.sub!.name, v);
          return copy;
        }),
      );
      return;
    }
    const obj = isObject(current) ? current : {};
    if (v === undefined) deleteKey(obj, target.sub.name);
    else setOwn(obj, target.sub.name, v);
    setOwn(container, name, obj);
    return;
  }

  if (multi) {
    const incoming = valueFor(def, value, target.label);
    if (op === 'replace' || !Array.isArray(current)) {
      if (incoming === undefined) {
        if (op === 'replace') deleteKey(container, name);
        return;
      }
      const list = Array.isArray(incoming) ? incoming : [incoming];
      keepOnePrimary(list, new Set());
      setOwn(container, name, list);
      return;
    }
    if (incoming === undefined) return;
    const added = Array.isArray(incoming) ? incoming : [incoming];
    const next = [...current];
    for (const e of added) if (!next.some((x) => sameElement(x, e))) next.push(e);
    keepOnePrimary(next, new Set(added));
    setOwn(container, name, next);
    return;
  }

  if ((def?.type === 'complex' || (!def && isObject(value) && isObject(current))) && isObject(value)) {
    const obj = isObject(current) ? current : {};
    mergeComplex(obj, def, value, target.label);
    if (Object.keys(obj).length === 0) deleteKey(container, name);
    else setOwn(container, name, obj);
    return;
  }

  const v = valueFor(def, value, target.label);
  if (v === undefined) deleteKey(container, name);
  else setOwn(container, name, v);
}

function remove(container: Record<string, unknown>, target: Target, value: unknown): void {
  const { def, name } = target;
  const current = getOwn(container, name);
  if (current === undefined) return;

  if (target.filter) {
    if (!Array.isArray(current)) return;
    const next: unknown[] = [];
    for (const e of current) {
      if (!matchesValueFilter(target.filter, e, def?.subAttributes, 'invalidPath')) {
        next.push(e);
      } else if (target.sub && isObject(e)) {
        const copy = cloneJson(e) as Record<string, unknown>;
        deleteKey(copy, target.sub.name);
        if (Object.keys(copy).length > 0) next.push(copy);
      }
    }
    if (next.length === 0) deleteKey(container, name);
    else setOwn(container, name, next);
    return;
  }

  if (target.sub) {
    if (Array.isArray(current)) {
      const next = current
        .map((e) => {
          if (!isObject(e)) return e;
          const copy = cloneJson(e) as Record<string, unknown>;
          deleteKey(copy, target.sub!.name);
          return copy;
        })
        .filter((e) => !(isObject(e) && Object.keys(e).length === 0));
      if (next.length === 0) deleteKey(container, name);
      else setOwn(container, name, next);
    } else if (isObject(current)) {
      const copy = cloneJson(current) as Record<string, unknown>;
      deleteKey(copy, target.sub.name);
      if (Object.keys(copy).length === 0) deleteKey(container, name);
      else setOwn(container, name, copy);
    }
    return;
  }

  // Entra removes group members (and Okta list values) by listing them in `value`.
  if (Array.isArray(current) && value !== undefined && value !== null) {
    const items = Array.isArray(value) ? value : [value];
    const next = current.filter((e) => !items.some((item) => elementMatches(e, item, def)));
    if (next.length === 0) deleteKey(container, name);
    else setOwn(container, name, next);
    return;
  }
  deleteKey(container, name);
}

/** `item` (a `{value: ...}` object or a bare value) identifies list element `element`. */
function elementMatches(element: unknown, item: unknown, def: AttributeDef | undefined): boolean {
  if (isObject(item)) {
    const keys = Object.keys(item).filter((k) => item[k] !== null && item[k] !== undefined);
    if (keys.length === 0) return false;
    return keys.every((k) => {
      const subDef = findAttribute(def?.subAttributes, k);
      const name = subDef?.name ?? k;
      return compareValues('eq', getAttribute(element, name, name.toLowerCase()), item[k], { caseExact: subDef?.caseExact ?? false, dateTime: subDef?.type === 'dateTime' }, 'UTC');
    });
  }
  return compareValues('eq', element, item, { caseExact: def?.caseExact ?? false, dateTime: def?.type === 'dateTime' }, 'UTC');
}
