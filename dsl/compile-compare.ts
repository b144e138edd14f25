// Comparison closures: `eq`/`gt`/`co`/... and `in` over compiled operands, with fast paths for
// literals and simple attributes that fall back to values.ts for every value they do not handle.

import type { CompareOp, Expr } from './ast.ts';
import type { Fn, Pred } from './compile-path.ts';
import { findAttribute } from './resolve.ts';
import type { EvalContext, Type } from './types.ts';
import { compareStrings, compareValues, getAttribute, order, parseDateTime, type CompareOptions } from './values.ts';

/** What comparison compiling needs from the compiler of the whole expression. */
export interface OperandSource {
  /** A comparison operand: paths keep all their values (any-match), nothing is picked. */
  operand(expr: Expr): Fn;
  typeOf(expr: Expr): Type | undefined;
  /**
   * `{key, lower}` when `expr` reads one own attribute of the root: the hot path of group rules.
   * In a profile scope `slot` is the field's index in `scope.attributes` (see EvalContext.folded).
   */
  simpleKey(expr: Expr): { key: string; lower: string; slot: number } | undefined;
}

function isCaseExact(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'list') return isCaseExact(t.of);
  if (t.kind === 'binary') return true;
  if (t.kind === 'string') return t.caseExact === true;
  if (t.kind === 'complex') {
    const v = findAttribute(t.attribute?.subAttributes, 'value');
    return v !== undefined && (v.caseExact || v.type === 'binary');
  }
  return false;
}

function isDateTime(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'list') return isDateTime(t.of);
  if (t.kind === 'dateTime') return true;
  if (t.kind === 'complex') {
    const v = findAttribute(t.attribute?.subAttributes, 'value');
    return v !== undefined && v.type === 'dateTime';
  }
  return false;
}

function compareOptions(source: OperandSource, left: Expr, right: Expr): CompareOptions {
  const lt = source.typeOf(left);
  const rt = source.typeOf(right);
  return { caseExact: isCaseExact(lt) || isCaseExact(rt), dateTime: isDateTime(lt) || isDateTime(rt) };
}

/** `left op right`, with fast paths for a literal on the right; semantics are those of values.ts. */
export function compileCompare(source: OperandSource, op: CompareOp, left: Expr, right: Expr): Pred {
  const options = compareOptions(source, left, right);
  const l = source.operand(left);
  const lit = literalOf(right);
  // Fast paths read a simple attribute inline (no closure call) and fall back to compareValues
  // for every runtime value they do not handle, so semantics stay those of values.ts.
  const simple = source.simpleKey(left);
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
  const r = source.operand(right);
  return (ctx) => compareValues(op, l(ctx), r(ctx), options, ctx.timezone);
}

/** `operand in list` and `not in`, with a set for a list of string literals. */
export function compileIn(source: OperandSource, negated: boolean, operand: Expr, list: Expr): Pred {
  const options = compareOptions(source, operand, list.kind === 'List' ? (list.items[0] ?? list) : list);
  const listType = source.typeOf(list);
  const itemOptions: CompareOptions = {
    caseExact: options.caseExact || isCaseExact(listType),
    dateTime: options.dateTime || isDateTime(listType),
  };
  const o = source.operand(operand);
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
      const simple = source.simpleKey(operand);
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
    const items = list.items.map((i) => source.operand(i));
    const buffer: unknown[] = new Array<unknown>(items.length);
    return (ctx) => {
      const v = o(ctx);
      for (let i = 0; i < items.length; i++) buffer[i] = items[i]!(ctx);
      const hit = any(v, buffer, ctx.timezone);
      return negated ? !hit : hit;
    };
  }
  const l = source.operand(list);
  return (ctx) => {
    const v = o(ctx);
    const values = l(ctx);
    const hit = Array.isArray(values) ? any(v, values, ctx.timezone) : values !== null && compareValues('eq', v, values, itemOptions, ctx.timezone);
    return negated ? !hit : hit;
  };
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
