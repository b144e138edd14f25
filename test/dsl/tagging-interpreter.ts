// Test oracle for provenance: the reference interpreter with every value tagged by the dates,
// photos, certificates and binary data whose text actually reached it on this evaluation, plus
// the documented static rule written out on its own ("which sources can reach the value").

import type { Expr, PathExpr } from '../../dsl/ast.ts';
import type { Analysis } from '../../dsl/check.ts';
import { lookupFunction } from '../../dsl/functions.ts';
import type { Source } from '../../dsl/provenance.ts';
import type { EvalContext } from '../../dsl/types.ts';
import { Interpreter } from './reference-interpreter.ts';

export type Tags = ReadonlySet<Source>;
export interface Tagged {
  readonly value: unknown;
  readonly tags: Tags;
}

const NONE: Tags = new Set();
const union = (...ts: Tags[]): Tags => new Set(ts.flatMap((t) => [...t]));

/** The sources an attribute path names by its definitions (not by the checker's provenance). */
export function pathSources(a: Analysis, e: PathExpr): Tags {
  const r = a.paths.get(e);
  if (!r) return NONE;
  const out = new Set<Source>();
  for (const s of r.steps) if (s.def.media) out.add(s.def.media);
  const last = r.def;
  const value = last.type === 'complex' ? last.subAttributes?.find((s) => s.name.toLowerCase() === 'value') : last;
  if (out.size === 0 && value?.type === 'dateTime') out.add('date');
  if (out.size === 0 && value?.type === 'binary') out.add('binary');
  return out;
}

const nullish = (v: unknown) => v === null || v === undefined;
const blank = (v: unknown) => nullish(v) || v === '' || (Array.isArray(v) && v.length === 0);
const plainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return null;
}

/** Evaluates a value expression with tags: a function's result carries the tags of the arguments whose text reached it. */
export function interpretTagged(a: Analysis, ctx: EvalContext): Tagged {
  const i = new Interpreter(a, ctx);
  const root = ctx.root;
  // A Date is a date whatever brought it in.
  const own = (t: Tagged): Tags => (t.value instanceof Date ? union(t.tags, new Set(['date'])) : t.tags);
  const tv = (e: Expr): Tagged => {
    if (e.kind === 'Group') return tv(e.inner);
    if (e.kind === 'Literal') return { value: e.value, tags: NONE };
    if (e.kind === 'Path') {
      const value = i.val(e, root);
      return { value, tags: blank(value) ? NONE : pathSources(a, e) };
    }
    if (e.kind === 'List') {
      const items = e.items.map(tv);
      return { value: items.map((x) => x.value), tags: union(...items.map(own)) };
    }
    if (e.kind === 'Coalesce') {
      const l = tv(e.left);
      return blank(l.value) ? tv(e.right) : l;
    }
    if (e.kind !== 'Call') return { value: i.val(e, root), tags: NONE };
    const fn = lookupFunction(e.name);
    if (!fn || e.args.length < fn.minArgs || e.args.length > fn.maxArgs) return { value: null, tags: NONE };
    const name = fn.name;
    if (name === 'if') {
      const chosen = i.cond(e.args[0]!, root) ? e.args[1] : e.args[2];
      return chosen ? tv(chosen) : { value: null, tags: NONE };
    }
    const args = e.args.map(tv);
    const value = fn.impl(args.map((x) => x.value), ctx);
    const result = (tags: Tags): Tagged => ({ value, tags: nullish(value) ? NONE : tags });
    const tags = args.map(own);
    switch (name) {
      case 'lower':
      case 'upper':
      case 'trim':
      case 'substring':
      case 'split':
        return result(tags[0]!);
      case 'replace': {
        const [s, find] = [args[0]!.value, args[1]!.value];
        const replaced = typeof s === 'string' && typeof find === 'string' && find !== '' && s.includes(find);
        return result(replaced ? union(tags[0]!, tags[2]!) : tags[0]!);
      }
      case 'concat':
        return result(union(...args.filter((x) => !nullish(x.value)).map(own)));
      case 'join': {
        const contributes = (v: unknown): boolean =>
          Array.isArray(v) ? v.some(contributes) : text(plainObject(v) ? (v as Record<string, unknown>).value : v) !== null;
        const parts = args.slice(1).filter((x) => contributes(x.value));
        const pieces = parts.flatMap((x) => (Array.isArray(x.value) ? x.value.filter(contributes) : [x.value])).length;
        return result(union(...parts.map(own), pieces > 1 ? tags[0]! : NONE));
      }
      case 'coalesce': {
        const first = args.findIndex((x) => !blank(x.value));
        return result(tags[first === -1 ? args.length - 1 : first]!);
      }
      case 'switch': {
        const key = text(args[0]!.value);
        const rest = args.length - 1;
        for (let p = 0; key !== null && p < Math.floor(rest / 2); p++) {
          if (text(args[1 + 2 * p]!.value) === key) return result(tags[2 + 2 * p]!);
        }
        return result(rest % 2 === 1 ? tags[args.length - 1]! : NONE);
      }
      default:
        // now, today, date, addDays: a Date (tagged by `own` where it is read), or null.
        return { value, tags: NONE };
    }
  };
  const out = tv(a.expr);
  return { value: out.value, tags: own(out) };
}

/** The static rule as docs/language.md states it: every source that can reach the value, any branch. */
export function mayTags(a: Analysis, e: Expr): Tags {
  const m = (x: Expr) => mayTags(a, x);
  if (e.kind === 'Group') return m(e.inner);
  if (e.kind === 'Path') return pathSources(a, e);
  if (e.kind === 'List') return union(...e.items.map(m));
  if (e.kind === 'Coalesce') return union(m(e.left), m(e.right));
  if (e.kind !== 'Call') return NONE;
  const fn = lookupFunction(e.name);
  const args = e.args;
  if (!fn || args.length < fn.minArgs || args.length > fn.maxArgs) return union(...args.map(m));
  switch (fn.name) {
    case 'now':
    case 'today':
    case 'date':
    case 'addDays':
      return new Set(['date']);
    case 'lower':
    case 'upper':
    case 'trim':
    case 'substring':
    case 'split':
      return m(args[0]!);
    case 'replace':
      return union(m(args[0]!), m(args[2]!));
    case 'if':
      return union(...args.slice(1).map(m));
    case 'switch':
      return union(...args.filter((_, i) => i >= 2 && (i % 2 === 0 || i === args.length - 1)).map(m));
    default:
      return union(...args.map(m));
  }
}
