// Runtime value semantics of the expression language (SPEC §3, RFC 7644 §3.4.2.2): attribute
// lookup, presence, comparison, date-times in a tenant's time zone. Shared by compile.ts and the server.

import type { CompareOp } from './ast.ts';

/*
 * Decisions where RFC 7644 is silent (documented here once, relied on by compile.ts):
 * - A missing attribute (null, undefined or an empty list) is null. `x eq null` holds when x is
 *   null; `x ne null` when it is not. Every other comparison with null is false, except `ne`:
 *   `ne` is "not equal", so a missing `department ne "Sales"` holds (as most SCIM servers do).
 * - On a list, every operator (`ne` included) holds when it holds for ANY element; a complex
 *   element (plain object) is compared through its `value` sub-attribute (RFC 7644 §3.4.2.2).
 * - `x not in [..]` is the plain negation of `x in [..]`: a missing x is `not in` any list of
 *   non-null values.
 * - Booleans compare with booleans only; the strings "true"/"false" (any case) count as booleans
 *   because clients send them. Numbers compare with numbers; a numeric string counts as a number.
 * - Strings compare case-insensitively (`toLowerCase`, then UTF-16 code-unit order for
 *   gt/ge/lt/le) unless caseExact.
 * - A date-time compares with a date-time: a Date or an ISO 8601 string; a string without a zone
 *   offset (a date-only string included) is wall-clock time in the tenant's time zone.
 */

const objectPrototype = Object.prototype as unknown as Record<string, unknown>;

/** A JS plain object as produced by JSON.parse: a complex SCIM value. Dates and lists are not. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * The attribute `key` of a complex value: the own property `key` first, then a case-insensitive
 * scan of own enumerable keys (`lower` is `key.toLowerCase()`). Never reads the prototype chain,
 * so `__proto__`, `constructor` and `toString` are ordinary names. Missing -> null.
 */
export function getAttribute(obj: unknown, key: string, lower: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const v = (obj as Record<string, unknown>)[key];
  if (v !== undefined) {
    // Fast path without a second lookup: a value that differs from Object.prototype's and is not
    // a function cannot come from a JSON object's prototype chain (`__proto__` is an accessor whose
    // value depends on the receiver, so it always takes the slow path). Otherwise confirm it is own.
    if ((v !== objectPrototype[key] && typeof v !== 'function' && key !== '__proto__') || Object.hasOwn(obj, key)) return v;
  }
  const n = lower.length;
  for (const k in obj) {
    if (k.length === n && k !== key && k.toLowerCase() === lower && Object.hasOwn(obj, k)) {
      const w = (obj as Record<string, unknown>)[k];
      return w === undefined ? null : w;
    }
  }
  return null;
}

/** Null, undefined, "", [] or {}: what `??`/coalesce skip and `pr` rejects. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** `pr`: present and non-empty; a list needs at least one non-empty element. */
export function isPresent(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (const e of value) if (isPresent(e)) return true;
    return false;
  }
  return !isEmptyValue(value);
}

/** A value used as a condition: true, the string "true" (any case), or a list holding one. */
export function truthy(value: unknown): boolean {
  if (value === true) return true;
  if (typeof value === 'string') return value.length === 4 && value.toLowerCase() === 'true';
  if (Array.isArray(value)) {
    for (const e of value) if (truthy(e)) return true;
  }
  return false;
}

/** Comparison options known statically. */
export interface CompareOptions {
  readonly caseExact: boolean;
  /** One side is statically a dateTime: strings on either side are parsed as ISO 8601. */
  readonly dateTime: boolean;
}

/** `left op right` with SCIM semantics (see the decisions above). Total: never throws. */
export function compareValues(op: CompareOp, left: unknown, right: unknown, options: CompareOptions, timezone: string): boolean {
  if (isPlainObject(left)) left = getAttribute(left, 'value', 'value');
  if (isPlainObject(right)) right = getAttribute(right, 'value', 'value');
  if (Array.isArray(left) && left.length > 0) {
    for (const e of left) if (compareValues(op, e, right, options, timezone)) return true;
    return false;
  }
  if (Array.isArray(right) && right.length > 0) {
    for (const e of right) if (compareValues(op, left, e, options, timezone)) return true;
    return false;
  }
  const leftMissing = left === null || left === undefined || Array.isArray(left);
  const rightMissing = right === null || right === undefined || Array.isArray(right);
  if (leftMissing || rightMissing) {
    if (op === 'eq') return leftMissing && rightMissing;
    if (op === 'ne') return leftMissing !== rightMissing;
    return false;
  }
  return compareScalars(op, left, right, options, timezone);
}

