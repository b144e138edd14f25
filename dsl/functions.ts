// The function table of the expression language: names, arities, static signatures and total
// implementations (wrong runtime types give null, nothing throws). Used by check.ts and compile.ts.

import type { EvalContext, Type } from './types.ts';
import {
  addCalendarDays,
  getAttribute,
  isEmptyValue,
  isPlainObject,
  parseDateTime,
  startOfDay,
  truthy,
} from './values.ts';
import { parseDateFormat } from './date-format.ts';

/**
 * What an argument position accepts statically.
 * - `string`: a string or reference (a `picked` value counts as one string).
 * - `number`: a number.
 * - `dateTime`: a date-time, or a string literal that is an ISO 8601 date-time.
 * - `dateText`: a date-time or any string (parsed at runtime; a literal must parse).
 * - `dateFormat`: a string; a literal must be a date format (`dd-MM-yyyy`, dsl/date-format.ts).
 * - `scalar`: one string, reference, number, boolean or date-time; not multi-valued or complex.
 * - `condition`: a condition (boolean).
 * - `any`: anything, lists included.
 */
export type ParamKind = 'string' | 'number' | 'dateTime' | 'dateText' | 'dateFormat' | 'scalar' | 'condition' | 'any';

export interface FunctionDef {
  /** Canonical spelling; lookups are case-insensitive. */
  readonly name: string;
  readonly minArgs: number;
  /** `Infinity` for variadic functions. */
  readonly maxArgs: number;
  /** How the arity reads in messages: `1 argument`, `2 or 3 arguments`. */
  readonly arity: string;
  readonly param: (index: number, count: number) => ParamKind;
  /** Result type from the argument types; arguments of `picked` type arrive reduced to scalars. */
  readonly result: (args: readonly Type[]) => Type;
  /**
   * Whether argument `index` (of `count`) can appear in the result, in whole or in part: the
   * checker carries a date's or photo's provenance through exactly these (dsl/provenance.ts).
   * Conditions, `switch` keys and numeric positions do not flow.
   */
  readonly flows: (index: number, count: number) => boolean;
  /** Total: never throws; wrong runtime types give null. `args` may be reused by the caller. */
  readonly impl: (args: readonly unknown[], ctx: EvalContext) => unknown;
}

const STRING: Type = { kind: 'string' };
const DATETIME: Type = { kind: 'dateTime' };

function isUnmappable(t: Type): boolean {
  return (
    t.kind === 'dateTime' ||
    t.kind === 'binary' ||
    t.kind === 'complex' ||
    t.kind === 'list' ||
    ('multi' in t && t.multi === true) ||
    ('media' in t && t.media !== undefined)
  );
}

/**
 * The type of a value that is one of `types` (branches of `if`, `switch`, `coalesce`, `??`).
 * `null` branches are ignored and `any` wins. Equal kinds merge (multi if either is, caseExact
 * only if both are). Different kinds give the first date-time, binary, complex, multi-valued or
 * media branch if there is one, so a value that may be a date or a list is not taken for text
 * (E204, E303); otherwise the first branch's type (string and reference join to string). Where a
 * date or photo can come from is the checker's provenance (provenance.ts), not this type.
 */
export function joinTypes(types: readonly Type[]): Type {
  let out: Type | undefined;
  for (const t of types) {
    if (t.kind === 'any') return t;
    if (t.kind === 'null') continue;
    if (out === undefined) {
      out = t;
      continue;
    }
    out = joinTwo(out, t);
  }
  return out ?? { kind: 'null' };
}

function joinTwo(a: Type, b: Type): Type {
  if (a.kind === b.kind) {
    if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', of: joinTypes([a.of, b.of]) };
    const multi = ('multi' in a && a.multi === true) || ('multi' in b && b.multi === true);
    const media = ('media' in a ? a.media : undefined) ?? ('media' in b ? b.media : undefined);
    const merged: Record<string, unknown> = { ...a };
    delete merged.picked;
    if (multi) merged.multi = true;
    if (media) merged.media = media;
    if (a.kind === 'string' && b.kind === 'string') merged.caseExact = a.caseExact === true && b.caseExact === true ? true : undefined;
    if (merged.caseExact === undefined) delete merged.caseExact;
    return merged as Type;
  }
  if (isUnmappable(a)) return a;
  if (isUnmappable(b)) return b;
  if ((a.kind === 'string' || a.kind === 'reference') && (b.kind === 'string' || b.kind === 'reference')) return STRING;
  return a;
}

