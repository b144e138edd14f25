// Server: a client's User body (or one attribute value of it) -> the resource as stored: keys in
// schema case, values of the schema's types, read-only and never-stored attributes dropped,
// attributes the tenant's schemas do not define refused.

import type { AttributeDef, Namespace, Scope } from '../../dsl/types.ts';
import { didYouMean } from '../../dsl/suggest.ts';
import { isPlainObject as isObject } from '../../dsl/values.ts';
import { scimError, type ScimError } from '../errors.ts';
import { isHostileKey, put } from './json.ts';
import { attributeNamed, extensionByUrn, isScimplanUrn, splitUrnKey } from './schema-lookup.ts';

/** Attributes clients may send but that are never stored: server-assigned, read-only, or secret. */
const NEVER_STORED = new Set(['id', 'meta', 'password', 'groups']);

function typeName(def: AttributeDef): string {
  switch (def.type) {
    case 'complex':
      return 'an object';
    case 'boolean':
      return 'a boolean';
    case 'integer':
      return 'an integer';
    case 'decimal':
      return 'a number';
    case 'dateTime':
      return 'an ISO 8601 date-time';
    case 'binary':
      return 'base64 text';
    default:
      return 'a string';
  }
}

/**
 * What an attribute no schema of the tenant defines meets: `refuse` (a client's request: 400
 * UNKNOWN_ATTRIBUTE / UNKNOWN_EXTENSION) or `drop` (a stored resource being rewritten: rows
 * written by versions that kept such attributes lose them at their next write).
 */
export type UnknownAttributes = 'refuse' | 'drop';

/** `; did you mean `userName`?` with the names of `defs` nearest to `name`, or empty. */
export function nearestNames(name: string, defs: readonly AttributeDef[]): string {
  const hint = didYouMean(name, defs.map((d) => d.name));
  return hint ? `; ${hint}` : '';
}

/** 400 invalidValue naming the attribute (never its value), with the nearest names of `defs`. */
function unknownAttribute(label: string, name: string, defs: readonly AttributeDef[]): ScimError {
  return scimError('UNKNOWN_ATTRIBUTE', { attribute: label, hint: nearestNames(name, defs) });
}

function wrongType(label: string, def: AttributeDef): ScimError {
  // Names only: the detail is logged, and values are personal data.
  return scimError('WRONG_TYPE', { attribute: label, type: typeName(def) });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const XSD_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))?$/;

/**
 * RFC 7643 §2.3.5: a dateTime is an xsd:dateTime (`2008-01-23T04:56:22Z`, the zone optional), a
 * real calendar moment: `2024-02-30`, a date alone or text `Date.parse` happens to read are not.
 */
function isXsdDateTime(text: string): boolean {
  const m = XSD_DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk = m[9] === undefined || (Number(m[9]) <= 14 && Number(m[10]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59 && zoneOk;
}

/**
 * One value of `def` in canonical form, or undefined to drop it (null, read-only, empty).
 * Multi-valued attributes take a list; `label` names the attribute in errors.
 * Throws ScimError 400 invalidValue on a wrong type.
 */
export function canonicalValue(def: AttributeDef, value: unknown, label: string, unknown: UnknownAttributes = 'refuse'): unknown {
  if (value === null || value === undefined) return undefined;
  if (def.mutability === 'readOnly') return undefined;
  if (!def.multiValued) return canonicalSingle(def, value, label, unknown);
  if (!Array.isArray(value)) throw scimError('NOT_A_LIST', { attribute: label });
  const out: unknown[] = [];
  for (const item of value) {
    const v = canonicalSingle(def, item, label, unknown);
    if (v !== undefined) out.push(v);
  }
  return out.length === 0 ? undefined : out;
}

/** One element of `def` (for a multi-valued attribute: one list element). */
export function canonicalSingle(def: AttributeDef, value: unknown, label: string, unknown: UnknownAttributes = 'refuse'): unknown {
  if (value === null || value === undefined) return undefined;
  switch (def.type) {
    case 'complex': {
      // The enterprise `manager` arrives as a bare id from Entra: it is the `value` sub-attribute.
      if (typeof value === 'string' && !def.multiValued && attributeNamed(def.subAttributes, 'value')) {
        value = { value };
      }
      if (!isObject(value)) throw wrongType(label, def);
      const out = canonicalObject(def.subAttributes ?? [], value, label, false, unknown);
      return Object.keys(out).length === 0 ? undefined : out;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') {
        // Entra sends "True"/"False".
        const text = value.trim().toLowerCase();
        if (text === 'true') return true;
        if (text === 'false') return false;
      }
      throw wrongType(label, def);
    case 'integer':
    case 'decimal': {
      let n: number = Number.NaN;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && value.trim() !== '') n = Number(value);
      if (!Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) throw wrongType(label, def);
      return n;
    }
    case 'dateTime':
      if (typeof value !== 'string' || !isXsdDateTime(value)) throw wrongType(label, def);
      return value;
    case 'binary':
      // RFC 7643 §2.3.6: base64 as RFC 4648 §4 spells it.
      if (typeof value !== 'string' || !BASE64.test(value)) throw wrongType(label, def);
      return value;
    case 'string':
    case 'reference':
      if (typeof value !== 'string') throw wrongType(label, def);
      return value;
  }
}

/**
 * The attributes of one object (the root, an extension, or a complex value) in canonical
 * form. Known names get their schema case and type; an unknown name with a value is refused or
 * dropped (`unknown`), with null it is nothing. `root` enables the top-level rules.
 */
function canonicalObject(defs: readonly AttributeDef[], body: Record<string, unknown>, prefix: string, root: boolean, unknown: UnknownAttributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(body)) canonicalMember(out, defs, key, body[key], prefix, root, unknown);
  return out;
}

