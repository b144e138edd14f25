// Time dependence of a condition: at compile time, finds the comparisons that involve now() or
// today() and returns a NextChange: for one user, the next instant at which the value can change.

import type { CompareOp, Expr } from './ast.ts';
import type { Analysis } from './check.ts';
import { compileParts, type CompiledParts } from './compile.ts';
import { dependsOnTime } from './time-dependence.ts';
import type { Compiled, EvalContext } from './types.ts';
import { visit, type ExprVisitor } from './walk.ts';
import { addCalendarDays, getAttribute, isPlainObject, toTime, wallClock, wallClockToInstant } from './values.ts';

/**
 * The next instant strictly after `ctx.now` at which the compiled condition can change its value
 * for `ctx.root`, or null when no such instant exists (no time-dependent comparison can change,
 * e.g. its attribute is missing). Never earlier than a real change is missed: every instant at
 * which the value changes is at or after the returned one (the returned one may be a moment at
 * which nothing changes, e.g. for a comparison that does not decide the outcome).
 */
export type NextChange = (ctx: EvalContext) => Date | null;

/*
 * How it works. A *time chain* is `now()` or `today()`, possibly inside `addDays(chain, n)` and
 * `date(chain)` with `n` not depending on time. A chain's value T(t) is a non-decreasing function
 * of the clock t. A comparison `chain op x` (either side) with a time-independent x can only
 * change where T reaches x or passes it: at a = min{t : T(t) >= x} and b = min{t : T(t) >= x + 1ms}
 * (`ge`/`lt` only at a, `gt`/`le` only at b, `eq`/`ne`/`in` at both).
 * Both are computed from the chain's shape and then verified against the compiled chain itself
 * (the same closures evaluation uses), falling back to a bisection when the guess is off (DST).
 *
 * Everything else that depends on time without being such a comparison (a chain used as a value,
 * two chains compared, time inside a `[filter]`) is not analysed: the condition is then also
 * re-checked at the next midnight in the tenant's time zone. That is conservative (daily), never
 * late by more than a day for date-granular rules, and documented in README.md.
 *
 * A comparison whose two sides are time-independent apart from other, analysed comparisons
 * (`if(end le now(), 1, 2) eq 1`) changes only where those do, so it adds nothing.
 */
export function compileNextChange(analysis: Analysis): NextChange | undefined {
  if (!analysis.timeDependent) return undefined;
  const analyzer = new Analyzer(compileParts(analysis));
  const kind = analyzer.visit(analysis.expr);
  if (kind === 'static' && analyzer.watches.length === 0) return undefined;
  const watches = analyzer.watches;
  const opaque = analyzer.opaque || kind === 'chain';
  return (ctx) => {
    const now = ctx.now.getTime();
    let best = opaque ? nextMidnight(now, ctx.timezone) : Infinity;
    for (const w of watches) {
      const at = w.next(ctx, now);
      if (at !== null && at < best) best = at;
    }
    return best === Infinity || Number.isNaN(best) ? null : new Date(best);
  };
}

type Kind = 'static' | 'chain' | 'mediated' | 'opaque';

interface Chain {
  readonly base: 'now' | 'today';
  /** The `n` of each `addDays`, innermost first. */
  readonly offsets: readonly Compiled[];
}

const DAY_MS = 86_400_000;

