// Compiles a checked expression into nested closures (no eval, no new Function) from its
// Analysis: paths are resolved once by the checker, literals are case-folded once. Returns a `Compiled`.

import type { Expr, PathExpr, Span } from './ast.ts';
import { analyzeExpression, type Analysis, type Expect } from './check.ts';
import { compileCompare, compileIn, type OperandSource } from './compile-compare.ts';
import { firstMatch, pathReader, type Fn, type Pred } from './compile-path.ts';
import { lookupFunction } from './functions.ts';
import type { Compiled, EvalContext, Scope, Type } from './types.ts';
import { isEmptyValue, isPresent, truthy } from './values.ts';
import { visit, type ExprVisitor } from './walk.ts';

export interface CompileOptions {
  /** Report each Compare/Logical/Not/In/Present/Call/Coalesce value to `ctx.trace` (explain). */
  readonly traced?: boolean;
}

/**
 * Compiles an analysed expression as it was analysed (condition or value). Conditions return
 * strict booleans. Names that did not resolve (an analysis with errors) evaluate to null; the
 * engine compiles only error-free plans. Reads the analysis, never analyses again.
 */
export function compileChecked(analysis: Analysis, options: CompileOptions = {}): Compiled {
  const compiler = new Compiler(analysis, options.traced === true);
  return analysis.expect === 'condition' ? compiler.condition(analysis.expr) : compiler.value(analysis.expr);
}

/**
 * One-shot convenience for callers outside a plan (a PATCH value filter, a test): analyses
 * `expr` in `scope` and compiles it. A plan compiles from the analysis its checker kept.
 */
export function compileExpression(expr: Expr, scope: Scope, expect: Expect, options: CompileOptions = {}): Compiled {
  return compileChecked(analyzeExpression(expr, scope, expect), options);
}

/** Closures of sub-expressions of an analysed expression (next-change.ts reads the sides of comparisons). */
export interface CompiledParts {
  /** `expr` as a value, as a mapping would store it. */
  value(expr: Expr): Compiled;
  /** `expr` as a comparison operand: a path keeps all its values (any-match), nothing is picked. */
  operand(expr: Expr): Compiled;
}

/** Compiles sub-expressions of `analysis.expr` from the same analysis. */
export function compileParts(analysis: Analysis): CompiledParts {
  const compiler = new Compiler(analysis, false);
  return { value: (expr) => compiler.value(expr), operand: (expr) => compiler.operand(expr) };
}

const NULL: Fn = () => null;

const conditionRules: ExprVisitor<Pred, Compiler> = {
  Group: (expr, c) => c.condition(expr.inner),
  Compare: (expr, c) => c.value(expr) as Pred,
  In: (expr, c) => c.value(expr) as Pred,
  Present: (expr, c) => c.value(expr) as Pred,
  Logical: (expr, c) => c.value(expr) as Pred,
  Not: (expr, c) => c.value(expr) as Pred,
  Path: (expr, c) => {
    const read = c.rawPath(expr);
    if (c.analysis.existence.has(expr)) {
      return (ctx) => {
        const v = read(ctx);
        return Array.isArray(v) ? v.length > 0 : v !== null;
      };
    }
    return (ctx) => truthy(read(ctx));
  },
  Literal: (expr, c) => c.truthyValue(expr),
  List: (expr, c) => c.truthyValue(expr),
  Coalesce: (expr, c) => c.truthyValue(expr),
  Call: (expr, c) => c.truthyValue(expr),
  Error: (expr, c) => c.truthyValue(expr),
};

