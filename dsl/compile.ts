// Compiles a checked expression into nested closures (no eval, no new Function): paths are
// resolved to canonical names once, literals are case-folded once. Returns a `Compiled`.

import type { CompareOp, Expr, PathExpr, Span } from './ast.ts';
import { assertNever } from './ast.ts';
import { analyzeExpression, type Analysis, type ResolvedPath } from './check.ts';
import { lookupFunction } from './functions.ts';
import type { Compiled, EvalContext, Scope, Type } from './types.ts';
import {
  compareStrings,
  compareValues,
  getAttribute,
  isEmptyValue,
  isPresent,
  order,
  parseDateTime,
  truthy,
  type CompareOptions,
} from './values.ts';

export interface CompileOptions {
  /** Report each Compare/Logical/Not/In/Present/Call/Coalesce value to `ctx.trace` (explain). */
  readonly traced?: boolean;
}

type Fn = (ctx: EvalContext) => unknown;
type Pred = (ctx: EvalContext) => boolean;

/** A filter evaluates with each element as the root: one reusable context per filter node. */
interface ScratchContext {
  root: Readonly<Record<string, unknown>>;
  now: Date;
  timezone: string;
  trace?: EvalContext['trace'];
}

/**
 * Compiles `expr` for `scope`. Conditions return strict booleans. Names that did not resolve
 * (an expression with errors) evaluate to null; the engine compiles only error-free plans.
 */
export function compileExpression(expr: Expr, scope: Scope, expect: 'condition' | 'value', options: CompileOptions = {}): Compiled {
  const analysis = analyzeExpression(expr, scope, expect);
  const compiler = new Compiler(analysis, options.traced === true, scope);
  if (expect === 'condition') {
    return compiler.condition(expr);
  }
  return compiler.value(expr);
}

/**
 * Compiles `expr` as a comparison operand: a path keeps all its values (any-match), nothing is
 * picked. next-change.ts reads the other side of a time-dependent comparison with it.
 */
export function compileOperand(expr: Expr, scope: Scope): Compiled {
  const analysis = analyzeExpression(expr, scope, 'value');
  return new Compiler(analysis, false, scope).operandOf(expr);
}

const NULL: Fn = () => null;

function isCaseExact(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'list') return isCaseExact(t.of);
  if (t.kind === 'binary') return true;
  if (t.kind === 'string') return t.caseExact === true;
  if (t.kind === 'complex') {
    const v = t.attribute?.subAttributes?.find((s) => s.name.toLowerCase() === 'value');
    return v !== undefined && (v.caseExact || v.type === 'binary');
  }
  return false;
}

function isDateTime(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'list') return isDateTime(t.of);
  if (t.kind === 'dateTime') return true;
  if (t.kind === 'complex') {
    const v = t.attribute?.subAttributes?.find((s) => s.name.toLowerCase() === 'value');
    return v !== undefined && v.type === 'dateTime';
  }
  return false;
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

class Compiler {
  constructor(
    private readonly analysis: Analysis,
    private readonly traced: boolean,
    private readonly scope: Scope,
  ) {}

  private trace<T>(span: Span, f: (ctx: EvalContext) => T): (ctx: EvalContext) => T {
    if (!this.traced) return f;
    return (ctx) => {
      const v = f(ctx);
      ctx.trace?.(span, v);
      return v;
    };
  }

  private typeOf(expr: Expr): Type | undefined {
    if (expr.kind === 'Path') return this.analysis.paths.get(expr)?.type ?? this.analysis.types.get(expr);
    return this.analysis.types.get(expr);
  }

  /** A strict boolean. */
  condition(expr: Expr): Pred {
    switch (expr.kind) {
      case 'Group':
        return this.condition(expr.inner);
      case 'Compare':
      case 'In':
      case 'Present':
      case 'Logical':
      case 'Not':
        return this.value(expr) as Pred;
      case 'Path': {
        const read = this.rawPath(expr);
        if (this.analysis.existence.has(expr)) {
          return (ctx) => {
            const v = read(ctx);
            return Array.isArray(v) ? v.length > 0 : v !== null;
          };
        }
        return (ctx) => truthy(read(ctx));
      }
      default: {
        const f = this.value(expr);
        return (ctx) => truthy(f(ctx));
      }
    }
  }

