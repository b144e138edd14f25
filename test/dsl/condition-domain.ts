// Test oracle for the condition analyses: a few attributes of several types, generated
// conditions over them, small concrete value domains and brute-force enumeration of users.

import fc from 'fast-check';
import { ACME, ENTERPRISE } from './reference-interpreter.ts';

/** An attribute the generated conditions read: where it lives in the root and its kind. */
export interface TestAttribute {
  readonly written: string;
  readonly kind: 'string' | 'boolean' | 'number' | 'dateTime';
  /** The root location: [key] or [parent, key]. */
  readonly at: readonly string[];
}

export const userAttributes: readonly TestAttribute[] = [
  { written: 'title', kind: 'string', at: ['title'] },
  { written: 'externalId', kind: 'string', at: ['externalId'] },
  { written: 'enterprise.department', kind: 'string', at: [ENTERPRISE, 'department'] },
  { written: 'active', kind: 'boolean', at: ['active'] },
  { written: 'score', kind: 'number', at: ['score'] },
  { written: 'acme.employmentEndDate', kind: 'dateTime', at: [ACME, 'employmentEndDate'] },
];

export const profileAttributes: readonly TestAttribute[] = [
  { written: 'function', kind: 'string', at: ['function'] },
  { written: 'department', kind: 'string', at: ['department'] },
  { written: 'level', kind: 'number', at: ['level'] },
  { written: 'manager', kind: 'boolean', at: ['manager'] },
];

const STRINGS = ['"A"', '"a"', '"Sales"', '"sales"', '"b"', '""'];
const NUMBERS = ['1', '2'];
const BOOLEANS = ['true', 'false'];

const literalsFor = (a: TestAttribute): readonly string[] =>
  a.kind === 'string' ? STRINGS : a.kind === 'number' ? NUMBERS : a.kind === 'boolean' ? BOOLEANS : ['"2026-01-01T00:00:00Z"'];

/** Options of the condition generator: `opaque` adds functions, `??`, order and date clauses. */
export function conditionArb(attributes: readonly TestAttribute[], opaque: boolean): fc.Arbitrary<string> {
  const attr = fc.constantFrom(...attributes.filter((a) => a.kind !== 'dateTime'));
  const strings = attributes.filter((a) => a.kind === 'string');
  const simple = fc.oneof(
    fc.tuple(attr, fc.constantFrom('eq', 'ne', 'EQ', '=='), fc.nat()).map(([a, op, i]) => `${a.written} ${op} ${pick(literalsFor(a), i)}`),
    fc.tuple(attr, fc.nat()).map(([a, i]) => `${pick(literalsFor(a), i)} eq ${a.written}`),
    attr.map((a) => `${a.written} pr`),
    attr.map((a) => `${a.written} eq null`),
    attr.map((a) => `${a.written} ne null`),
    fc.tuple(attr, fc.boolean(), fc.array(fc.nat(), { maxLength: 3 })).map(
      ([a, neg, is]) => `${a.written} ${neg ? 'not in' : 'in'} [${is.map((i) => pick(literalsFor(a), i)).join(', ')}]`,
    ),
    fc.constantFrom(...attributes.filter((a) => a.kind === 'boolean')).map((a) => a.written),
  );
  const s = fc.constantFrom(...strings).map((a) => a.written);
  const lit = fc.constantFrom(...STRINGS);
  const functions = fc.oneof(
    fc.tuple(s, lit, lit).map(([a, d, v]) => `(${a} ?? ${d}) eq ${v}`),
    fc.tuple(s, s, lit).map(([a, b, v]) => `(${a} ?? ${b}) ne ${v}`),
    fc.tuple(s, lit).map(([a, v]) => `lower(${a}) eq ${v}`),
    fc.tuple(s, lit, lit).map(([a, x, v]) => `concat(${a}, ${x}) eq ${v}`),
    fc.tuple(s, lit).map(([a, v]) => `trim(${a}) ne ${v}`),
    fc.tuple(s, lit).map(([a, v]) => `${a} co ${v}`),
    fc.tuple(s, lit, lit).map(([a, x, v]) => `coalesce(${a}, ${x}) eq ${v}`),
    fc.tuple(s).map(([a]) => `upper(${a}) pr`),
    ...(attributes.some((a) => a.kind === 'dateTime')
      ? [fc.constantFrom('acme.employmentEndDate le now()', 'acme.employmentEndDate gt now()', '(acme.employmentEndDate ?? "2026-01-01T00:00:00Z") le now()', 'acme.employmentEndDate pr', 'acme.employmentEndDate eq null')]
      : []),
    fc.constantFrom('score gt 1', 'level ge 2').filter((c) => attributes.some((a) => c.startsWith(a.written))),
    ...attributes
      .filter((a) => a.kind === 'number')
      .map((n) => fc.tuple(s, lit, fc.boolean()).map(([a, v, neg]) => `${neg ? 'not ' : ''}(substring(${a}, ${n.written}) eq ${v})`)),
    ...(attributes.some((a) => a.kind === 'dateTime') && attributes.some((a) => a.written === 'score')
      ? [fc.constantFrom('addDays(acme.employmentEndDate, score) le now()', 'addDays(now(), score) gt acme.employmentEndDate', '(title ?? enterprise.department) co "a"')]
      : []),
  );
  const atom = opaque ? fc.oneof(simple, functions) : simple;
  const { cond } = fc.letrec<{ cond: string }>((tie) => ({
    cond: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      tie('cond').map((c) => `not (${c})`),
      fc.tuple(tie('cond'), fc.constantFrom('and', 'or'), tie('cond')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    ),
  }));
  return cond;
}

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length]!;
}

