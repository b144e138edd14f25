// Test oracle: a plain tree-walking interpreter of the expression language, written for clarity,
// not speed, plus the hand-built scopes the dsl tests share. Never used outside tests.

import type { CompareOp, Expr } from '../../dsl/ast.ts';
import { analyzeExpression, type Analysis } from '../../dsl/check.ts';
import { lookupFunction } from '../../dsl/functions.ts';
import type { AttributeDef, EvalContext, Scope, Type } from '../../dsl/types.ts';
import { parseDateTime } from '../../dsl/values.ts';

const attr = (name: string, type: AttributeDef['type'], extra: Partial<AttributeDef> = {}): AttributeDef => ({
  name,
  type,
  multiValued: false,
  caseExact: false,
  mutability: 'readWrite',
  uniqueness: 'none',
  ...extra,
});

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

export const userScope: Scope = {
  kind: 'scim',
  urn: 'urn:ietf:params:scim:schemas:core:2.0:User',
  attributes: [
    attr('id', 'string', { caseExact: true, mutability: 'readOnly', uniqueness: 'server' }),
    attr('externalId', 'string', { caseExact: true }),
    attr('userName', 'string', { uniqueness: 'server' }),
    attr('displayName', 'string'),
    attr('title', 'string'),
    attr('active', 'boolean'),
    attr('name', 'complex', { subAttributes: [attr('givenName', 'string'), attr('familyName', 'string'), attr('formatted', 'string')] }),
    attr('emails', 'complex', {
      multiValued: true,
      subAttributes: [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')],
    }),
    attr('photos', 'complex', {
      multiValued: true,
      media: 'photo',
      subAttributes: [attr('value', 'reference'), attr('type', 'string')],
    }),
    attr('x509Certificates', 'complex', { multiValued: true, media: 'certificate', subAttributes: [attr('value', 'binary')] }),
    attr('meta', 'complex', { subAttributes: [attr('created', 'dateTime'), attr('lastModified', 'dateTime'), attr('version', 'string', { caseExact: true })] }),
    attr('nickName', 'string'),
    attr('score', 'decimal'),
  ],
  namespaces: [
    {
      urn: ENTERPRISE,
      aliases: ['enterprise'],
      attributes: [
        attr('department', 'string'),
        attr('employeeNumber', 'string'),
        attr('manager', 'complex', { subAttributes: [attr('value', 'string'), attr('displayName', 'string')] }),
      ],
    },
    { urn: ACME, aliases: ['acme'], attributes: [attr('employmentEndDate', 'dateTime'), attr('costCenter', 'string')] },
  ],
};

export const profileScope: Scope = {
  kind: 'profile',
  attributes: [attr('function', 'string'), attr('department', 'string'), attr('email', 'string'), attr('level', 'decimal'), attr('manager', 'boolean')],
  namespaces: [],
  scimAttributes: ['userName', 'title', 'active', 'emails', 'name', 'externalId', 'enterprise', 'acme'],
};

export function ctxFor(root: Record<string, unknown>, now = '2026-05-01T09:00:00Z', timezone = 'Europe/Amsterdam'): EvalContext {
  return { root, now: new Date(now), timezone };
}

type Static = { caseExact: boolean; dateTime: boolean };

/** Evaluates `expr` the slow, obvious way. */
export function interpret(expr: Expr, scope: Scope, expect: 'condition' | 'value', ctx: EvalContext): unknown {
  const analysis = analyzeExpression(expr, scope, expect);
  const i = new Interpreter(analysis, ctx);
  return expect === 'condition' ? i.cond(expr, ctx.root) : i.val(expr, ctx.root);
}

/** The oracle itself, for oracles built on it (tagging-interpreter.ts). */
export class Interpreter {
  constructor(
    private readonly a: Analysis,
    private readonly ctx: EvalContext,
  ) {}

  cond(e: Expr, root: unknown): boolean {
    if (e.kind === 'Group') return this.cond(e.inner, root);
    if (e.kind === 'Path') {
      const v = this.raw(e, root);
      if (this.a.existence.has(e)) return Array.isArray(v) ? v.length > 0 : v !== null;
      return isTrue(v);
    }
    return isTrue(this.val(e, root));
  }

  raw(e: Expr, root: unknown): unknown {
    if (e.kind === 'Group') return this.raw(e.inner, root);
    if (e.kind !== 'Path') return this.val(e, root);
    const r = this.a.paths.get(e);
    if (!r) return null;
    // The root is the resource or, inside a value filter, one element. An element that is itself
    // a list (SCIM has none) has no attributes, as `emails.type` reads it: nothing is flattened here.
    let cur: unknown = Array.isArray(root) ? null : root;
    const names: { name: string; filter?: Expr }[] = [];
    if (r.urn) names.push({ name: r.urn });
    for (const s of r.steps) names.push(s.filter ? { name: s.name, filter: s.filter } : { name: s.name });
    for (const s of names) {
      if (Array.isArray(cur)) {
        const out: unknown[] = [];
        for (const el of cur) {
          const x = lookup(el, s.name);
          if (Array.isArray(x)) out.push(...x.filter((y) => y !== null && y !== undefined));
          else if (x !== null) out.push(x);
        }
        cur = out;
      } else {
        cur = lookup(cur, s.name);
      }
      if (s.filter) {
        const f = s.filter;
        if (Array.isArray(cur)) cur = cur.filter((el) => this.cond(f, el));
        else if (cur !== null) cur = this.cond(f, cur) ? cur : null;
      }
    }
    return cur;
  }

  val(e: Expr, root: unknown): unknown {
    switch (e.kind) {
      case 'Error':
        return null;
      case 'Literal':
        return e.value;
      case 'List':
        return e.items.map((i) => this.val(i, root));
      case 'Group':
        return this.val(e.inner, root);
      case 'Path': {
        const v = this.raw(e, root);
        const t = this.a.paths.get(e)?.type;
        if (t && 'picked' in t && t.picked && Array.isArray(v)) return v.length ? v[0] : null;
        return v;
      }
      case 'Logical':
        return e.op === 'and' ? this.cond(e.left, root) && this.cond(e.right, root) : this.cond(e.left, root) || this.cond(e.right, root);
      case 'Not':
        return !this.cond(e.operand, root);
      case 'Present':
        return present(this.raw(e.operand, root));
      case 'Compare':
        return compare(e.op, this.raw(e.left, root), this.raw(e.right, root), this.stat([e.left, e.right]), this.ctx.timezone);
      case 'In': {
        const v = this.raw(e.operand, root);
        const s = this.stat(e.list.kind === 'List' ? [e.operand, e.list.items[0] ?? e.list, e.list] : [e.operand, e.list]);
        let items: unknown[];
        if (e.list.kind === 'List') items = e.list.items.map((i) => this.raw(i, root));
        else {
          const l = this.raw(e.list, root);
          items = Array.isArray(l) ? l : l === null ? [] : [l];
        }
        const hit = items.some((item) => compare('eq', v, item, s, this.ctx.timezone));
        return e.negated ? !hit : hit;
      }
      case 'Coalesce': {
        const l = this.val(e.left, root);
        if (!empty(l)) return l;
        return this.val(e.right, root) ?? null;
      }
      case 'Call': {
        const fn = lookupFunction(e.name);
        if (!fn || e.args.length < fn.minArgs || e.args.length > fn.maxArgs) return null;
        const args = e.args.map((a, i) => (fn.param(i, e.args.length) === 'condition' ? this.cond(a, root) : this.val(a, root)));
        return fn.impl(args, this.ctx);
      }
    }
  }

  private stat(exprs: Expr[]): Static {
    let caseExact = false;
    let dateTime = false;
    for (const x of exprs) {
      let t: Type | undefined = x.kind === 'Path' ? this.a.paths.get(x)?.type : this.a.types.get(x);
      if (t?.kind === 'list') t = t.of;
      if (t?.kind === 'complex') {
        const v = t.attribute?.subAttributes?.find((s) => s.name.toLowerCase() === 'value');
        if (v?.type === 'dateTime') dateTime = true;
        if (v?.caseExact || v?.type === 'binary') caseExact = true;
      }
      if (t?.kind === 'string' && t.caseExact) caseExact = true;
      if (t?.kind === 'binary') caseExact = true;
      if (t?.kind === 'dateTime') dateTime = true;
    }
    return { caseExact, dateTime };
  }
}

function lookup(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const rec = obj as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(rec, name) && rec[name] !== undefined) return rec[name];
  const key = Object.keys(rec).find((k) => k !== name && k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (rec[key] ?? null);
}

function plain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function empty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (plain(v) && Object.keys(v).length === 0);
}