/** How each kind of node depends on the clock; comparisons with a time chain become watches. */
const timeRules: ExprVisitor<Kind, Analyzer> = {
  Literal: () => 'static',
  Error: () => 'static',
  // A filter evaluates with each element as the root: not analysed.
  Path: (expr, a) => (expr.steps.some((step) => step.filter !== undefined && dependsOnTime(step.filter)) ? a.markOpaque() : 'static'),
  List: (expr, a) => a.combine(expr.items.map((i) => a.visit(i))),
  Group: (expr, a) => {
    const k = a.visit(expr.inner);
    const chain = a.chains.get(expr.inner);
    if (k === 'chain' && chain) a.chains.set(expr, chain);
    return k;
  },
  Call: (expr, a) => a.call(expr),
  Compare: (expr, a) => a.compare(expr.op, expr.left, expr.right),
  In: (expr, a) => {
    const o = a.visit(expr.operand);
    const l = a.visit(expr.list);
    const chain = a.chains.get(expr.operand);
    if (o === 'chain' && chain && l === 'static') {
      a.watch(expr.operand, chain, expr.list, 'both');
      return 'mediated';
    }
    return a.combine([o, l]);
  },
  Logical: (expr, a) => a.combine([a.visit(expr.left), a.visit(expr.right)]),
  Not: (expr, a) => a.combine([a.visit(expr.operand)]),
  Present: (expr, a) => a.combine([a.visit(expr.operand)]),
  Coalesce: (expr, a) => a.combine([a.visit(expr.left), a.visit(expr.right)]),
};

class Analyzer {
  readonly watches: Watch[] = [];
  opaque = false;
  readonly chains = new Map<Expr, Chain>();

  constructor(private readonly parts: CompiledParts) {}

  visit(expr: Expr): Kind {
    return visit(expr, timeRules, this);
  }

  call(expr: Extract<Expr, { kind: 'Call' }>): Kind {
    const name = expr.name.toLowerCase();
    if ((name === 'now' || name === 'today') && expr.args.length === 0) {
      this.chains.set(expr, { base: name, offsets: [] });
      return 'chain';
    }
    const kinds = expr.args.map((a) => this.visit(a));
    if (name === 'adddays' && expr.args.length === 2 && kinds[0] === 'chain' && kinds[1] === 'static') {
      const inner = this.chains.get(expr.args[0]!);
      if (inner) {
        this.chains.set(expr, { base: inner.base, offsets: [...inner.offsets, this.parts.value(expr.args[1]!)] });
        return 'chain';
      }
    }
    if (name === 'date' && expr.args.length === 1 && kinds[0] === 'chain') {
      const inner = this.chains.get(expr.args[0]!);
      if (inner) {
        this.chains.set(expr, inner);
        return 'chain';
      }
    }
    return this.combine(kinds);
  }

  compare(op: CompareOp, left: Expr, right: Expr): Kind {
    const l = this.visit(left);
    const r = this.visit(right);
    const lc = this.chains.get(left);
    const rc = this.chains.get(right);
    if (l === 'chain' && lc && r === 'static') {
      this.watch(left, lc, right, crossings(op, false));
      return 'mediated';
    }
    if (r === 'chain' && rc && l === 'static') {
      this.watch(right, rc, left, crossings(op, true));
      return 'mediated';
    }
    return this.combine([l, r]);
  }

  watch(timeSide: Expr, chain: Chain, other: Expr, when: Crossing): void {
    this.watches.push(new Watch(chain, this.parts.value(timeSide), this.parts.operand(other), when));
  }

  /** A chain used as anything but one side of a comparison, or an opaque part, is opaque. */
  combine(kinds: readonly Kind[]): Kind {
    if (kinds.some((k) => k === 'chain' || k === 'opaque')) return this.markOpaque();
    return kinds.some((k) => k === 'mediated') ? 'mediated' : 'static';
  }

  markOpaque(): Kind {
    this.opaque = true;
    return 'opaque';
  }
}

/**
 * Where `T op x` can change: `T ge x` and `T lt x` only where T reaches x, `T gt x` and `T le x`
 * only where T passes x, `eq`/`ne` at both. `flipped` is for `x op T`.
 */
type Crossing = 'reach' | 'pass' | 'both';

