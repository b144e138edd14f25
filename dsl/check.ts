// Static checking of one expression against a Scope: resolves attribute paths, types every node
// and returns the expression's Type plus E2xx/W207/E501 diagnostics. compile.ts reuses the analysis.

import type { CompareExpr, CompareOp, Expr, PathExpr, Span } from './ast.ts';
import { assertNever } from './ast.ts';
import type { DslCode, DslDiagnostic } from './diagnostic.ts';
import { functionNames, joinTypes, lookupFunction, type ParamKind } from './functions.ts';
import { didYouMean } from './suggest.ts';
import type { AttributeDef, Namespace, Scope, Type } from './types.ts';
import { parseDateTime } from './values.ts';

/** The core User schema URN: a full URN path through it names a core attribute. */
export const CORE_USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** The enterprise extension, reachable through its built-in alias `enterprise`. */
export const ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export interface ResolvedStep {
  /** Canonical attribute name (as in the AttributeDef), the runtime key tried first. */
  readonly name: string;
  readonly def: AttributeDef;
  readonly span: Span;
  readonly filter?: Expr;
}

/**
 * A path that names an attribute. Invariants: `steps` is non-empty and in written order;
 * `urn`, when set, is the canonical URN of an extension namespace whose values live at
 * runtime under `root[urn]` (never set for the core schema); `def` is the last step's def.
 */
export interface ResolvedPath {
  readonly ok: true;
  readonly urn?: string;
  readonly namespace?: Namespace;
  readonly steps: readonly ResolvedStep[];
  readonly def: AttributeDef;
  /** The path's type as a value (see `Type`: multi, picked, media). */
  readonly type: Type;
}

export interface UnresolvedPath {
  readonly ok: false;
  readonly diagnostic: DslDiagnostic;
  /** Names that were valid where resolution failed. */
  readonly candidates: readonly string[];
}

/** Everything check learned, keyed by node identity; compile.ts builds closures from it. */
export interface Analysis {
  readonly type: Type;
  readonly diagnostics: DslDiagnostic[];
  readonly types: ReadonlyMap<Expr, Type>;
  readonly paths: ReadonlyMap<PathExpr, ResolvedPath>;
  /** Filtered paths without a sub-attribute used as a condition: "some element matches". */
  readonly existence: ReadonlySet<PathExpr>;
}

const ANY: Type = { kind: 'any' };
const BOOLEAN: Type = { kind: 'boolean' };

/** Type-checks `expr` as a condition or a value. Several independent mistakes are all reported. */
export function checkExpression(expr: Expr, scope: Scope, expect: 'condition' | 'value'): { type: Type; diagnostics: DslDiagnostic[] } {
  const a = analyzeExpression(expr, scope, expect);
  return { type: a.type, diagnostics: a.diagnostics };
}

export function analyzeExpression(expr: Expr, scope: Scope, expect: 'condition' | 'value'): Analysis {
  const checker = new Checker();
  const type = expect === 'condition' ? checker.condition(expr, scope) : checker.value(expr, scope);
  return { type, diagnostics: checker.diagnostics, types: checker.types, paths: checker.paths, existence: checker.existence };
}