const valueRules: ExprVisitor<Fn, Compiler> = {
  Error: () => NULL,
  Literal: (expr) => {
    const v = expr.value;
    return () => v;
  },
  List: (expr, c) => {
    const items = expr.items.map((i) => c.value(i));
    return (ctx) => items.map((f) => f(ctx));
  },
  Path: (expr, c) => {
    const resolved = c.analysis.paths.get(expr);
    const read = c.rawPath(expr);
    if (resolved && 'picked' in resolved.type && resolved.type.picked) {
      const first = firstMatch(resolved, c.conditionOf);
      if (first) return first;
      return (ctx) => {
        const v = read(ctx);
        return Array.isArray(v) ? (v.length > 0 ? v[0] : null) : v;
      };
    }
    return read;
  },
  Group: (expr, c) => c.value(expr.inner),
  Logical: (expr, c) => {
    const l = c.condition(expr.left);
    const r = c.condition(expr.right);
    return c.trace(expr.span, expr.op === 'and' ? (ctx) => l(ctx) && r(ctx) : (ctx) => l(ctx) || r(ctx));
  },
  Not: (expr, c) => {
    const p = c.condition(expr.operand);
    return c.trace(expr.span, (ctx) => !p(ctx));
  },
  Present: (expr, c) => {
    const f = c.operand(expr.operand);
    return c.trace(expr.span, (ctx) => isPresent(f(ctx)));
  },
  Compare: (expr, c) => c.trace(expr.span, compileCompare(c, expr.op, expr.left, expr.right)),
  In: (expr, c) => c.trace(expr.span, compileIn(c, expr.negated, expr.operand, expr.list)),
  Coalesce: (expr, c) => {
    const l = c.value(expr.left);
    const r = c.value(expr.right);
    return c.trace(expr.span, (ctx) => {
      const v = l(ctx);
      if (!isEmptyValue(v)) return v;
      const w = r(ctx);
      return w === undefined ? null : w;
    });
  },
  Call: (expr, c) => c.trace(expr.span, c.call(expr)),
};

class Compiler implements OperandSource {
  readonly conditionOf = (expr: Expr): Pred => this.condition(expr);

  constructor(
    readonly analysis: Analysis,
    private readonly traced: boolean,
  ) {}

  trace<T>(span: Span, f: (ctx: EvalContext) => T): (ctx: EvalContext) => T {
    if (!this.traced) return f;
    return (ctx) => {
      const v = f(ctx);
      ctx.trace?.(span, v);
      return v;
    };
  }

  typeOf(expr: Expr): Type | undefined {
    if (expr.kind === 'Path') return this.analysis.paths.get(expr)?.type ?? this.analysis.types.get(expr);
    return this.analysis.types.get(expr);
  }

  /** A strict boolean. */
  condition(expr: Expr): Pred {
    return visit(expr, conditionRules, this);
  }

  truthyValue(expr: Expr): Pred {
    const f = this.value(expr);
    return (ctx) => truthy(f(ctx));
  }

  /** The value a mapping stores: a picked path yields its first match. */
  value(expr: Expr): Fn {
    return visit(expr, valueRules, this);
  }

  /** A comparison operand: paths keep all their values (any-match), no picking. */
  operand(expr: Expr): Fn {
    if (expr.kind === 'Group') return this.operand(expr.inner);
    if (expr.kind === 'Path') return this.rawPath(expr);
    return this.value(expr);
  }

  rawPath(path: PathExpr): Fn {
    const resolved = this.analysis.paths.get(path);
    if (!resolved) return NULL;
    return pathReader(resolved, this.conditionOf);
  }

  /**
   * `{key, lower}` when `expr` reads one own attribute of the root: the hot path of group rules.
   * In a profile scope `slot` is the field's index in `scope.attributes` (see EvalContext.folded).
   */
  simpleKey(expr: Expr): { key: string; lower: string; slot: number } | undefined {
    if (expr.kind === 'Group') return this.simpleKey(expr.inner);
    if (expr.kind !== 'Path') return undefined;
    const r = this.analysis.paths.get(expr);
    if (!r || r.urn !== undefined || r.steps.length !== 1 || r.steps[0]!.filter) return undefined;
    const key = r.steps[0]!.name;
    const lower = key.toLowerCase();
    const slot = this.analysis.scope.kind === 'profile' ? this.analysis.scope.attributes.findIndex((a) => a.name.toLowerCase() === lower) : -1;
    return { key, lower, slot };
  }

  call(expr: Extract<Expr, { kind: 'Call' }>): Fn {
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