// Runtime helpers. Every one is total.

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function scalarText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function toDate(v: unknown, ctx: EvalContext): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'string') {
    const t = parseDateTime(v, ctx.timezone);
    return Number.isNaN(t) ? null : new Date(t);
  }
  return null;
}

const all = (): boolean => true;
const first = (i: number): boolean => i === 0;

function fixed(name: string, params: readonly ParamKind[], optional: number, result: Type, flows: FunctionDef['flows'], impl: FunctionDef['impl']): FunctionDef {
  const max = params.length;
  const min = max - optional;
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  const arity = min === max ? `${max} ${plural(max)}` : `${min} or ${max} arguments`;
  return { name, minArgs: min, maxArgs: max, arity: max === 0 ? 'no arguments' : arity, param: (i) => params[i] ?? 'any', result: () => result, flows, impl };
}

const definitions: readonly FunctionDef[] = [
  fixed('lower', ['string'], 0, STRING, first, (a) => {
    const s = str(a[0]);
    return s === null ? null : s.toLowerCase();
  }),
  fixed('upper', ['string'], 0, STRING, first, (a) => {
    const s = str(a[0]);
    return s === null ? null : s.toUpperCase();
  }),
  fixed('trim', ['string'], 0, STRING, first, (a) => {
    const s = str(a[0]);
    return s === null ? null : s.trim();
  }),
  {
    name: 'concat',
    minArgs: 1,
    maxArgs: Infinity,
    arity: 'at least 1 argument',
    param: () => 'scalar',
    result: () => STRING,
    flows: all,
    // Null arguments count as "", like Entra's Join with an empty separator.
    impl: (a) => {
      let out = '';
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (v === null || v === undefined) continue;
        const t = scalarText(v);
        if (t === null) return null;
        out += t;
      }
      return out;
    },
  },
  {
    name: 'join',
    minArgs: 2,
    maxArgs: Infinity,
    arity: 'at least 2 arguments',
    param: (i) => (i === 0 ? 'string' : 'any'),
    result: () => STRING,
    flows: all,
    // Entra's Join: skips nulls and flattens lists; a complex element contributes its `value`.
    impl: (a) => {
      const sep = str(a[0]);
      if (sep === null) return null;
      const parts: string[] = [];
      const add = (v: unknown) => {
        if (isPlainObject(v)) v = getAttribute(v, 'value', 'value');
        const t = scalarText(v);
        if (t !== null) parts.push(t);
      };
      for (let i = 1; i < a.length; i++) {
        const v = a[i];
        if (Array.isArray(v)) for (const e of v) add(e);
        else add(v);
      }
      return parts.join(sep);
    },
  },
  {
    name: 'coalesce',
    minArgs: 1,
    maxArgs: Infinity,
    arity: 'at least 1 argument',
    param: () => 'any',
    result: (args) => joinTypes(args),
    flows: all,
    impl: (a) => coalesceValues(a),
  },
  fixed('substring', ['string', 'number', 'number'], 1, STRING, first, (a) => {
    const s = str(a[0]);
    const start = num(a[1]);
    if (s === null || start === null) return null;
    const from = Math.min(Math.max(Math.trunc(start), 0), s.length);
    if (a.length < 3 || a[2] === null || a[2] === undefined) return s.slice(from);
    const length = num(a[2]);
    if (length === null) return null;
    return s.slice(from, from + Math.max(Math.trunc(length), 0));
  }),
  // `find` only decides where `replacement` goes; its own text never reaches the result.
  fixed('replace', ['string', 'string', 'string'], 0, STRING, (i) => i !== 1, (a) => {
    const s = str(a[0]);
    const find = str(a[1]);
    const replacement = str(a[2]);
    if (s === null || find === null || replacement === null) return null;
    return find === '' ? s : s.split(find).join(replacement);
  }),
  fixed('split', ['string', 'string'], 0, { kind: 'list', of: STRING }, first, (a) => {
    const s = str(a[0]);
    const sep = str(a[1]);
    if (s === null || sep === null) return null;
    return sep === '' ? [s] : s.split(sep);
  }),
  {
    name: 'switch',
    minArgs: 3,
    maxArgs: Infinity,
    arity: 'at least 3 arguments',
    param: (i) => (i === 0 ? 'scalar' : 'any'),
    result: (args) => {
      const results: Type[] = [];
      const rest = args.length - 1;
      for (let i = 2; i < args.length; i += 2) results.push(args[i]!);
      if (rest % 2 === 1) results.push(args[args.length - 1]!);
      return joinTypes(results);
    },
    // The results and the default; the value and the keys only choose among them.
    flows: (i, count) => i >= 2 && (i % 2 === 0 || i === count - 1),
    // Entra's Switch: the first key whose text equals the value's text exactly (case-sensitive);
    // an odd number of arguments after the value ends with the default, else the default is null.
    impl: (a) => {
      const value = scalarText(a[0]);
      const rest = a.length - 1;
      const pairs = Math.floor(rest / 2);
      if (value !== null) {
        for (let p = 0; p < pairs; p++) {
          const key = scalarText(a[1 + 2 * p]);
          if (key !== null && key === value) return norm(a[2 + 2 * p]);
        }
      }
      return rest % 2 === 1 ? norm(a[a.length - 1]) : null;
    },
  },
  {
    name: 'if',
    minArgs: 2,
    maxArgs: 3,
    arity: '2 or 3 arguments',
    param: (i) => (i === 0 ? 'condition' : 'any'),
    result: (args) => joinTypes(args.slice(1)),
    flows: (i) => i > 0,
    impl: (a) => (truthy(a[0]) ? norm(a[1]) : norm(a[2])),
  },
  fixed('now', [], 0, DATETIME, all, (_a, ctx) => ctx.now),
  fixed('today', [], 0, DATETIME, all, (_a, ctx) => startOfDay(ctx.now, ctx.timezone)),
  fixed('date', ['dateText'], 0, DATETIME, all, (a, ctx) => toDate(a[0], ctx)),
  fixed('parseDate', ['string', 'dateFormat'], 0, DATETIME, all, (a, ctx) => {
    const text = str(a[0]);
    const format = str(a[1]);
    if (text === null || format === null) return null;
    const t = parseDateFormat(text, format, ctx.timezone);
    return Number.isNaN(t) ? null : new Date(t);
  }),
  fixed('addDays', ['dateTime', 'number'], 0, DATETIME, first, (a, ctx) => {
    const d = toDate(a[0], ctx);
    const n = num(a[1]);
    if (d === null || n === null) return null;
    const r = addCalendarDays(d, Math.trunc(n), ctx.timezone);
    return Number.isNaN(r.getTime()) ? null : r;
  }),
];

function norm(v: unknown): unknown {
  return v === undefined ? null : v;
}

/** `coalesce(a, ...)` and `a ?? b`: the first argument that is not null, "" or [], else the last. */
export function coalesceValues(args: readonly unknown[]): unknown {
  for (let i = 0; i < args.length; i++) if (!isEmptyValue(args[i])) return args[i];
  return norm(args[args.length - 1]);
}

const table = new Map<string, FunctionDef>(definitions.map((d) => [d.name.toLowerCase(), d]));

/** The function called `name` (case-insensitive), or undefined. */
export function lookupFunction(name: string): FunctionDef | undefined {
  return table.get(name.toLowerCase());
}

/** Canonical names of all functions, for did-you-mean. */
export const functionNames: readonly string[] = definitions.map((d) => d.name);