/** One member `key: raw` of an object, written into `out` in canonical form (or nothing); see canonicalObject. */
function canonicalMember(out: Record<string, unknown>, defs: readonly AttributeDef[], key: string, raw: unknown, prefix: string, root: boolean, unknown: UnknownAttributes): void {
  if (isHostileKey(key)) return;
  if (root && NEVER_STORED.has(key.toLowerCase())) return;
  const def = attributeNamed(defs, key);
  const label = prefix === '' ? (def?.name ?? key) : `${prefix}.${def?.name ?? key}`;
  if (!def) {
    if (raw === null || raw === undefined || unknown === 'drop') return;
    throw unknownAttribute(label, key, defs);
  }
  const v = canonicalValue(def, raw, label, unknown);
  if (v !== undefined) put(out, def.name, v);
}

/** The attributes of one extension object, keyed by `urn`. */
function canonicalExtension(ns: Namespace, value: unknown, unknown: UnknownAttributes): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) throw scimError('EXTENSION_NOT_OBJECT', { urn: ns.urn });
  const out = canonicalObject(ns.attributes, value, ns.urn, false, unknown);
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * A client's User body (POST or PUT) in canonical form, as stored in `scim_users.resource`.
 *
 * - Not a JSON object: 400 invalidSyntax.
 * - Keys of core attributes, sub-attributes, extension URNs and extension attributes get the
 *   schema's case; a top-level `urn:...:User:attr` key is moved into its extension object.
 * - Booleans given as "True"/"False" (any case) become booleans, numeric strings of number
 *   attributes numbers; the enterprise `manager` as a plain string becomes `{value}`.
 * - Dropped: `id`, `meta`, `password` (never stored), `groups` and the scimplan extension
 *   (read-only: writes are ignored), read-only (sub-)attributes, null values, empty objects
 *   and lists.
 * - An attribute no schema of the tenant defines (top level, inside a complex value, inside an
 *   extension) is 400 invalidValue UNKNOWN_ATTRIBUTE naming it (with the nearest names), an
 *   extension URN the tenant does not declare UNKNOWN_EXTENSION, so that what is stored is
 *   what a GET returns and `/Schemas` describes; `unknown: 'drop'` drops them instead (a stored
 *   resource rewritten by PATCH). With a null value they are nothing. `__proto__`,
 *   `constructor` and `prototype` keys are dropped everywhere.
 * - A wrong type for a known attribute: 400 invalidValue naming the attribute, never its value.
 *
 * Invariant: the result is fresh plain data (no shared references with `body`) that survives
 * a JSON round trip unchanged, and canonicalUser(canonicalUser(x)) equals canonicalUser(x).
 */
export function canonicalUser(body: unknown, scope: Scope, unknown: UnknownAttributes = 'refuse'): Record<string, unknown> {
  if (!isObject(body)) throw scimError('BODY_NOT_OBJECT');
  const core: Record<string, unknown> = {};
  const extensions = new Map<string, Record<string, unknown>>();
  const extensionOf = (urn: string): Record<string, unknown> => {
    let e = extensions.get(urn);
    if (!e) {
      e = {};
      extensions.set(urn, e);
    }
    return e;
  };
  for (const key of Object.keys(body)) {
    if (isHostileKey(key)) continue;
    const raw = body[key];
    if (key.toLowerCase() === 'schemas') {
      if (raw === null || raw === undefined) continue;
      if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) {
        throw scimError('SCHEMAS_NOT_STRINGS');
      }
      put(core, 'schemas', [...raw]);
      continue;
    }
    if (key.toLowerCase().startsWith('urn:')) {
      if (isScimplanUrn(key)) continue;
      const ns = extensionByUrn(scope, key);
      if (ns) {
        const ext = canonicalExtension(ns, raw, unknown);
        if (ext) Object.entries(ext).forEach(([k, v]) => put(extensionOf(ns.urn), k, v));
        continue;
      }
      const split = splitUrnKey(scope, key);
      if (split) {
        if (isScimplanUrn(split.urn)) continue;
        if (split.namespace) canonicalMember(extensionOf(split.namespace.urn), split.namespace.attributes, split.rest, raw, split.urn, false, unknown);
        else canonicalMember(core, scope.attributes, split.rest, raw, '', true, unknown);
        continue;
      }
      // An extension this tenant does not declare.
      if (raw !== null && raw !== undefined && unknown === 'refuse') throw scimError('UNKNOWN_EXTENSION', { urn: key });
      continue;
    }
    canonicalMember(core, scope.attributes, key, raw, '', true, unknown);
  }
  for (const [urn, ext] of extensions) if (Object.keys(ext).length > 0) put(core, urn, ext);
  return core;
}

