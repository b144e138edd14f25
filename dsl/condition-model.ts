// Static analysis of a checked condition: its finite model (attribute variables with representative
// values, atoms, a negation-normal-form formula) and an exhaustive, budgeted search over that model.

import type { Expr, LiteralExpr, PathExpr } from './ast.ts';
import type { Analysis } from './check.ts';
import { compileParts } from './compile.ts';
import { printExpression } from './print.ts';
import type { ResolvedPath } from './resolve.ts';
import { falseWhenMissing, variableKey } from './missing-attribute.ts';
import { compareValues, isPresent, truthy } from './values.ts';
import { visit, walk, type ExprVisitor } from './walk.ts';

/**
 * One attribute a condition reads. Invariants: `reps[0]` is null (the attribute is missing);
 * every value the attribute can hold at runtime behaves, for every simple atom on it, like one
 * of `reps` (the literals it is compared with, their runtime spellings, `""`, one other value).
 */
export interface Variable {
  readonly key: string;
  readonly path: PathExpr;
  /** Where the value lives in a root: the extension URN, if any, then the canonical step names. */
  readonly at: readonly string[];
  readonly reps: readonly unknown[];
}

/**
 * A clause the formula is made of.
 * - `simple`: one single-valued scalar attribute against literals (`eq`/`ne`/`in`/`not in`/`pr`,
 *   a boolean attribute as a condition): `test` is its exact meaning (values.ts) on one value.
 * - `opaque`: anything else (functions, `??`, order, lists, dates): a free boolean, except that
 *   it is false when one of `falseWithout` is missing, and when all of `refs` are missing it is
 *   `onMissing` (its value on a user without them, or undefined when that depends on the clock).
 */
export type Atom =
  | { readonly kind: 'simple'; readonly node: Expr; readonly variable: number; readonly test: (value: unknown) => boolean }
  | {
      readonly kind: 'opaque';
      readonly node: Expr;
      readonly refs: readonly number[];
      readonly onMissing: boolean | undefined;
      /** The refs whose absence alone makes the clause false, whatever the others hold (`addDays(x, n) le now()` in `n`). */
      readonly falseWithout: readonly number[];
    };

/** The condition in negation normal form; `node` of a literal is the written clause it stands for. */
export type Formula =
  | { readonly kind: 'and' | 'or'; readonly parts: readonly Formula[] }
  | { readonly kind: 'literal'; readonly atom: number; readonly positive: boolean; readonly node: Expr };

export interface ConditionModel {
  readonly variables: readonly Variable[];
  readonly atoms: readonly Atom[];
  readonly formula: Formula;
}

/** One point of the model: a representative value per variable, a boolean per opaque atom. */
export interface Assignment {
  readonly values: readonly unknown[];
  readonly free: readonly boolean[];
}

/** Whether `atom` holds at `a`. */
export function atomHolds(model: ConditionModel, atom: number, a: Assignment): boolean {
  const at = model.atoms[atom]!;
  if (at.kind === 'simple') return at.test(a.values[at.variable]);
  if (at.falseWithout.some((r) => a.values[r] === null)) return false;
  if (at.onMissing !== undefined && at.refs.every((r) => a.values[r] === null)) return at.onMissing;
  return a.free[atom]!;
}

/** Whether `formula` holds at `a`. */
export function formulaHolds(model: ConditionModel, formula: Formula, a: Assignment): boolean {
  if (formula.kind === 'literal') return atomHolds(model, formula.atom, a) === formula.positive;
  return formula.kind === 'and' ? formula.parts.every((p) => formulaHolds(model, p, a)) : formula.parts.some((p) => formulaHolds(model, p, a));
}

/** How many points a search may visit before it answers "unknown". */
export const SEARCH_BUDGET = 1 << 16;

/**
 * Calls `found` on every combination of `sizes` (odometer order) until it returns true.
 * Returns 'found', 'none', or 'unknown' when the product exceeds `budget`.
 */