  /** The value a mapping stores: a picked path yields its first match. */
  value(expr: Expr): Fn {
    switch (expr.kind) {
      case 'Error':
        return NULL;
      case 'Literal': {
        const v = expr.value;
        return () => v;
      }
      case 'List': {
        const items = expr.items.map((i) => this.value(i));
        return (ctx) => items.map((f) => f(ctx));
      }
      case 'Path': {
        const resolved = this.analysis.paths.get(expr);
        const read = this.rawPath(expr);
        if (resolved && 'picked' in resolved.type && resolved.type.picked) {
          const first = this.firstMatch(resolved);
          if (first) return first;
          return (ctx) => {
            const v = read(ctx);
            return Array.isArray(v) ? (v.length > 0 ? v[0] : null) : v;
          };
        }
        return read;
      }
      case 'Group':
        return this.value(expr.inner);
      case 'Logical': {
        const l = this.condition(expr.left);
        const r = this.condition(expr.right);
        return this.trace(expr.span, expr.op === 'and' ? (ctx) => l(ctx) && r(ctx) : (ctx) => l(ctx) || r(ctx));
      }
      case 'Not': {
        const p = this.condition(expr.operand);
        return this.trace(expr.span, (ctx) => !p(ctx));
      }
      case 'Present': {
        const f = this.operand(expr.operand);
        return this.trace(expr.span, (ctx) => isPresent(f(ctx)));
      }
      case 'Compare':
        return this.trace(expr.span, this.compare(expr.op, expr.left, expr.right));
      case 'In':
        return this.trace(expr.span, this.inList(expr.negated, expr.operand, expr.list));
      case 'Coalesce': {
        const l = this.value(expr.left);
        const r = this.value(expr.right);
        return this.trace(expr.span, (ctx) => {
          const v = l(ctx);
          if (!isEmptyValue(v)) return v;
          const w = r(ctx);
          return w === undefined ? null : w;
        });
      }
      case 'Call':
        return this.trace(expr.span, this.call(expr));
      default:
        return assertNever(expr);
    }
  }

  operandOf(expr: Expr): Fn {
    return this.operand(expr);
  }

  /** A comparison operand: paths keep all their values (any-match), no picking. */
  private operand(expr: Expr): Fn {
    if (expr.kind === 'Group') return this.operand(expr.inner);
    if (expr.kind === 'Path') return this.rawPath(expr);
    return this.value(expr);
  }

  private rawPath(path: PathExpr): Fn {
    const resolved = this.analysis.paths.get(path);
    if (!resolved) return NULL;
    return this.pathReader(resolved);
  }

