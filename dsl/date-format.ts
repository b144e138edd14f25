// The runtime of `parseDate(text, format)`: reads a date written in a declared format
// (`dd-MM-yyyy`, `yyyyMMdd`, `d/M/yyyy HH:mm`) as a wall-clock time in the tenant's zone.

import { isWallClock, wallClockToInstant } from './values.ts';

const fields: Readonly<Record<string, { readonly field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'; readonly digits: string }>> = {
  yyyy: { field: 'year', digits: '(\\d{4})' },
  MM: { field: 'month', digits: '(\\d{2})' },
  M: { field: 'month', digits: '(\\d{1,2})' },
  dd: { field: 'day', digits: '(\\d{2})' },
  d: { field: 'day', digits: '(\\d{1,2})' },
  HH: { field: 'hour', digits: '(\\d{2})' },
  mm: { field: 'minute', digits: '(\\d{2})' },
  ss: { field: 'second', digits: '(\\d{2})' },
};
const token = /yyyy|MM|M|dd|d|HH|mm|ss/g;

/** The pattern of a format, or undefined when it does not name a year, a month and a day once each. */
export function compileDateFormat(format: string): { readonly pattern: RegExp; readonly order: readonly string[] } | undefined {
  const order: string[] = [];
  let source = '';
  let last = 0;
  for (const m of format.matchAll(token)) {
    source += escape(format.slice(last, m.index)) + fields[m[0]]!.digits;
    order.push(fields[m[0]]!.field);
    last = m.index + m[0].length;
  }
  source += escape(format.slice(last));
  const unique = new Set(order);
  if (unique.size !== order.length || !unique.has('year') || !unique.has('month') || !unique.has('day')) return undefined;
  return { pattern: new RegExp(`^${source}$`), order };
}

type Compiled = ReturnType<typeof compileDateFormat>;

// Formats compiled once each: a tenant file names a few (a format read from a column could name
// many, so the cache is bounded).
const compiled = new Map<string, Compiled>();
const MAX_CACHED = 256;

function compiledFormat(format: string): Compiled {
  if (compiled.has(format)) return compiled.get(format);
  const c = compileDateFormat(format);
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(format, c);
  return c;
}

/** The instant `text` names in `format`, or NaN when it does not match or is no real date. */
export function parseDateFormat(text: string, format: string, timezone: string): number {
  const c = compiledFormat(format);
  const m = c?.pattern.exec(text.trim());
  if (!c || !m) return Number.NaN;
  const v: Record<string, number> = { hour: 0, minute: 0, second: 0 };
  c.order.forEach((field, i) => (v[field] = Number(m[i + 1])));
  const { year, month, day, hour, minute, second } = v as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  if (!isWallClock(year, month, day, hour, minute, second)) return Number.NaN;
  return wallClockToInstant(year, month, day, hour, minute, second, 0, timezone);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
