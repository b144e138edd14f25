// Static checking of one expression against a Scope: resolves attribute paths, types every node
// and returns an Analysis (types, provenance, resolved paths, time dependence) plus E2xx/W207/E501
// diagnostics.

import type { CompareExpr, Expr, PathExpr, Span } from './ast.ts';
import { checkCall, type ExprChecker } from './check-call.ts';
import { compareTypes, type Report } from './check-compare.ts';
import type { DslCode, DslDiagnostic } from './diagnostic.ts';
import { joinTypes } from './functions.ts';
import { NO_PROVENANCE, provenanceOf, type Provenance, type ProvenanceContext } from './provenance.ts';
import { diag, filterScope, resolvePath, writtenPath, type ResolvedPath } from './resolve.ts';
import { dependsOnTime } from './time-dependence.ts';
import { scalarOf, typeName } from './type-names.ts';
import type { Scope, Type } from './types.ts';
import { visit, type ExprVisitor } from './walk.ts';

/** Whether an expression is read as a condition (a strict boolean) or as a value. */
export type Expect = 'condition' | 'value';

/**
 * Everything the checker learned about one expression, keyed by node identity: compile.ts
 * builds closures from it and next-change.ts its time analysis, without analysing again.
 * Invariants: `expr`, `scope` and `expect` are what was analysed; `types` has an entry for every
 * node the checker reached; `paths` holds the resolved paths only (an unresolved one has an
 * error in `diagnostics`); an analysis with errors compiles, but its unresolved names read null.
 */
export interface Analysis {
  readonly expr: Expr;
  readonly scope: Scope;
  readonly expect: Expect;
  readonly type: Type;
  readonly diagnostics: readonly DslDiagnostic[];
  readonly types: ReadonlyMap<Expr, Type>;
  /**
   * Where each typed node's value can come from (dates, photos, certificates, binary data),
   * carried through every function: the one place the product rules on stored values read.
   * Same keys as `types`.
   */
  readonly provenance: ReadonlyMap<Expr, Provenance>;
  readonly paths: ReadonlyMap<PathExpr, ResolvedPath>;
  /** Filtered paths without a sub-attribute used as a condition: "some element matches". */
  readonly existence: ReadonlySet<PathExpr>;
  /** Whether the expression calls now() or today() anywhere, value filters included. */
  readonly timeDependent: boolean;
}

const ANY: Type = { kind: 'any' };
const BOOLEAN: Type = { kind: 'boolean' };

/** Type-checks `expr` as a condition or a value. Several independent mistakes are all reported. */
export function checkExpression(expr: Expr, scope: Scope, expect: Expect): { type: Type; diagnostics: DslDiagnostic[] } {
  const a = analyzeExpression(expr, scope, expect);
  return { type: a.type, diagnostics: [...a.diagnostics] };
}

/** Analyses `expr` once: the input of compileChecked and compileNextChange. */
export function analyzeExpression(expr: Expr, scope: Scope, expect: Expect): Analysis {
  const checker = new Checker();
  const type = expect === 'condition' ? checker.condition(expr, scope) : checker.value(expr, scope);
  return {
    expr,
    scope,
    expect,
    type,
    diagnostics: checker.diagnostics,
    types: checker.types,
    provenance: checker.provenance,
    paths: checker.paths,
    existence: checker.existence,
    timeDependent: dependsOnTime(expr),
  };
}

type Context = { readonly checker: Checker; readonly scope: Scope };

/** The type of each kind of node read as a value; sub-expressions are checked on the way. */
const valueRules: ExprVisitor<Type, Context> = {
  Error: () => ANY,
  Literal: (expr) => {
    if (expr.value === null) return { kind: 'null' };
    if (typeof expr.value === 'string') return { kind: 'string' };
    if (typeof expr.value === 'number') return { kind: 'number' };
    return BOOLEAN;
  },
  List: (expr, { checker, scope }) => ({ kind: 'list', of: joinTypes(expr.items.map((i) => scalarOf(checker.value(i, scope)))) }),
  Path: (expr, { checker, scope }) => checker.path(expr, scope),
  Group: (expr, { checker, scope }) => checker.value(expr.inner, scope),
  Logical: (expr, { checker, scope }) => {
    checker.condition(expr.left, scope);
    checker.condition(expr.right, scope);
    return BOOLEAN;
  },
  Not: (expr, { checker, scope }) => {
    checker.condition(expr.operand, scope);
    return BOOLEAN;
  },
  Present: (expr, { checker, scope }) => {
    checker.value(expr.operand, scope);
    return BOOLEAN;
  },
  Compare: (expr, { checker, scope }) => {
    checker.compare(expr, scope);
    return BOOLEAN;
  },
  In: (expr, { checker, scope }) => {
    checker.inList(expr, scope);
    return BOOLEAN;
  },
  Coalesce: (expr, { checker, scope }) => joinTypes([scalarOf(checker.value(expr.left, scope)), scalarOf(checker.value(expr.right, scope))]),
  Call: (expr, { checker, scope }) => checkCall(checker, expr, scope),
};

