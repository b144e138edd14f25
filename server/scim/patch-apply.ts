// Server: a checked User PATCH (patch.ts) applied to a working copy of the stored resource ->
// the patched copy, or the error the stored data leads to, returned as a value: never a throw.

import type { LiteralValue } from '../../dsl/ast.ts';
import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { compareValues, getAttribute, isPlainObject as isObject } from '../../dsl/values.ts';
import { scimError, type ScimError } from '../errors.ts';
import { cloneJson, deleteOwn, ownKey, ownValue, put, sameJson, setOwn } from './json.ts';
import type { PatchOp } from './patch-ops.ts';
import { attributeNamed } from './schema-lookup.ts';
import type { ElementTest } from './value-path-filter.ts';

/** Where one edit lands, its path resolved against the scope. */
export interface Target {
  /** 1-based position of the operation in the request, for messages. */
  readonly n: number;
  /** The extension URN whose object holds the attribute; undefined for core attributes. */
  readonly urn: string | undefined;
  /** Canonical name (or as written for an unknown attribute). */
  readonly name: string;
  readonly def: AttributeDef | undefined;
  /** A value path: which elements it selects, and the element `eq` terms pin down (if only those). */
  readonly filter: { readonly matches: ElementTest; readonly terms: Readonly<Record<string, LiteralValue>> | undefined } | undefined;
  readonly sub: { readonly name: string; readonly def: AttributeDef | undefined } | undefined;
  /** The attribute (or sub-attribute) is `immutable`: it may be added while it has no value, never changed. */
  readonly immutable?: boolean;
}

/** A complex value as a merge: sub-attributes it sets (canonical) and those it nulls. */
export interface Merge {
  readonly nulls: readonly string[];
  readonly entries: readonly (readonly [string, unknown])[];
}

/**
 * What an add or replace writes, canonicalised for its target before anything changes
 * (undefined values unassign). `filtered`: a value path; `built` is the element an unmatched
 * one adds (undefined: nothing to add; an error when the filter's terms are not valid values);
 * `invalid`, for a filter without terms, is the value's error, which counts once an element matches.
 * `sub`: a sub-attribute of every element (or of the object). `whole`: the attribute, as a
 * value and, for a complex attribute given an object, as a merge.
 */
export type Write =
  | { readonly form: 'filtered'; readonly sub: unknown; readonly merge: Merge | undefined; readonly built: unknown | ScimError; readonly invalid?: ScimError }
  | { readonly form: 'sub'; readonly sub: unknown }
  | { readonly form: 'whole'; readonly whole: unknown; readonly merge: Merge | undefined };

/** One checked change of a User PATCH, in request order. */
export type UserEdit =
  | { readonly kind: 'dropExtension'; readonly urn: string }
  /** A path-less value echoes `id`: it must be the resource's own. */
  | { readonly kind: 'sameId'; readonly n: number; readonly value: unknown }
  | { readonly kind: 'write'; readonly op: Exclude<PatchOp, 'remove'>; readonly target: Target; readonly write: Write }
  | { readonly kind: 'remove'; readonly target: Target; readonly items: readonly unknown[] | undefined };

/** A User PATCH, checked: its edits and what applying them needs. */
export interface UserPatch {
  readonly edits: readonly UserEdit[];
  readonly scope: Scope;
  readonly timezone: string;
}

/** Applies a merge to `into` (a fresh object of the working copy). */
export function applyMerge(into: Record<string, unknown>, merge: Merge): void {
  for (const k of merge.nulls) deleteOwn(into, k);
  for (const [k, v] of merge.entries) setOwn(into, k, v);
}

/**
 * Applies every edit in order to `working` (a fresh copy the caller owns) and returns it, or
 * the first error that depends on the stored data (an unmatched value path whose filter cannot
 * build an element, or builds one that is not a valid value).
 */
