// Server: plain JSON as clients send it: case-insensitive member look-up, own-property writes
// that never reach `Object.prototype`, and fresh copies without hostile keys.

import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../../dsl/values.ts';
import { scimError } from '../errors.ts';

/** Keys that would reach `Object.prototype` through ordinary assignment or spread-merges. */
const HOSTILE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `__proto__`, `constructor`, `prototype`: never written from client data. */
export const isHostileKey = (key: string): boolean => HOSTILE_KEYS.has(key);

/**
 * Sets an own data property; never invokes the `__proto__` setter. On a plain object that setter
 * is the only accessor assignment can reach, so other keys are assigned (defineProperty on every
 * key was 1.6% of the server's CPU under load, and leaves slower objects to serialise).
 */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The own key of `obj` equal to `name` ignoring case (the exact key first), or undefined. */
export function ownKey(obj: Readonly<Record<string, unknown>>, name: string): string | undefined {
  if (Object.hasOwn(obj, name)) return name;
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return k;
  return undefined;
}

/** The member of `obj` named `name` ignoring case (clients send `operations`, `Method`, `OP`). */
export function ownValue(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = ownKey(obj, name);
  return key === undefined ? undefined : obj[key];
}

/**
 * `ownValue` for many names of one object: the exact key first, else the first key equal to the
 * name ignoring case. The keys are lower-cased once, on the first name that misses exactly.
 */
export function ownValues(obj: Readonly<Record<string, unknown>>): (name: string) => unknown {
  let byLower: Map<string, string> | undefined;
  return (name) => {
    if (Object.hasOwn(obj, name)) return obj[name];
    if (!byLower) {
      byLower = new Map();
      for (const k of Object.keys(obj)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), k);
    }
    const key = byLower.get(name.toLowerCase());
    return key === undefined ? undefined : obj[key];
  };
}

/** Removes the member named `name` ignoring case. */
export function deleteOwn(obj: Record<string, unknown>, name: string): void {
  const key = ownKey(obj, name);
  if (key !== undefined) delete obj[key];
}

/** Sets `name` on `obj`, replacing a differently-cased key. */
export function setOwn(obj: Record<string, unknown>, name: string, value: unknown): void {
  deleteOwn(obj, name);
  put(obj, name, value);
}

/** Deeper data is refused before it is walked (Bulk refuses it too). */
export const MAX_JSON_DEPTH = 64;

/**
 * What a copy keeps of an object's members, decided per key while copying: `drop` leaves the
 * member out, a view copies its value under that view (an object, or each object of a list),
 * undefined copies it whole.
 */
export interface JsonView {
  member(key: string): JsonView | 'drop' | undefined;
}

/**
 * A JSON value copied into fresh plain objects and arrays, without hostile keys, keeping of
 * each object what `view` keeps. Throws VALUE_TOO_DEEP.
 */
export function cloneJson(value: unknown, depth = 0, view?: JsonView): unknown {
  if (depth > MAX_JSON_DEPTH) throw scimError('VALUE_TOO_DEEP');
  if (Array.isArray(value)) return value.map((v) => cloneJson(v, depth + 1, Array.isArray(v) ? undefined : view));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      if (HOSTILE_KEYS.has(k)) continue;
      const v = value[k];
      if (v === undefined) continue;
      const inner = view?.member(k);
      if (inner === 'drop') continue;
      put(out, k, cloneJson(v, depth + 1, inner));
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/**
 * Two JSON values are the same value: equal scalars (strings case-sensitively), lists element by
 * element in order, objects member by member in any member order (jsonb stores members in its
 * own order, so a stored element and the one a client sends again differ only there).
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}
