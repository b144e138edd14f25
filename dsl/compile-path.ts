// Path reading of the compiled closures: a resolved attribute path -> a closure that reads it
// from the root (flattening multi-valued steps, applying value filters), and the first-match fast path.

import type { Expr } from './ast.ts';
import type { ResolvedPath } from './resolve.ts';
import type { EvalContext } from './types.ts';
import { getAttribute } from './values.ts';

/** A closure of the compiled expression. */
export type Fn = (ctx: EvalContext) => unknown;
/** A compiled condition: a strict boolean. */
export type Pred = (ctx: EvalContext) => boolean;

/** A filter evaluates with each element as the root: one reusable context per filter node. */
interface ScratchContext {
  root: Readonly<Record<string, unknown>>;
  now: Date;
  timezone: string;
  trace?: EvalContext['trace'];
}

/** Flattens one path step over a list: missing values are dropped, list values spliced in. */
function stepOverList(list: readonly unknown[], key: string, lower: string): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const x = getAttribute(list[i], key, lower);
    if (Array.isArray(x)) {
      for (let j = 0; j < x.length; j++) if (x[j] !== null && x[j] !== undefined) out.push(x[j]);
    } else if (x !== null) {
      out.push(x);
    }
  }
  return out;
}

function applyFilter(value: unknown, pred: Pred, ctx: EvalContext, scratch: ScratchContext): unknown {
  if (value === null) return null;
  // A node never evaluates inside itself, so one scratch context per filter node is enough.
  scratch.now = ctx.now;
  scratch.timezone = ctx.timezone;
  scratch.trace = ctx.trace;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      scratch.root = value[i] as Record<string, unknown>;
      if (pred(scratch)) out.push(value[i]);
    }
    return out;
  }
  scratch.root = value as Record<string, unknown>;
  return pred(scratch) ? value : null;
}

/** Reads a resolved path from `ctx.root`; value filters are compiled with `condition`. */
export function pathReader(r: ResolvedPath, condition: (expr: Expr) => Pred): Fn {
  type Step = { key: string; lower: string; filter?: Pred; scratch?: ScratchContext };
  const steps: Step[] = [];
  if (r.urn !== undefined) steps.push({ key: r.urn, lower: r.urn.toLowerCase() });
  for (const s of r.steps) {
    const step: Step = { key: s.name, lower: s.name.toLowerCase() };
    if (s.filter) {
      step.filter = condition(s.filter);
      step.scratch = { root: {}, now: new Date(0), timezone: 'UTC' };
    }
    steps.push(step);
  }
  if (steps.length === 1 && !steps[0]!.filter) {
    const { key, lower } = steps[0]!;
    return (ctx) => getAttribute(ctx.root, key, lower);
  }
  if (steps.length === 2 && !steps[0]!.filter && !steps[1]!.filter) {
    const [a, b] = steps as [Step, Step];
    return (ctx) => {
      const v = getAttribute(ctx.root, a.key, a.lower);
      if (v === null) return null;
      return Array.isArray(v) ? stepOverList(v, b.key, b.lower) : getAttribute(v, b.key, b.lower);
    };
  }
  const n = steps.length;
  return (ctx) => {
    let cur: unknown = ctx.root;
    for (let i = 0; i < n; i++) {
      const s = steps[i]!;
      cur = Array.isArray(cur) ? stepOverList(cur, s.key, s.lower) : getAttribute(cur, s.key, s.lower);
      if (s.filter) cur = applyFilter(cur, s.filter, ctx, s.scratch!);
    }
    return cur;
  };
}

/**
 * `attr[filter].sub` in a mapping, without building lists: the `sub` of the first element for
 * which the filter holds and whose `sub` is present, as the general reader's first item would be.
 */
export function firstMatch(r: ResolvedPath, condition: (expr: Expr) => Pred): Fn | undefined {
  if (r.urn !== undefined || r.steps.length !== 2) return undefined;
  const [outer, inner] = r.steps as [ResolvedPath['steps'][number], ResolvedPath['steps'][number]];
  if (!outer.filter || inner.filter) return undefined;
  const filter = condition(outer.filter);
  const scratch: ScratchContext = { root: {}, now: new Date(0), timezone: 'UTC' };
  const general = pathReader(r, condition);
  const key = outer.name;
  const lower = key.toLowerCase();
  const subKey = inner.name;
  const subLower = subKey.toLowerCase();
  return (ctx) => {
    const list = getAttribute(ctx.root, key, lower);
    if (!Array.isArray(list)) {
      const all = general(ctx);
      return Array.isArray(all) ? (all.length > 0 ? all[0] : null) : all;
    }
    scratch.now = ctx.now;
    scratch.timezone = ctx.timezone;
    scratch.trace = ctx.trace;
    for (let i = 0; i < list.length; i++) {
      const element = list[i];
      if (typeof element !== 'object' || element === null || Array.isArray(element)) continue;
      scratch.root = element as Record<string, unknown>;
      if (!filter(scratch)) continue;
      const v = getAttribute(element, subKey, subLower);
      if (Array.isArray(v)) {
        for (let j = 0; j < v.length; j++) if (v[j] !== null && v[j] !== undefined) return v[j];
      } else if (v !== null) {
        return v;
      }
    }
    return null;
  };
}