export function applyEdits(working: Record<string, unknown>, patch: UserPatch, id?: string): Record<string, unknown> | ScimError {
  for (const edit of patch.edits) {
    if (edit.kind === 'dropExtension') {
      deleteOwn(working, edit.urn);
      continue;
    }
    if (edit.kind === 'sameId') {
      if (id !== undefined && edit.value !== id) return scimError('PATCH_READ_ONLY', { n: edit.n, attribute: 'id' });
      continue;
    }
    const container = containerOf(working, edit.target, edit.kind === 'write');
    if (!container) continue;
    if (edit.target.immutable && hasValue(container, edit.target)) {
      const label = edit.target.sub ? `${edit.target.name}.${edit.target.sub.name}` : edit.target.name;
      return scimError('PATCH_IMMUTABLE', { n: edit.target.n, attribute: label });
    }
    const problem = edit.kind === 'write' ? write(container, edit.target, edit.op, edit.write) : remove(container, edit.target, edit.items, patch.timezone);
    if (problem) return problem;
    if (edit.target.urn !== undefined && Object.keys(container).length === 0) deleteOwn(working, edit.target.urn);
  }
  return working;
}

/** Whether the target (its sub-attribute in any element, for a sub path) has a value in `container`. */
function hasValue(container: Record<string, unknown>, target: Target): boolean {
  const current = ownValue(container, target.name);
  if (current === undefined || current === null) return false;
  if (!target.sub) return !Array.isArray(current) || current.length > 0;
  const sub = target.sub.name;
  const elements = Array.isArray(current) ? current : [current];
  return elements.some((e) => isObject(e) && (!target.filter || target.filter.matches(e)) && ownValue(e, sub) !== undefined);
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

/**
 * Only one element of a multi-valued attribute may be primary (RFC 7643 §2.4): the last one the
 * request wrote (`preferred`), else the last one in the list, as if written one after another.
 */
function keepOnePrimary(list: unknown[], preferred: ReadonlySet<unknown>): void {
  const primaries = list.filter((e) => isObject(e) && e.primary === true);
  if (primaries.length <= 1) return;
  const keep = primaries.filter((e) => preferred.has(e)).pop() ?? primaries[primaries.length - 1];
  for (const e of primaries) if (e !== keep) (e as Record<string, unknown>).primary = false;
}

/** A copy of `e` with `sub` set to `v` (removed when undefined). */
function withSub(e: Record<string, unknown>, sub: string, v: unknown): Record<string, unknown> {
  const copy = cloneJson(e) as Record<string, unknown>;
  if (v === undefined) deleteOwn(copy, sub);
  else setOwn(copy, sub, v);
  return copy;
}

function write(container: Record<string, unknown>, target: Target, op: 'add' | 'replace', w: Write): ScimError | undefined {
  const { def, name } = target;
  const current = ownValue(container, name);
  if (w.form === 'filtered') return writeFiltered(container, target, op, w, current);

  if (w.form === 'sub') {
    const sub = target.sub!.name;
    if (def ? def.multiValued : Array.isArray(current)) {
      const list = Array.isArray(current) ? current : [];
      if (list.length === 0) {
        if (w.sub !== undefined) setOwn(container, name, [Object.fromEntries([[sub, w.sub]])]);
        return;
      }
      setOwn(container, name, list.map((e) => (isObject(e) ? withSub(e, sub, w.sub) : e)));
      return;
    }
    const obj = isObject(current) ? current : {};
    if (w.sub === undefined) deleteOwn(obj, sub);
    else setOwn(obj, sub, w.sub);
    setOwn(container, name, obj);
    return;
  }

  if (def ? def.multiValued : Array.isArray(current)) {
    const incoming = w.whole;
    if (incoming === undefined) {
      if (op === 'replace') deleteOwn(container, name);
      return;
    }
    const given = Array.isArray(incoming) ? incoming : [incoming];
    if (op === 'replace') {
      keepOnePrimary(given, new Set());
      setOwn(container, name, given);
      return;
    }
    // RFC 7644 §3.5.2.1: a value already there is not added again (whatever its member order).
    // The values are added one after another (onto no value too): a primary one takes primary
    // from the others (RFC 7643 §2.4) before the next is compared, so that a value equal to one
    // it has just made non-primary is not added beside it.
    const next = Array.isArray(current) ? [...current] : [];
    for (const e of given) {
      if (next.some((x) => sameJson(x, e))) continue;
      next.push(e);
      keepOnePrimary(next, new Set([e]));
    }
    setOwn(container, name, next);
    return;
  }

  if (w.merge && (def?.type === 'complex' || isObject(current))) {
    const obj = isObject(current) ? current : {};
    applyMerge(obj, w.merge);
    if (Object.keys(obj).length === 0) deleteOwn(container, name);
    else setOwn(container, name, obj);
    return;
  }

  if (w.whole === undefined) deleteOwn(container, name);
  else setOwn(container, name, w.whole);
}

function writeFiltered(container: Record<string, unknown>, target: Target, op: 'add' | 'replace', w: Write & { form: 'filtered' }, current: unknown): ScimError | undefined {
  const { name } = target;
  const filter = target.filter!;
  const list = Array.isArray(current) ? current : [];
  const matched = list.filter((e) => filter.matches(e));
  if (matched.length === 0) {
    if (!filter.terms) return scimError('PATCH_NO_TARGET', { n: target.n, attribute: name });
    if (w.built instanceof Error) return w.built as ScimError;
    if (w.built === undefined) return;
    const made = cloneJson(w.built);
    const next = [...list, made];
    keepOnePrimary(next, new Set([made]));
    setOwn(container, name, next);
    return;
  }
  if (w.invalid) return w.invalid;
  const touched = new Set<unknown>();
  const next = list.map((e) => {
    if (!matched.includes(e) || !isObject(e)) return e;
    let changed: Record<string, unknown>;
    if (target.sub) {
      changed = withSub(e, target.sub.name, w.sub);
    } else if (op === 'replace') {
      // The replaced element keeps what the filter pinned down (its `type`) unless the value says otherwise.
      changed = cloneJson(filter.terms ?? {}) as Record<string, unknown>;
      applyMerge(changed, w.merge!);
    } else {
      changed = cloneJson(e) as Record<string, unknown>;
      applyMerge(changed, w.merge!);
    }
    touched.add(changed);
    return changed;
  });
  keepOnePrimary(next, touched);
  setOwn(container, name, next);
  return;
}

function remove(container: Record<string, unknown>, target: Target, items: readonly unknown[] | undefined, timezone: string): undefined {
  const { def, name } = target;
  const current = ownValue(container, name);
  if (current === undefined) return;
  const store = (next: unknown[]) => (next.length === 0 ? deleteOwn(container, name) : setOwn(container, name, next));

  if (target.filter) {
    if (!Array.isArray(current)) return;
    const next: unknown[] = [];
    for (const e of current) {
      if (!target.filter.matches(e)) {
        next.push(e);
      } else if (target.sub && isObject(e)) {
        const copy = withSub(e, target.sub.name, undefined);
        if (Object.keys(copy).length > 0) next.push(copy);
      }
    }
    store(next);
    return;
  }

  if (target.sub) {
    const sub = target.sub.name;
    if (Array.isArray(current)) {
      store(current.map((e) => (isObject(e) ? withSub(e, sub, undefined) : e)).filter((e) => !(isObject(e) && Object.keys(e).length === 0)));
    } else if (isObject(current)) {
      const copy = withSub(current, sub, undefined);
      if (Object.keys(copy).length === 0) deleteOwn(container, name);
      else setOwn(container, name, copy);
    }
    return;
  }

  // Entra removes group members (and Okta list values) by listing them in `value`.
  if (Array.isArray(current) && items !== undefined) {
    store(current.filter((e) => !items.some((item) => elementMatches(e, item, def, timezone))));
    return;
  }
  deleteOwn(container, name);
}

/** `item` (a `{value: ...}` object or a bare value) identifies list element `element`. */
function elementMatches(element: unknown, item: unknown, def: AttributeDef | undefined, timezone: string): boolean {
  if (isObject(item)) {
    const keys = Object.keys(item).filter((k) => item[k] !== null && item[k] !== undefined);
    if (keys.length === 0) return false;
    return keys.every((k) => {
      const subDef = attributeNamed(def?.subAttributes, k);
      const name = subDef?.name ?? k;
      return compareValues('eq', getAttribute(element, name, name.toLowerCase()), item[k], { caseExact: subDef?.caseExact ?? false, dateTime: subDef?.type === 'dateTime' }, timezone);
    });
  }
  return compareValues('eq', element, item, { caseExact: def?.caseExact ?? false, dateTime: def?.type === 'dateTime' }, timezone);
}