  private pathReader(r: ResolvedPath): Fn {
    type Step = { key: string; lower: string; filter?: Pred; scratch?: ScratchContext };
    const steps: Step[] = [];
    if (r.urn !== undefined) steps.push({ key: r.urn, lower: r.urn.toLowerCase() });
    for (const s of r.steps) {
      const step: Step = { key: s.name, lower: s.name.toLowerCase() };
      if (s.filter) {
        step.filter = this.condition(s.filter);
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
  private firstMatch(r: ResolvedPath): Fn | undefined {
    if (r.urn !== undefined || r.steps.length !== 2) return undefined;
    const [outer, inner] = r.steps as [ResolvedPath['steps'][number], ResolvedPath['steps'][number]];
    if (!outer.filter || inner.filter) return undefined;
    const filter = this.condition(outer.filter);
    const scratch: ScratchContext = { root: {}, now: new Date(0), timezone: 'UTC' };
    const general = this.pathReader(r);
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

  private compareOptions(left: Expr, right: Expr): CompareOptions {
    const lt = this.typeOf(left);
    const rt = this.typeOf(right);
    return { caseExact: isCaseExact(lt) || isCaseExact(rt), dateTime: isDateTime(lt) || isDateTime(rt) };
  }

  /**
   * `{key, lower}` when `expr` reads one own attribute of the root: the hot path of group rules.
   * In a profile scope `slot` is the field's index in `scope.attributes` (see EvalContext.folded).
   */
  private simpleKey(expr: Expr): { key: string; lower: string; slot: number } | undefined {
    if (expr.kind === 'Group') return this.simpleKey(expr.inner);
    if (expr.kind !== 'Path') return undefined;
    const r = this.analysis.paths.get(expr);
    if (!r || r.urn !== undefined || r.steps.length !== 1 || r.steps[0]!.filter) return undefined;
    const key = r.steps[0]!.name;
    const lower = key.toLowerCase();
    const slot = this.scope.kind === 'profile' ? this.scope.attributes.findIndex((a) => a.name.toLowerCase() === lower) : -1;
    return { key, lower, slot };
  }

  private compare(op: CompareOp, left: Expr, right: Expr): Pred {
    const options = this.compareOptions(left, right);
    const l = this.operand(left);
    const lit = literalOf(right);
    // Fast paths read a simple attribute inline (no closure call) and fall back to compareValues
    // for every runtime value they do not handle, so semantics stay those of values.ts.
    const simple = this.simpleKey(left);
    const direct = simple !== undefined;
    const key = simple?.key ?? '';
    const lower = simple?.lower ?? '';
    if (lit !== undefined && typeof lit.value === 'string' && left.kind !== 'Literal') {
      const text = lit.value;
      if (options.dateTime) {
        const r = dateLiteral(text);
        return (ctx) => compareValues(op, l(ctx), r(ctx), options, ctx.timezone);
      }
      const caseExact = options.caseExact;
      const folded = caseExact ? text : text.toLowerCase();
      const slot = simple?.slot ?? -1;
      if (slot >= 0 && !caseExact) {
        // Profile fields by index, already lowercased once per evaluation (EvalContext.folded).
        const generic = (ctx: EvalContext): boolean => {
          const v = getAttribute(ctx.root, key, lower);
          if (typeof v === 'string') return compareStrings(op, v.toLowerCase(), folded);
          if (v === null) return op === 'ne';
          return compareValues(op, v, text, options, ctx.timezone);
        };
        const fallback = (ctx: EvalContext, v: unknown): boolean =>
          v === null || v === undefined ? op === 'ne' : compareValues(op, getAttribute(ctx.root, key, lower), text, options, ctx.timezone);
        if (op === 'eq') {
          return (ctx) => {
            const f = ctx.folded;
            if (f === undefined) return generic(ctx);
            const v = f[slot];
            return typeof v === 'string' ? v === folded : fallback(ctx, v);
          };
        }
        return (ctx) => {
          const f = ctx.folded;
          if (f === undefined) return generic(ctx);
          const v = f[slot];
          return typeof v === 'string' ? compareStrings(op, v, folded) : fallback(ctx, v);
        };
      }
      if (op === 'eq') {
        return (ctx) => {
          const v = direct ? getAttribute(ctx.root, key, lower) : l(ctx);
          if (typeof v === 'string') return (caseExact ? v : v.toLowerCase()) === folded;
          if (v === null) return false;
          return compareValues(op, v, text, options, ctx.timezone);
        };
      }
      return (ctx) => {
        const v = direct ? getAttribute(ctx.root, key, lower) : l(ctx);
        if (typeof v === 'string') return compareStrings(op, caseExact ? v : v.toLowerCase(), folded);
        if (v === null) return op === 'ne';
        return compareValues(op, v, text, options, ctx.timezone);
      };
    }
    if (lit !== undefined && typeof lit.value === 'number' && Number.isFinite(lit.value) && left.kind !== 'Literal' && !options.dateTime) {
      // A finite number against a number literal is plain numeric order (values.ts compareScalars).
      const n = lit.value;
      return (ctx) => {
        const v = direct ? getAttribute(ctx.root, key, lower) : l(ctx);
        if (typeof v === 'number' && Number.isFinite(v)) return order(op, v, n);
        return compareValues(op, v, n, options, ctx.timezone);
      };
    }
    if (lit !== undefined && typeof lit.value === 'boolean' && left.kind !== 'Literal' && !options.dateTime && (op === 'eq' || op === 'ne')) {
      const b = lit.value;
      const eq = op === 'eq';
      return (ctx) => {
        const v = direct ? getAttribute(ctx.root, key, lower) : l(ctx);
        if (typeof v === 'boolean') return (v === b) === eq;
        return compareValues(op, v, b, options, ctx.timezone);
      };
    }
    const r = this.operand(right);
    return (ctx) => compareValues(op, l(ctx), r(ctx), options, ctx.timezone);
  }

  private inList(negated: boolean, operand: Expr, list: Expr): Pred {
    const options = this.compareOptions(operand, list.kind === 'List' ? (list.items[0] ?? list) : list);
    const listType = this.typeOf(list);
    const itemOptions: CompareOptions = {
      caseExact: options.caseExact || isCaseExact(listType),
      dateTime: options.dateTime || isDateTime(listType),
    };
    const o = this.operand(operand);
    const any = (v: unknown, items: readonly unknown[], tz: string): boolean => {
      for (let i = 0; i < items.length; i++) if (compareValues('eq', v, items[i], itemOptions, tz)) return true;
      return false;
    };
    if (list.kind === 'List') {
      const literals = list.items.map(literalOf);
      if (!itemOptions.dateTime && literals.every((l) => l !== undefined && typeof l.value === 'string')) {
        const texts = literals.map((l) => l!.value as string);
        const caseExact = itemOptions.caseExact;
        const set = new Set(texts.map((t) => (caseExact ? t : t.toLowerCase())));
        const simple = this.simpleKey(operand);
        const direct = simple !== undefined;
        const key = simple?.key ?? '';
        const lower = simple?.lower ?? '';
        const slot = simple?.slot ?? -1;
        if (slot >= 0 && !caseExact) {
          return (ctx) => {
            const f = ctx.folded;
            const v = f !== undefined ? f[slot] : getAttribute(ctx.root, key, lower);
            const hit =
              typeof v === 'string'
                ? set.has(f !== undefined ? v : v.toLowerCase())
                : v !== null && v !== undefined && any(f !== undefined ? getAttribute(ctx.root, key, lower) : v, texts, ctx.timezone);
            return negated ? !hit : hit;
          };
        }
        return (ctx) => {
          const v = direct ? getAttribute(ctx.root, key, lower) : o(ctx);
          // null equals no string item (values.ts): skip the generic loop for missing values.
          const hit = typeof v === 'string' ? set.has(caseExact ? v : v.toLowerCase()) : v !== null && any(v, texts, ctx.timezone);
          return negated ? !hit : hit;
        };
      }
      const items = list.items.map((i) => this.operand(i));
      const buffer: unknown[] = new Array<unknown>(items.length);
      return (ctx) => {
        const v = o(ctx);
        for (let i = 0; i < items.length; i++) buffer[i] = items[i]!(ctx);
        const hit = any(v, buffer, ctx.timezone);
        return negated ? !hit : hit;
      };
    }
    const l = this.operand(list);
    return (ctx) => {
      const v = o(ctx);
      const values = l(ctx);
      const hit = Array.isArray(values) ? any(v, values, ctx.timezone) : values !== null && compareValues('eq', v, values, itemOptions, ctx.timezone);
      return negated ? !hit : hit;
    };
  }

  private call(expr: Extract<Expr, { kind: 'Call' }>): Fn {
    const fn = lookupFunction(expr.name);
    if (!fn || expr.args.length < fn.minArgs || expr.args.length > fn.maxArgs) return NULL;
    const n = expr.args.length;
    const args: Fn[] = expr.args.map((a, i) => (fn.param(i, n) === 'condition' ? this.condition(a) : this.value(a)));
    const impl = fn.impl;
    // Reused per call node: a node never evaluates inside itself, and no impl keeps `args`.
    const buffer: unknown[] = new Array<unknown>(n);
    if (n === 0) return (ctx) => impl(buffer, ctx);
    if (n === 1) {
      const a0 = args[0]!;
      return (ctx) => {
        buffer[0] = a0(ctx);
        return impl(buffer, ctx);
      };
    }
    return (ctx) => {
      for (let i = 0; i < n; i++) buffer[i] = args[i]!(ctx);
      return impl(buffer, ctx);
    };
  }
}

function literalOf(expr: Expr): Extract<Expr, { kind: 'Literal' }> | undefined {
  if (expr.kind === 'Literal') return expr;
  if (expr.kind === 'Group') return literalOf(expr.inner);
  return undefined;
}

/** A date-time literal parsed once per time zone (a string without offset depends on the zone). */
function dateLiteral(text: string): (ctx: EvalContext) => unknown {
  let zone: string | undefined;
  let value: unknown = text;
  return (ctx) => {
    if (ctx.timezone !== zone) {
      zone = ctx.timezone;
      const t = parseDateTime(text, zone);
      value = Number.isNaN(t) ? text : new Date(t);
    }
    return value;
  };
}