function present(v: unknown): boolean {
  return Array.isArray(v) ? v.some(present) : !empty(v);
}

function isTrue(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(isTrue);
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

function compare(op: CompareOp, l: unknown, r: unknown, s: Static, tz: string): boolean {
  if (plain(l)) l = lookup(l, 'value');
  if (plain(r)) r = lookup(r, 'value');
  if (Array.isArray(l) && l.length) return l.some((x) => compare(op, x, r, s, tz));
  if (Array.isArray(r) && r.length) return r.some((x) => compare(op, l, x, s, tz));
  const lm = l === null || l === undefined || Array.isArray(l);
  const rm = r === null || r === undefined || Array.isArray(r);
  if (lm || rm) return op === 'eq' ? lm && rm : op === 'ne' ? lm !== rm : false;
  const ordered = (a: number | string, b: number | string): boolean =>
    op === 'eq' ? a === b : op === 'ne' ? a !== b : op === 'gt' ? a > b : op === 'ge' ? a >= b : op === 'lt' ? a < b : op === 'le' ? a <= b : false;
  if ((s.dateTime || l instanceof Date || r instanceof Date) && !['co', 'sw', 'ew'].includes(op)) {
    const t = (v: unknown) => (v instanceof Date ? v.getTime() : typeof v === 'string' ? parseDateTime(v, tz) : NaN);
    const a = t(l);
    const b = t(r);
    return Number.isNaN(a) || Number.isNaN(b) ? op === 'ne' : ordered(a, b);
  }
  if (typeof l === 'string' && typeof r === 'string') {
    const a = s.caseExact ? l : l.toLowerCase();
    const b = s.caseExact ? r : r.toLowerCase();
    if (op === 'co') return a.includes(b);
    if (op === 'sw') return a.startsWith(b);
    if (op === 'ew') return a.endsWith(b);
    return ordered(a, b);
  }
  if (typeof l === 'boolean' || typeof r === 'boolean') {
    const b = (v: unknown) => (typeof v === 'boolean' ? v : typeof v === 'string' && ['true', 'false'].includes(v.toLowerCase()) ? v.toLowerCase() === 'true' : null);
    const a = b(l);
    const c = b(r);
    if (a === null || c === null) return op === 'ne';
    return op === 'eq' ? a === c : op === 'ne' ? a !== c : false;
  }
  if (typeof l === 'number' || typeof r === 'number') {
    const n = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);
    const a = n(l);
    const b = n(r);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return op === 'ne';
    return ['co', 'sw', 'ew'].includes(op) ? false : ordered(a, b);
  }
  return op === 'ne';
}
