// Deep freezing of plain data (parsed JSON and YAML): the one helper that makes a value
// readonly all the way down before it is handed on.

/** Freezes `value` and everything reachable from it; already frozen parts are left as they are. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