export function searchProduct(sizes: readonly number[], found: (index: readonly number[]) => boolean, budget = SEARCH_BUDGET): 'found' | 'none' | 'unknown' {
  let total = 1;
  for (const s of sizes) {
    total *= s;
    if (total > budget) return 'unknown';
  }
  if (total === 0) return 'none';
  const index = sizes.map(() => 0);
  for (;;) {
    if (found(index)) return 'found';
    let i = 0;
    while (i < sizes.length && ++index[i]! === sizes[i]) index[i++] = 0;
    if (i === sizes.length) return 'none';
  }
}

/** Whether some point of the model satisfies the condition ('unknown' beyond the budget). */
export function satisfiable(model: ConditionModel, formula: Formula = model.formula): 'yes' | 'no' | 'unknown' {
  const opaque = model.atoms.map((a) => a.kind === 'opaque');
  const sizes = [...model.variables.map((v) => v.reps.length), ...opaque.filter(Boolean).map(() => 2)];
  const slots = opaque.flatMap((o, i) => (o ? [i] : []));
  const free: boolean[] = model.atoms.map(() => false);
  const r = searchProduct(sizes, (index) => {
    const values = model.variables.map((v, i) => v.reps[index[i]!]);
    slots.forEach((atom, j) => (free[atom] = index[model.variables.length + j] === 1));
    return formulaHolds(model, formula, { values, free });
  });
  return r === 'found' ? 'yes' : r === 'none' ? 'no' : 'unknown';
}

/** The model of `expr` (a condition node of `analysis.expr`, the whole condition by default). */
export function modelCondition(analysis: Analysis, expr: Expr = analysis.expr): ConditionModel {
  return modelConjunction(analysis, [expr]).model;
}

/** One model of the conjunction of `conjuncts` (condition nodes of `analysis.expr`) and each one's formula in it. */
export function modelConjunction(analysis: Analysis, conjuncts: readonly Expr[]): { model: ConditionModel; parts: readonly Formula[] } {
  const builder = new Builder(analysis);
  const parts = conjuncts.map((c) => builder.formula(c, true, undefined));
  const formula: Formula = parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  return { model: { variables: builder.variables(), atoms: builder.atoms, formula }, parts };
}

type Polarity = { readonly positive: boolean; readonly not: Expr | undefined };

const nnfRules: ExprVisitor<Formula, { readonly b: Builder; readonly p: Polarity }> = {
  Group: (e, { b, p }) => b.formula(e.inner, p.positive, p.not),
  Not: (e, { b, p }) => b.formula(e.operand, !p.positive, e),
  Logical: (e, { b, p }) => {
    // De Morgan: under `not`, `and` is `or` and `or` is `and`.
    const kind = (e.op === 'and') === p.positive ? 'and' : 'or';
    return { kind, parts: [b.formula(e.left, p.positive, p.not), b.formula(e.right, p.positive, p.not)] };
  },
  Compare: (e, c) => c.b.literal(e, c.p),
  In: (e, c) => c.b.literal(e, c.p),
  Present: (e, c) => c.b.literal(e, c.p),
  Path: (e, c) => c.b.literal(e, c.p),
  Literal: (e, c) => c.b.literal(e, c.p),
  List: (e, c) => c.b.literal(e, c.p),
  Coalesce: (e, c) => c.b.literal(e, c.p),
  Call: (e, c) => c.b.literal(e, c.p),
  Error: (e, c) => c.b.literal(e, c.p),
};

type Scalar = 'string' | 'number' | 'boolean';

interface VariableDraft {
  readonly key: string;
  readonly path: PathExpr;
  readonly at: readonly string[];
  readonly scalar: Scalar | undefined;
  readonly caseExact: boolean;
  readonly literals: unknown[];
}