function compareScalars(op: CompareOp, a: unknown, b: unknown, options: CompareOptions, timezone: string): boolean {
  const isDate = options.dateTime || a instanceof Date || b instanceof Date;
  if (isDate && op !== 'co' && op !== 'sw' && op !== 'ew') {
    const ta = toTime(a, timezone);
    const tb = toTime(b, timezone);
    if (Number.isNaN(ta) || Number.isNaN(tb)) return op === 'ne';
    return order(op, ta, tb);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return compareStrings(op, options.caseExact ? a : a.toLowerCase(), options.caseExact ? b : b.toLowerCase());
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const x = toBoolean(a);
    const y = toBoolean(b);
    if (x === null || y === null) return op === 'ne';
    if (op === 'eq') return x === y;
    if (op === 'ne') return x !== y;
    return false;
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const x = toNumber(a);
    const y = toNumber(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return op === 'ne';
    if (op === 'co' || op === 'sw' || op === 'ew') return false;
    return order(op, x, y);
  }
  return op === 'ne';
}

/** String comparison of already case-folded (or caseExact) strings. */
export function compareStrings(op: CompareOp, a: string, b: string): boolean {
  switch (op) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return order(op, a, b);
  }
}

/** eq ne gt ge lt le on two strings or two numbers; `co sw ew` never hold here. */
export function order<T extends string | number>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      return false;
  }
}

function toBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
  }
  return null;
}

/** A number or numeric text as a number; NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : Number.NaN;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** Epoch milliseconds of a Date or an ISO 8601 string; NaN otherwise. */
export function toTime(v: unknown, timezone: string): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') return parseDateTime(v, timezone);
  return Number.NaN;
}

// Linear: no nested quantifiers, so no catastrophic backtracking.
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch milliseconds of an ISO 8601 date or date-time, NaN when invalid. Without a zone offset
 * (a date-only string included) the time is wall-clock time in `timezone`.
 */
export function parseDateTime(text: string, timezone: string): number {
  const m = isoPattern.exec(text.trim());
  if (!m) return Number.NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (!isWallClock(year, month, day, hour, minute, second)) return Number.NaN;
  const zone = m[8];
  if (zone === undefined) {
    if (m[4] === undefined && text.trim().length !== 10) return Number.NaN;
    return wallClockToInstant(year, month, day, hour, minute, second, ms, timezone);
  }
  if (m[4] === undefined) return Number.NaN; // an offset needs a time: `2020-01-01Z` is not ISO 8601
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone === 'Z' || zone === 'z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offH = Number(digits.slice(0, 2));
  const offM = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (offH > 23 || offM > 59) return Number.NaN;
  return utc - sign * (offH * 60 + offM) * 60_000;
}

/** A real calendar day and time of day: month 1-12, the month's days, 00:00:00-23:59:59. */
export function isWallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  return hour <= 23 && minute <= 59 && second <= 59;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timezone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      f = null; // an unknown zone behaves as UTC; the linter reports it (E009)
    }
    formatters.set(timezone, f);
  }
  return f;
}

/** Wall-clock fields of an instant in a time zone (UTC for an unknown zone). */
export function wallClock(instant: number, timezone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const f = formatterFor(timezone);
  if (!f) {
    const d = new Date(instant);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of f.formatToParts(instant)) {
    if (part.type === 'year' || part.type === 'month' || part.type === 'day' || part.type === 'hour' || part.type === 'minute' || part.type === 'second') {
      out[part.type] = Number(part.value);
    }
  }
  return out;
}

function offsetAt(instant: number, timezone: string): number {
  const w = wallClock(instant, timezone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The instant at which the wall clock in `timezone` shows the given time (DST-aware). */
export function wallClockToInstant(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, timezone: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (!formatterFor(timezone)) return guess;
  const first = offsetAt(guess, timezone);
  let t = guess - first;
  const second2 = offsetAt(t, timezone);
  if (second2 !== first) t = guess - second2;
  return t;
}

let todayCache: { now: number; timezone: string; value: number } | undefined;

/** 00:00 of the current day in `timezone`, as an instant. */
export function startOfDay(now: Date, timezone: string): Date {
  const t = now.getTime();
  if (todayCache && todayCache.now === t && todayCache.timezone === timezone) return new Date(todayCache.value);
  const w = wallClock(t, timezone);
  const value = wallClockToInstant(w.year, w.month, w.day, 0, 0, 0, 0, timezone);
  todayCache = { now: t, timezone, value };
  return new Date(value);
}

/** `date` plus `days` calendar days in `timezone`, keeping the wall-clock time across DST. */
export function addCalendarDays(date: Date, days: number, timezone: string): Date {
  const t = date.getTime();
  const w = wallClock(t, timezone);
  const ms = ((t % 1000) + 1000) % 1000;
  return new Date(wallClockToInstant(w.year, w.month, w.day + days, w.hour, w.minute, w.second, ms, timezone));
}
