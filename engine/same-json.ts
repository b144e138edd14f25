// Engine: equality of JSON values whatever the order of object keys.

/**
 * Whether two JSON values are the same, ignoring the order of object keys (a stored resource and
 * a new one; an attribute's stored value and its new one): objects are the same when they have
 * the same keys with the same values, in any order; undefined is null, as in JSON text. It
 * walks both values without building their text: this runs for every attribute of every write.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null) return b === undefined || b === null;
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