class Checker implements ExprChecker {
  readonly diagnostics: DslDiagnostic[] = [];
  readonly types = new Map<Expr, Type>();
  readonly provenance = new Map<Expr, Provenance>();
  private readonly provenanceContext: ProvenanceContext = { of: (e) => this.provenance.get(e) ?? NO_PROVENANCE };
  readonly paths = new Map<PathExpr, ResolvedPath>();
  readonly existence = new Set<PathExpr>();
  readonly reporter: Report = (code, span, message, help) => this.report(code, span, message, help);

  report(code: DslCode, span: Span, message: string, help?: string): void {
    this.diagnostics.push(diag(code, span, message, help));
  }

  /** Children are recorded before their parent, so a node's provenance reads theirs. */
  private record(expr: Expr, type: Type): Type {
    this.types.set(expr, type);
    this.provenance.set(expr, provenanceOf(expr, type, this.provenanceContext));
    return type;
  }

  condition(expr: Expr, scope: Scope): Type {
    if (expr.kind === 'Group') {
      const t = this.condition(expr.inner, scope);
      return this.record(expr, t);
    }
    if (expr.kind === 'Path') {
      const last = expr.steps[expr.steps.length - 1];
      if (last?.filter) {
        const t = this.path(expr, scope);
        if (t.kind === 'any') return t;
        this.existence.add(expr);
        return this.record(expr, BOOLEAN);
      }
    }
    const t = this.value(expr, scope);
    if (t.kind === 'boolean' || t.kind === 'any' || t.kind === 'null') return t;
    const help =
      expr.kind === 'Path'
        ? `compare it: \`${writtenPath(expr)} eq "..."\`, or test presence: \`${writtenPath(expr)} pr\``
        : t.kind === 'string' || t.kind === 'number'
          ? 'compare it with a value, e.g. `... eq "..."`'
          : undefined;
    this.report('E205', expr.span, `this condition is a \`${typeName(t)}\`, not a boolean`, help);
    return ANY;
  }

  value(expr: Expr, scope: Scope): Type {
    return this.record(expr, visit(expr, valueRules, { checker: this, scope }));
  }

  path(expr: PathExpr, scope: Scope): Type {
    const r = resolvePath(expr, scope);
    if (!r.ok) {
      this.diagnostics.push(r.diagnostic);
      return this.record(expr, ANY);
    }
    let broken = false;
    for (const step of r.steps) {
      if (!step.filter) continue;
      if (step.def.type !== 'complex') {
        this.report('E206', step.filter.span, `only complex attributes can be filtered, \`${step.def.name}\` is a ${step.def.type}`, `compare the attribute directly, e.g. \`${step.def.name} eq "..."\``);
        broken = true;
        continue;
      }
      this.condition(step.filter, filterScope(step.def, scope));
    }
    if (broken) return this.record(expr, ANY);
    this.paths.set(expr, r);
    return this.record(expr, r.type);
  }

  compare(expr: CompareExpr, scope: Scope): void {
    const lt = this.value(expr.left, scope);
    const before = this.diagnostics.length;
    const rt = this.value(expr.right, scope);
    this.quoteHint(expr.right, before);
    if (lt.kind === 'list' && expr.left.kind === 'List') {
      this.report('E204', expr.left.span, `\`${expr.opText}\` cannot compare a list`, 'use `in`: `x in ["a", "b"]`');
      return;
    }
    if (rt.kind === 'list' && expr.right.kind === 'List') {
      this.report('E204', expr.right.span, `\`${expr.opText}\` cannot compare with a list`, 'use `in`: `x in ["a", "b"]`');
      return;
    }
    compareTypes(this.reporter, expr.op, expr.opText, expr.left, lt, expr.right, rt);
  }

  /**
   * `function eq Director`: an unknown bare name where a value is compared is most likely text
   * that lacks quotes. Replaces a did-you-mean-less E201 help with that advice.
   */
  private quoteHint(value: Expr, from: number): void {
    if (value.kind !== 'Path' || value.urn !== undefined || value.steps.length !== 1 || value.steps[0]!.filter) return;
    const i = this.diagnostics.findIndex((d, j) => j >= from && d.code === 'E201' && d.span.start === value.span.start);
    const d = this.diagnostics[i];
    if (!d || d.help) return;
    const name = value.steps[0]!.name;
    this.diagnostics[i] = { ...d, help: `to compare with the text \`${name}\`, quote it: \`"${name}"\`` };
  }

  inList(expr: Extract<Expr, { kind: 'In' }>, scope: Scope): void {
    const ot = this.value(expr.operand, scope);
    if (expr.list.kind === 'List') {
      const items = expr.list.items.map((i) => {
        const before = this.diagnostics.length;
        const t = this.value(i, scope);
        this.quoteHint(i, before);
        return [i, t] as const;
      });
      this.record(expr.list, { kind: 'list', of: joinTypes(items.map(([, t]) => t)) });
      for (const [item, t] of items) compareTypes(this.reporter, 'eq', 'in', expr.operand, ot, item, t);
      return;
    }
    const lt = this.value(expr.list, scope);
    if (lt.kind === 'any' || lt.kind === 'list' || ('multi' in lt && lt.multi === true)) {
      compareTypes(this.reporter, 'eq', 'in', expr.operand, ot, expr.list, lt.kind === 'list' ? lt.of : lt);
      return;
    }
    this.report('E204', expr.list.span, `\`in\` needs a list, this is a \`${typeName(lt)}\``, 'write a list: `["a", "b"]`');
  }
}