class Builder {
  readonly atoms: Atom[] = [];
  private readonly drafts: VariableDraft[] = [];
  private readonly opaqueByText = new Map<string, number>();
  private readonly parts;

  constructor(private readonly analysis: Analysis) {
    this.parts = compileParts(analysis);
  }

  formula(expr: Expr, positive: boolean, not: Expr | undefined): Formula {
    return visit(expr, nnfRules, { b: this, p: { positive, not } });
  }

  literal(expr: Expr, p: Polarity): Formula {
    const node = p.positive ? expr : (p.not ?? expr);
    return { kind: 'literal', atom: this.simple(expr) ?? this.opaque(expr), positive: p.positive, node };
  }

  variables(): Variable[] {
    return this.drafts.map((d) => ({ key: d.key, path: d.path, at: d.at, reps: representatives(d) }));
  }

  /** The variable of a single-valued scalar attribute path, or undefined. */
  private variable(expr: Expr): number | undefined {
    const inner = unwrap(expr);
    if (inner.kind !== 'Path') return undefined;
    const r = this.analysis.paths.get(inner);
    if (!r || r.steps.some((s) => s.filter)) return undefined;
    const t = r.type;
    const scalar: Scalar | undefined =
      t.kind === 'string' || t.kind === 'reference' ? 'string' : t.kind === 'number' ? 'number' : t.kind === 'boolean' ? 'boolean' : undefined;
    if ('multi' in t && t.multi) return this.variableOf(inner, r, undefined);
    return this.variableOf(inner, r, scalar);
  }

  private variableOf(path: PathExpr, r: ResolvedPath, scalar: Scalar | undefined): number {
    const key = variableKey(r);
    const found = this.drafts.findIndex((d) => d.key === key);
    if (found >= 0) return found;
    this.drafts.push({ key, path, at: [...(r.urn === undefined ? [] : [r.urn]), ...r.steps.map((s) => s.name)], scalar, caseExact: r.def.caseExact || r.def.type === 'binary', literals: [] });
    return this.drafts.length - 1;
  }

  private simple(expr: Expr): number | undefined {
    const test = this.simpleTest(expr);
    if (!test) return undefined;
    this.atoms.push({ kind: 'simple', node: expr, variable: test.variable, test: test.test });
    return this.atoms.length - 1;
  }

  private simpleTest(expr: Expr): { variable: number; test: (v: unknown) => boolean } | undefined {
    const on = (operand: Expr, literals: readonly Expr[]): { variable: number; draft: VariableDraft; values: unknown[] } | undefined => {
      const variable = this.variable(operand);
      const draft = variable === undefined ? undefined : this.drafts[variable];
      if (variable === undefined || !draft?.scalar) return undefined;
      const values = literals.map(unwrap).map((l) => (l.kind === 'Literal' ? literalFor(draft.scalar!, l) : NOT_A_LITERAL));
      if (values.some((v) => v === NOT_A_LITERAL)) return undefined;
      draft.literals.push(...values);
      return { variable, draft, values };
    };
    const options = (d: VariableDraft) => ({ caseExact: d.caseExact, dateTime: false });
    if (expr.kind === 'Compare' && (expr.op === 'eq' || expr.op === 'ne')) {
      const [operand, literal] = unwrap(expr.left).kind === 'Literal' ? [expr.right, expr.left] : [expr.left, expr.right];
      const s = on(operand, [literal]);
      if (!s) return undefined;
      const op = expr.op;
      const value = s.values[0];
      const o = options(s.draft);
      return { variable: s.variable, test: (v) => compareValues(op, v, value, o, 'UTC') };
    }
    if (expr.kind === 'In' && unwrap(expr.list).kind === 'List') {
      const s = on(expr.operand, (unwrap(expr.list) as Extract<Expr, { kind: 'List' }>).items);
      if (!s) return undefined;
      const o = options(s.draft);
      const negated = expr.negated;
      return { variable: s.variable, test: (v) => s.values.some((item) => compareValues('eq', v, item, o, 'UTC')) !== negated };
    }
    if (expr.kind === 'Present') {
      const s = on(expr.operand, []);
      return s && { variable: s.variable, test: isPresent };
    }
    if (expr.kind === 'Path' && this.analysis.types.get(expr)?.kind === 'boolean') {
      const s = on(expr, []);
      return s && { variable: s.variable, test: truthy };
    }
    return undefined;
  }