/** The attributes `source` reads (by their written name; no attribute name is a prefix of another's use). */
export function referenced(source: string, attributes: readonly TestAttribute[]): TestAttribute[] {
  return attributes.filter((a) => new RegExp(`(^|[^.\\w])${a.written.replace('.', '\\.')}\\b`).test(source));
}

const MISSING = Symbol('missing');
export type DomainValue = unknown | typeof MISSING;
export { MISSING };

/**
 * The concrete values tried for `a` in `source`: the literals written in it (and their case
 * variants), `""` (present but empty: `ne null` and not `pr`), one other value and missing. Dates: one past and one future instant.
 */
export function domain(a: TestAttribute, source: string): DomainValue[] {
  const values: DomainValue[] = [MISSING];
  const add = (v: unknown) => {
    if (!values.some((w) => Object.is(w, v))) values.push(v);
  };
  if (a.kind === 'dateTime') {
    add('2000-01-01T00:00:00Z');
    add('2200-01-01T00:00:00Z');
    return values;
  }
  if (a.kind === 'boolean') {
    for (const b of [true, false, 'True', 'other']) add(b);
    return values;
  }
  if (a.kind === 'number') {
    for (const n of NUMBERS) if (source.includes(n)) add(Number(n));
    add(7);
    return values;
  }
  for (const m of source.matchAll(/"([^"]*)"/g)) {
    const text = m[1]!;
    add(text);
    add(text.toUpperCase());
    add(text.toLowerCase());
  }
  add('');
  add('zz-other');
  return values;
}

/** The root with `a` set to each value of `values` (MISSING: not set). */
export function rootOf(attributes: readonly TestAttribute[], values: readonly DomainValue[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  attributes.forEach((a, i) => {
    const v = values[i];
    if (v === MISSING) return;
    if (a.at.length === 1) root[a.at[0]!] = v;
    else ((root[a.at[0]!] ??= {}) as Record<string, unknown>)[a.at[1]!] = v;
  });
  return root;
}

/** Every combination of the domains, in odometer order, until `visit` returns true. */
export function someCombination(domains: readonly DomainValue[][], visit: (values: DomainValue[]) => boolean): boolean {
  const index = domains.map(() => 0);
  if (domains.some((d) => d.length === 0)) return false;
  for (;;) {
    if (visit(index.map((i, k) => domains[k]![i]))) return true;
    let k = 0;
    while (k < domains.length && ++index[k]! === domains[k]!.length) index[k++] = 0;
    if (k === domains.length) return false;
  }
}