function attributeType(def: AttributeDef): Type {
  switch (def.type) {
    case 'string':
      return def.caseExact ? { kind: 'string', caseExact: true } : { kind: 'string' };
    case 'reference':
      return { kind: 'reference' };
    case 'binary':
      return { kind: 'binary' };
    case 'dateTime':
      return { kind: 'dateTime' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'decimal':
    case 'integer':
      return { kind: 'number' };
    case 'complex':
      return { kind: 'complex', attribute: def };
  }
}

function pathType(steps: readonly ResolvedStep[]): Type {
  const last = steps[steps.length - 1]!;
  let media: 'photo' | 'certificate' | undefined;
  for (const s of steps) media = media ?? s.def.media;
  let pickedAt = -1;
  for (let i = 0; i < steps.length - 1; i++) if (steps[i]!.filter) pickedAt = i;
  let multi = false;
  let picked = false;
  if (pickedAt >= 0) {
    picked = true;
    for (let i = pickedAt + 1; i < steps.length; i++) if (steps[i]!.def.multiValued) multi = true;
    if (multi) picked = false;
  } else {
    multi = steps.some((s) => s.def.multiValued);
  }
  const base = attributeType(last.def) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  if (multi) out.multi = true;
  if (picked) out.picked = true;
  if (media && (base.kind === 'string' || base.kind === 'reference' || base.kind === 'binary' || base.kind === 'complex')) out.media = media;
  return out as Type;
}

function findAttribute(list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  if (!list) return undefined;
  const lower = name.toLowerCase();
  return list.find((a) => a.name === name) ?? list.find((a) => a.name.toLowerCase() === lower);
}

function diag(code: DslCode, span: Span, message: string, help?: string): DslDiagnostic {
  return help === undefined ? { code, span, message } : { code, span, message, help };
}

function writtenPath(path: PathExpr): string {
  const names = path.steps.map((s) => s.name).join('.');
  return path.urn ? `${path.urn}:${names}` : names;
}

function aliasesOf(scope: Scope): string[] {
  const out: string[] = [];
  for (const n of scope.namespaces) out.push(...n.aliases);
  return out;
}

function namespaceByAlias(scope: Scope, name: string): Namespace | undefined {
  const lower = name.toLowerCase();
  return scope.namespaces.find((n) => n.aliases.some((a) => a.toLowerCase() === lower));
}

/**
 * Resolves `path` in `scope` (attribute names, aliases and URNs case-insensitively). Filters are
 * not checked here, only carried along. Failure gives one E201 (or E501 in a profile scope).
 */
export function resolvePath(path: PathExpr, scope: Scope): ResolvedPath | UnresolvedPath {
  const first = path.steps[0];
  if (!first) return fail(diag('E201', path.span, 'empty attribute path'), []);
  if (scope.kind === 'profile') return resolveProfile(path, scope);

  let namespace: Namespace | undefined;
  let attributes: readonly AttributeDef[] = scope.attributes;
  let index = 0;
  if (path.urn !== undefined) {
    const lower = path.urn.toLowerCase();
    if (lower !== CORE_USER_URN.toLowerCase()) {
      namespace = scope.namespaces.find((n) => n.urn.toLowerCase() === lower);
      if (!namespace) {
        const urns = scope.namespaces.map((n) => n.urn);
        const span = { start: path.span.start, end: Math.min(path.span.start + path.urn.length, path.span.end) };
        return fail(diag('E201', span, `unknown schema \`${path.urn}\``, didYouMean(path.urn, urns)), urns);
      }
      attributes = namespace.attributes;
    }
  } else if (!findAttribute(scope.attributes, first.name)) {
    namespace = namespaceByAlias(scope, first.name);
    if (!namespace) {
      const candidates = [...scope.attributes.map((a) => a.name), ...aliasesOf(scope)];
      // A name that lives in an extension (`department`) needs its alias (`enterprise.department`).
      const home = scope.namespaces.find((n) => n.aliases.length > 0 && findAttribute(n.attributes, first.name));
      const help = home
        ? `\`${first.name}\` is in the extension \`${home.urn}\`: write \`${home.aliases[0]}.${findAttribute(home.attributes, first.name)!.name}\``
        : didYouMean(first.name, candidates);
      return fail(diag('E201', first.span, `unknown attribute \`${first.name}\``, help), candidates);
    }
    attributes = namespace.attributes;
    index = 1;
    if (path.steps.length === 1) {
      const example = namespace.attributes[0]?.name;
      return fail(
        diag('E201', first.span, `\`${first.name}\` is a schema, not an attribute`, example ? `name one of its attributes, e.g. \`${first.name}.${example}\`` : undefined),
        namespace.attributes.map((a) => a.name),
      );
    }
    if (first.filter) {
      return fail(diag('E206', first.filter.span, `\`${first.name}\` is a schema and cannot be filtered`), []);
    }
  }
  return resolveSteps(path, index, attributes, namespace);
}

function resolveSteps(path: PathExpr, index: number, attributes: readonly AttributeDef[], namespace: Namespace | undefined): ResolvedPath | UnresolvedPath {
  const steps: ResolvedStep[] = [];
  let level = attributes;
  let parent: AttributeDef | undefined;
  for (let i = index; i < path.steps.length; i++) {
    const step = path.steps[i]!;
    if (parent && parent.type !== 'complex') {
      return fail(diag('E201', step.span, `\`${parent.name}\` is a ${parent.type} and has no sub-attribute \`${step.name}\``), []);
    }
    const def = findAttribute(level, step.name);
    if (!def) {
      const candidates = level.map((a) => a.name);
      const message = parent ? `unknown attribute \`${step.name}\` in \`${parent.name}\`` : `unknown attribute \`${step.name}\``;
      return fail(diag('E201', step.span, message, didYouMean(step.name, candidates)), candidates);
    }
    steps.push(step.filter ? { name: def.name, def, span: step.span, filter: step.filter } : { name: def.name, def, span: step.span });
    parent = def;
    level = def.subAttributes ?? [];
  }
  const resolved: ResolvedPath = {
    ok: true,
    steps,
    def: steps[steps.length - 1]!.def,
    type: pathType(steps),
    ...(namespace ? { urn: namespace.urn, namespace } : {}),
  };
  return resolved;
}

function resolveProfile(path: PathExpr, scope: Scope): ResolvedPath | UnresolvedPath {
  const first = path.steps[0]!;
  if (path.urn === undefined && findAttribute(scope.attributes, first.name)) {
    return resolveSteps(path, 0, scope.attributes, undefined);
  }
  const written = writtenPath(path);
  const lowerFirst = first.name.toLowerCase();
  const lowerWritten = written.toLowerCase();
  const scim = scope.scimAttributes ?? [];
  const isScim =
    path.urn !== undefined ||
    lowerFirst === 'enterprise' ||
    scim.some((n) => n.toLowerCase() === lowerFirst || n.toLowerCase() === lowerWritten) ||
    namespaceByAlias(scope, first.name) !== undefined;
  const fields = scope.attributes.map((a) => a.name);
  if (isScim) {
    const field = path.steps[path.steps.length - 1]!.name;
    return fail(
      diag(
        'E501',
        path.span,
        `group rules can only use profile fields, \`${written}\` is a SCIM attribute`,
        `map it to a profile field first, e.g. \`profile: { ${field}: ${written} }\`, then use \`${field}\``,
      ),
      fields,
    );
  }
  return fail(diag('E201', first.span, `unknown profile field \`${first.name}\``, didYouMean(first.name, fields)), fields);
}

function fail(diagnostic: DslDiagnostic, candidates: readonly string[]): UnresolvedPath {
  return { ok: false, diagnostic, candidates };
}

/** A readable name of a type for messages. */
export function typeName(t: Type): string {
  if (t.kind === 'list') return `list of ${typeName(t.of)}`;
  if (t.kind === 'complex') return 'multi' in t && t.multi ? 'multi-valued complex value' : 'complex value';
  const base = t.kind;
  return 'multi' in t && t.multi ? `multi-valued ${base}` : base;
}

/** The scalar that a comparison operand stands for; undefined when it cannot be compared. */
type Operand = { kind: 'string' | 'number' | 'boolean' | 'dateTime' | 'null' | 'any'; caseExact: boolean };

class Checker {
  readonly diagnostics: DslDiagnostic[] = [];
  readonly types = new Map<Expr, Type>();
  readonly paths = new Map<PathExpr, ResolvedPath>();
  readonly existence = new Set<PathExpr>();

  private report(code: DslCode, span: Span, message: string, help?: string): void {
    this.diagnostics.push(diag(code, span, message, help));
  }

  private record(expr: Expr, type: Type): Type {
    this.types.set(expr, type);
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
    return this.record(expr, this.valueInner(expr, scope));
  }

  private valueInner(expr: Expr, scope: Scope): Type {
    switch (expr.kind) {
      case 'Error':
        return ANY;
      case 'Literal':
        if (expr.value === null) return { kind: 'null' };
        if (typeof expr.value === 'string') return { kind: 'string' };
        if (typeof expr.value === 'number') return { kind: 'number' };
        return BOOLEAN;
      case 'List':
        return { kind: 'list', of: joinTypes(expr.items.map((i) => scalarOf(this.value(i, scope)))) };
      case 'Path':
        return this.path(expr, scope);
      case 'Group':
        return this.value(expr.inner, scope);
      case 'Logical':
        this.condition(expr.left, scope);
        this.condition(expr.right, scope);
        return BOOLEAN;
      case 'Not':
        this.condition(expr.operand, scope);
        return BOOLEAN;
      case 'Present':
        this.value(expr.operand, scope);
        return BOOLEAN;
      case 'Compare':
        this.compare(expr, scope);
        return BOOLEAN;
      case 'In':
        this.inList(expr, scope);
        return BOOLEAN;
      case 'Coalesce':
        return joinTypes([scalarOf(this.value(expr.left, scope)), scalarOf(this.value(expr.right, scope))]);
      case 'Call':
        return this.call(expr, scope);
      default:
        return assertNever(expr);
    }
  }

  private path(expr: PathExpr, scope: Scope): Type {
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
      const sub: Scope = { kind: 'scim', attributes: step.def.subAttributes ?? [], namespaces: [] };
      this.condition(step.filter, sub);
    }
    if (broken) return this.record(expr, ANY);
    this.paths.set(expr, r);
    return this.record(expr, r.type);
  }

  private operand(expr: Expr, t: Type): Operand | undefined {
    const caseExact = t.kind === 'string' && t.caseExact === true;
    switch (t.kind) {
      case 'any':
      case 'null':
        return { kind: t.kind, caseExact: false };
      case 'string':
      case 'reference':
      case 'binary':
        return { kind: 'string', caseExact: caseExact || t.kind === 'binary' };
      case 'number':
      case 'boolean':
      case 'dateTime':
        return { kind: t.kind, caseExact: false };
      case 'list':
        return this.operand(expr, t.of);
      case 'complex': {
        const value = findAttribute(t.attribute?.subAttributes, 'value');
        if (value && value.type !== 'complex') return this.operand(expr, attributeType(value));
        const subs = t.attribute?.subAttributes ?? [];
        const written = expr.kind === 'Path' ? writtenPath(expr) : 'it';
        this.report(
          'E204',
          expr.span,
          `\`${written}\` is a complex value and cannot be compared`,
          subs[0] ? `compare one of its sub-attributes, e.g. \`${written}.${subs[0].name}\`` : undefined,
        );
        return undefined;
      }
    }
  }

  /** Static rules for `left op right`; `rightExpr` may be an item of an `in` list. */
  private compareTypes(op: CompareOp, opText: string, leftExpr: Expr, lt: Type, rightExpr: Expr, rt: Type): void {
    const l = this.operand(leftExpr, lt);
    const r = this.operand(rightExpr, rt);
    if (!l || !r) return;
    if (l.kind === 'any' || r.kind === 'any') return;
    if (l.kind === 'null' || r.kind === 'null') {
      if (op !== 'eq' && op !== 'ne') {
        this.report('E204', (l.kind === 'null' ? leftExpr : rightExpr).span, `\`${opText}\` cannot compare with \`null\``, 'use `eq null`, `ne null` or `pr`');
      }
      return;
    }
    const stringOps = op === 'co' || op === 'sw' || op === 'ew';
    const orderOps = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
    const mismatch = (at: Expr, message: string, help?: string) => this.report('E204', at.span, message, help);
    const name = (e: Expr, o: Operand) => (e.kind === 'Path' ? `\`${writtenPath(e)}\` is a ${o.kind}` : `this is a ${o.kind}`);

    // Normalise so that a literal, if any, is on the right.
    let [a, ae, b, be] = [l, leftExpr, r, rightExpr] as [Operand, Expr, Operand, Expr];
    if (isLiteral(ae) && !isLiteral(be)) [a, ae, b, be] = [b, be, a, ae];

    if (a.kind === b.kind) {
      if (stringOps && a.kind !== 'string') {
        mismatch(ae, `\`${opText}\` needs strings, ${name(ae, a)}`);
      } else if (orderOps && a.kind === 'boolean') {
        mismatch(ae, `\`${opText}\` cannot order booleans`, 'use `eq` or `ne`');
      }
      return;
    }
    if (a.kind === 'boolean' && b.kind === 'string' && be.kind === 'Literal' && typeof be.value === 'string') {
      const lower = be.value.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        if (!be.bare) {
          this.report('W207', be.span, `${name(ae, a)}; the string \`"${be.value}"\` is compared as \`${lower}\``, `write \`${lower}\` without quotes`);
        }
      } else {
        const never = op === 'ne' ? 'always differs from' : 'never equals';
        this.report('W207', be.span, `${name(ae, a)} and ${never} the string \`"${be.value}"\``, 'compare with `true` or `false`');
      }
      if (orderOps || stringOps) mismatch(ae, `\`${opText}\` cannot compare booleans`, 'use `eq` or `ne`');
      return;
    }
    if (a.kind === 'dateTime' && b.kind === 'string') {
      if (stringOps) {
        mismatch(ae, `\`${opText}\` needs strings, ${name(ae, a)}`, 'compare date-times with `gt`, `ge`, `lt` or `le`');
      } else if (be.kind === 'Literal' && typeof be.value === 'string' && Number.isNaN(parseDateTime(be.value, 'UTC'))) {
        mismatch(be, `\`"${be.value}"\` is not an ISO 8601 date-time`, 'write e.g. `"2026-05-01"` or `"2026-05-01T09:00:00Z"`');
      }
      return;
    }
    if (b.kind === 'dateTime' && a.kind === 'string') {
      if (stringOps) mismatch(be, `\`${opText}\` needs strings, ${name(be, b)}`);
      return;
    }
    if (a.kind === 'number' && b.kind === 'string' && be.kind === 'Literal' && typeof be.value === 'string') {
      if (stringOps) mismatch(ae, `\`${opText}\` needs strings, ${name(ae, a)}`);
      else if (be.value.trim() === '' || !Number.isFinite(Number(be.value))) mismatch(be, `${name(ae, a)}, \`"${be.value}"\` is not a number`);
      return;
    }
    const help =
      a.kind === 'string' && b.kind === 'number' && be.kind === 'Literal' ? `quote it: \`"${String(be.value)}"\`` : undefined;
    mismatch(be, `cannot compare a \`${a.kind}\` with a \`${b.kind}\``, help);
  }

  private compare(expr: CompareExpr, scope: Scope): void {
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
    this.compareTypes(expr.op, expr.opText, expr.left, lt, expr.right, rt);
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

  private inList(expr: Extract<Expr, { kind: 'In' }>, scope: Scope): void {
    const ot = this.value(expr.operand, scope);
    if (expr.list.kind === 'List') {
      const items = expr.list.items.map((i) => {
        const before = this.diagnostics.length;
        const t = this.value(i, scope);
        this.quoteHint(i, before);
        return [i, t] as const;
      });
      this.record(expr.list, { kind: 'list', of: joinTypes(items.map(([, t]) => t)) });
      for (const [item, t] of items) this.compareTypes('eq', 'in', expr.operand, ot, item, t);
      return;
    }
    const lt = this.value(expr.list, scope);
    if (lt.kind === 'any' || lt.kind === 'list' || ('multi' in lt && lt.multi === true)) {
      this.compareTypes('eq', 'in', expr.operand, ot, expr.list, lt.kind === 'list' ? lt.of : lt);
      return;
    }
    this.report('E204', expr.list.span, `\`in\` needs a list, this is a \`${typeName(lt)}\``, 'write a list: `["a", "b"]`');
  }

  private call(expr: Extract<Expr, { kind: 'Call' }>, scope: Scope): Type {
    const fn = lookupFunction(expr.name);
    if (!fn) {
      this.report('E202', expr.nameSpan, `unknown function \`${expr.name}\``, didYouMean(expr.name, functionNames));
      for (const arg of expr.args) this.value(arg, scope);
      return ANY;
    }
    const count = expr.args.length;
    let arityOk = true;
    if (count < fn.minArgs) {
      this.report('E203', expr.span, `\`${fn.name}\` takes ${fn.arity}, got ${count}`, usageHelp(fn.name));
      arityOk = false;
    } else if (count > fn.maxArgs) {
      const extra = expr.args[fn.maxArgs]!;
      const lastArg = expr.args[count - 1]!;
      this.report('E203', { start: extra.span.start, end: lastArg.span.end }, `\`${fn.name}\` takes ${fn.arity}, got ${count}`, usageHelp(fn.name));
      arityOk = false;
    }
    const types: Type[] = [];
    let argError = false;
    for (let i = 0; i < count; i++) {
      const arg = expr.args[i]!;
      if (i >= fn.maxArgs) {
        this.value(arg, scope);
        continue;
      }
      const t = this.argument(fn.name, fn.param(i, count), arg, scope);
      if (t === undefined) argError = true;
      types.push(t ?? ANY);
    }
    if (!arityOk || argError) return ANY;
    return fn.result(types);
  }

  /** Checks one argument; undefined after reporting a type error. Picked values count as scalars. */
  private argument(fnName: string, kind: ParamKind, arg: Expr, scope: Scope): Type | undefined {
    if (kind === 'condition') return this.condition(arg, scope);
    const raw = this.value(arg, scope);
    const t = scalarOf(raw);
    if (t.kind === 'any' || t.kind === 'null' || kind === 'any') return t;
    const multi = t.kind === 'list' || ('multi' in t && t.multi === true);
    const what = arg.kind === 'Path' ? `\`${writtenPath(arg)}\` is a ${typeName(t)}` : `this is a ${typeName(t)}`;
    const bad = (expected: string, help?: string): undefined => {
      this.report('E204', arg.span, `\`${fnName}\` needs ${expected} here, ${what}`, help);
      return undefined;
    };
    if (multi) {
      return bad('one value', arg.kind === 'Path' ? `pick one element, e.g. \`${arg.steps[0]!.name}[type eq "work"]${arg.steps.length > 1 ? '.' + arg.steps.slice(1).map((s) => s.name).join('.') : '.value'}\`, or use \`join\`` : undefined);
    }
    switch (kind) {
      case 'string':
        return t.kind === 'string' || t.kind === 'reference' ? t : bad('a string');
      case 'number':
        return t.kind === 'number' ? t : bad('a number');
      case 'dateTime':
      case 'dateText':
        if (t.kind === 'dateTime') return t;
        if (t.kind === 'string' && arg.kind === 'Literal' && typeof arg.value === 'string') {
          if (Number.isNaN(parseDateTime(arg.value, 'UTC'))) {
            this.report('E204', arg.span, `\`"${arg.value}"\` is not an ISO 8601 date or date-time`, 'write e.g. `"2026-05-01"` or `"2026-05-01T09:00:00Z"`');
            return undefined;
          }
          return t;
        }
        if (kind === 'dateText' && (t.kind === 'string' || t.kind === 'reference')) return t;
        return bad('a date-time', t.kind === 'string' ? 'convert it first: `date(...)`' : undefined);
      case 'scalar':
        return t.kind === 'complex' || t.kind === 'binary' ? bad('a string, number, boolean or date-time') : t;
    }
  }
}

function isLiteral(e: Expr): boolean {
  return e.kind === 'Literal' || (e.kind === 'Group' && isLiteral(e.inner));
}

/** A `picked` value reduced to the scalar a value context yields. */
function scalarOf(t: Type): Type {
  if ('picked' in t && t.picked) {
    const { picked: _picked, ...rest } = t as Record<string, unknown>;
    return rest as Type;
  }
  return t;
}

const usage: Readonly<Record<string, string>> = {
  lower: 'lower(text)',
  upper: 'upper(text)',
  trim: 'trim(text)',
  concat: 'concat(a, b, ...)',
  join: 'join(separator, a, b, ...)',
  coalesce: 'coalesce(a, b, ...)',
  substring: 'substring(text, start, length?)',
  replace: 'replace(text, find, replacement)',
  split: 'split(text, separator)',
  switch: 'switch(value, key1, result1, ..., default?)',
  if: 'if(condition, then, else?)',
  now: 'now()',
  today: 'today()',
  date: 'date("2026-05-01")',
  addDays: 'addDays(date, days)',
};

function usageHelp(name: string): string | undefined {
  const u = usage[name];
  return u ? `write it as \`${u}\`` : undefined;
}