  private opaque(expr: Expr): number {
    const text = printExpression(expr);
    const known = this.opaqueByText.get(text);
    if (known !== undefined) return known;
    const refs = new Map<number, string>();
    walk(expr, (node) => {
      if (node.kind !== 'Path') return;
      const r = this.analysis.paths.get(node);
      if (r) refs.set(this.variableOf(node, r, undefined), variableKey(r));
      return false;
    });
    const falseWithout = [...refs].filter(([, key]) => falseWhenMissing(expr, key, this.analysis.paths)).map(([v]) => v);
    const atom: Atom = { kind: 'opaque', node: expr, refs: [...refs.keys()], onMissing: this.onMissing(expr), falseWithout };
    this.atoms.push(atom);
    this.opaqueByText.set(text, this.atoms.length - 1);
    return this.atoms.length - 1;
  }

  /** The clause's value on a user who sends none of its attributes, when no clock decides it. */
  private onMissing(expr: Expr): boolean | undefined {
    const f = this.parts.value(expr);
    const at = (now: Date) => truthy(f({ root: {}, now, timezone: 'UTC' }));
    const early = at(new Date(0));
    return early === at(new Date('2200-01-01T00:00:00Z')) ? early : undefined;
  }
}

const NOT_A_LITERAL = Symbol('not a literal');

function unwrap(expr: Expr): Expr {
  return expr.kind === 'Group' ? unwrap(expr.inner) : expr;
}


/** A literal usable against an attribute of `scalar` type (null everywhere), or NOT_A_LITERAL. */
function literalFor(scalar: Scalar, l: LiteralExpr): unknown {
  const v = l.value;
  if (v === null) return null;
  if (scalar === 'string') return typeof v === 'string' ? v : NOT_A_LITERAL;
  if (scalar === 'number') return typeof v === 'number' && Number.isFinite(v) ? v : NOT_A_LITERAL;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && (v.toLowerCase() === 'true' || v.toLowerCase() === 'false')) return v.toLowerCase() === 'true';
  return NOT_A_LITERAL;
}

/**
 * Missing, each literal, the other runtime spellings a client may send for it (a number or a
 * boolean for a string literal that reads as one, a case variant of a caseExact string), `""`
 * and one value equal to no literal.
 */
function representatives(d: VariableDraft): unknown[] {
  const reps: unknown[] = [null];
  const add = (v: unknown) => {
    if (!reps.some((r) => Object.is(r, v))) reps.push(v);
  };
  const present = d.literals.filter((l) => l !== null);
  if (d.scalar === undefined) {
    add('present');
    return reps;
  }
  for (const l of present) {
    add(l);
    if (typeof l === 'string') {
      if (d.caseExact) {
        add(l.toLowerCase());
        add(l.toUpperCase());
      }
      if (l.trim() !== '' && Number.isFinite(Number(l))) add(Number(l));
      if (l.toLowerCase() === 'true' || l.toLowerCase() === 'false') add(l.toLowerCase() === 'true');
    }
  }
  if (d.scalar === 'number') {
    add(Math.max(0, ...present.filter((l): l is number => typeof l === 'number')) + 1);
    add('other');
  } else if (d.scalar === 'boolean') {
    add(true);
    add(false);
    add('other');
  } else {
    add('');
    const taken = new Set(present.map((l) => String(l).toLowerCase()));
    let other = 'other';
    while (taken.has(other)) other += '_';
    add(other);
  }
  return reps;
}
