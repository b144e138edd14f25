// Which expression of a tenant file an offset falls in, and what its names mean there: the
// checker's own parse, scope and analysis (engine/check-tenant-file.ts), never a second one.

import { isMap, isScalar, isSeq } from 'yaml';
import type { Analysis } from '../../dsl/check.ts';
import type { Scope } from '../../dsl/types.ts';
import { checkTenantFile, type TenantFileCheck } from '../check-tenant-file.ts';
import type { ParsedExpression } from '../parse-expressions.ts';

/** Where the assistance functions read a tenant file from: its text, or a check already made of it. */
export type AssistSource = string | TenantFileCheck;

/** The file name diagnostics carry when the caller gives none. */
export const DEFAULT_FILE = 'tenant.yaml';

export function checkOf(source: AssistSource, file = DEFAULT_FILE): TenantFileCheck {
  return typeof source === 'string' ? checkTenantFile(file, source) : source;
}

/**
 * One expression of the file with what names mean in it. `role` says which part of the file it
 * is: group rules resolve profile fields (`scope` is the profile scope), the others SCIM attributes.
 */
export interface ExpressionContext {
  readonly expr: ParsedExpression;
  readonly role: 'key' | 'profile' | 'deactivate' | 'group';
  readonly scope: Scope;
  /** The checker's analysis, when the expression parsed. */
  readonly analysis?: Analysis;
}

/** Every expression of the file in file order, with its scope. Empty when the file has no usable shape. */
export function expressionsOf(check: TenantFileCheck): ExpressionContext[] {
  const { parsed, checked } = check;
  if (!parsed || !checked) return [];
  const out: ExpressionContext[] = [];
  const add = (expr: ParsedExpression | undefined, role: ExpressionContext['role'], scope: Scope) => {
    if (!expr) return;
    const analysis = checked.analyses.get(expr);
    out.push({ expr, role, scope, ...(analysis ? { analysis } : {}) });
  };
  add(parsed.key, 'key', scopeOf(checked, 'key'));
  for (const p of parsed.profile) add(p.expr, 'profile', scopeOf(checked, 'profile'));
  add(parsed.deactivate, 'deactivate', scopeOf(checked, 'deactivate'));
  for (const g of parsed.groups) add(g.expr, 'group', scopeOf(checked, 'group'));
  return out;
}

/** The scope an expression of `role` reads: the user's attributes, or for a group rule the profile. */
const scopeOf = (checked: NonNullable<TenantFileCheck['checked']>, role: ExpressionContext['role']): Scope =>
  role === 'group' ? checked.profileScope : checked.userScope;

/**
 * The expression whose scalar holds file offset `offset` (its ends included, so a cursor just
 * after the last character counts), and the offset inside the expression's text.
 */
export function expressionAt(check: TenantFileCheck, offset: number): { context: ExpressionContext; at: number } | undefined {
  for (const context of expressionsOf(check)) {
    const { source } = context.expr;
    if (offset < source.span.start || offset > source.span.end) continue;
    const at = exprOffsetOf(context.expr, offset);
    if (at !== undefined) return { context, at };
  }
  return undefined;
}

/** The offset in the expression's text whose character is at file offset `offset` (or just after the text). */
function exprOffsetOf(expr: ParsedExpression, offset: number): number | undefined {
  const { source } = expr;
  const first = source.toFileOffset(0);
  const last = source.toFileOffset(source.text.length);
  if (offset < first || offset > last) return undefined;
  for (let i = 0; i <= source.text.length; i++) if (source.toFileOffset(i) >= offset) return i;
  return source.text.length;
}

/**
 * The empty value at file offset `offset` (`when: |`, after the blank that follows the colon),
 * where an expression of `role` goes: no expression yet, but its scope is known from the check.
 */
export function emptyValueAt(check: TenantFileCheck, offset: number): { role: ExpressionContext['role']; scope: Scope } | undefined {
  const { loaded, checked } = check;
  if (!checked) return undefined;
  // From the YAML, not the config: the shape check leaves an empty value out of the config.
  const profile = loaded.nodeAt(['profile']);
  const groups = loaded.nodeAt(['groups']);
  const fields = isMap(profile) ? profile.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : undefined)) : [];
  const places: { path: (string | number)[]; role: ExpressionContext['role'] }[] = [
    { path: ['key'], role: 'key' },
    ...fields.flatMap((field) => (field === undefined ? [] : [{ path: ['profile', field], role: 'profile' as const }])),
    { path: ['deactivate', 'when'], role: 'deactivate' },
    ...(isSeq(groups) ? groups.items : []).map((_, i) => ({ path: ['groups', i, 'when'], role: 'group' as const })),
  ];
  for (const place of places) {
    const key = loaded.spanAt(place.path, 'key');
    if (!key || key.end > offset || !/^[ \t]*:[ \t]+$/.test(loaded.text.slice(key.end, offset))) continue;
    const node = loaded.nodeAt(place.path) as { value?: unknown } | undefined;
    const rest = /^[ \t]*(?:\r?\n|$)/.test(loaded.text.slice(offset));
    if (rest && (node === undefined || node.value === null || node.value === '')) return { role: place.role, scope: scopeOf(checked, place.role) };
  }
  return undefined;
}