function crossings(op: CompareOp, flipped: boolean): Crossing {
  const o = flipped ? ({ gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as Partial<Record<CompareOp, CompareOp>>)[op] ?? op : op;
  if (o === 'ge' || o === 'lt') return 'reach';
  if (o === 'gt' || o === 'le') return 'pass';
  return 'both';
}

/** One comparison between a time chain and a time-independent operand. */
class Watch {
  constructor(
    private readonly chain: Chain,
    /** The chain itself, compiled: T(t) is this closure at clock t. */
    private readonly time: Compiled,
    private readonly other: Compiled,
    private readonly when: Crossing,
  ) {}

  /** The earliest change strictly after `now`; null when none. */
  next(ctx: EvalContext, now: number): number | null {
    const tz = ctx.timezone;
    let days = 0;
    for (const f of this.chain.offsets) {
      const n = f(ctx);
      if (typeof n !== 'number' || !Number.isFinite(n)) return null; // addDays gives null: never changes
      days += Math.trunc(n);
    }
    const thresholds: number[] = [];
    collectTimes(this.other(ctx), tz, thresholds);
    if (thresholds.length === 0) return null;
    const exact = this.chain.base === 'now' && this.chain.offsets.length === 0;
    const at = (t: number): number | null => {
      const v = this.time({ root: ctx.root, now: new Date(t), timezone: tz });
      return v instanceof Date && !Number.isNaN(v.getTime()) ? v.getTime() : null;
    };
    let out: number | null = null;
    for (const x of thresholds) {
      // The value can change where T reaches x (a) and where it passes x (b = reach of x + 1ms).
      for (const target of this.when === 'reach' ? [x] : this.when === 'pass' ? [x + 1] : [x, x + 1]) {
        const t = exact ? target : reach(target, this.chain.base, days, tz, at);
        if (t === null || t <= now) continue;
        if (out === null || t < out) out = t;
        break; // b >= a: once a is in the future, b cannot be earlier
      }
    }
    return out;
  }
}

/** The instants a compared value stands for, as compareValues reads them (lists: any element). */
function collectTimes(v: unknown, tz: string, out: number[]): void {
  if (isPlainObject(v)) v = getAttribute(v, 'value', 'value');
  if (Array.isArray(v)) {
    for (const e of v) collectTimes(e, tz, out);
    return;
  }
  const t = toTime(v, tz);
  if (!Number.isNaN(t)) out.push(t);
}

/**
 * min{t : T(t) >= x} for a non-decreasing T given by `at`; null when T never gets there (in the
 * range of dates). The guess inverts the chain's shape and is verified with `at`.
 */
function reach(x: number, base: 'now' | 'today', days: number, tz: string, at: (t: number) => number | null): number | null {
  let guess: number;
  if (base === 'now') {
    guess = days === 0 ? x : addCalendarDays(new Date(x), -days, tz).getTime();
  } else {
    // The first midnight at or after x, moved back by the chain's days.
    const w = wallClock(x, tz);
    const midnight = wallClockToInstant(w.year, w.month, w.day, 0, 0, 0, 0, tz);
    const day = midnight >= x ? w.day : w.day + 1;
    guess = wallClockToInstant(w.year, w.month, day - days, 0, 0, 0, 0, tz);
  }
  if (Number.isNaN(guess)) return null;
  const ge = (t: number): boolean => {
    const v = at(t);
    return v !== null && v >= x;
  };
  if (ge(guess) && !ge(guess - 1)) return guess;
  return bisect(guess, ge);
}

const MAX_STEP = 400 * 365 * DAY_MS;

function bisect(guess: number, ge: (t: number) => boolean): number | null {
  let lo: number;
  let hi: number;
  let step = 3_600_000;
  if (ge(guess)) {
    hi = guess;
    lo = guess - step;
    while (ge(lo)) {
      hi = lo;
      step *= 2;
      if (step > MAX_STEP) return null;
      lo = guess - step;
    }
  } else {
    lo = guess;
    hi = guess + step;
    while (!ge(hi)) {
      lo = hi;
      step *= 2;
      if (step > MAX_STEP) return null;
      hi = guess + step;
    }
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ge(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The first midnight in `tz` strictly after `now`. */
export function nextMidnight(now: number, tz: string): number {
  const w = wallClock(now, tz);
  for (let d = 1; d <= 3; d++) {
    const m = wallClockToInstant(w.year, w.month, w.day + d, 0, 0, 0, 0, tz);
    if (m > now) return m;
  }
  return now + DAY_MS;
}
