// Static rules of comparisons (`eq`, `gt`, `co`, `in` items): which operand types can meet
// under which operator. Reports E204 and W207 through the checker's `report`.

import type { CompareOp, Expr, Span } from './ast.ts';
import type { DslCode } from './diagnostic.ts';
import { attributeType, findAttribute, writtenPath } from './resolve.ts';
import type { Type } from './types.ts';
import { parseDateTime } from './values.ts';

/** Receives one diagnostic of the checker. */
export type Report = (code: DslCode, span: Span, message: string, help?: string) => void;

/** The scalar that a comparison operand stands for; undefined when it cannot be compared. */
type Operand = { kind: 'string' | 'number' | 'boolean' | 'dateTime' | 'null' | 'any'; caseExact: boolean };

function operand(report: Report, expr: Expr, t: Type): Operand | undefined {
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
      return operand(report, expr, t.of);
    case 'complex': {
      const value = findAttribute(t.attribute?.subAttributes, 'value');
      if (value && value.type !== 'complex') return operand(report, expr, attributeType(value));
      const subs = t.attribute?.subAttributes ?? [];
      const written = expr.kind === 'Path' ? writtenPath(expr) : 'it';
      report(
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
export function compareTypes(report: Report, op: CompareOp, opText: string, leftExpr: Expr, lt: Type, rightExpr: Expr, rt: Type): void {
  const l = operand(report, leftExpr, lt);
  const r = operand(report, rightExpr, rt);
  if (!l || !r) return;
  if (l.kind === 'any' || r.kind === 'any') return;
  if (l.kind === 'null' || r.kind === 'null') {
    if (op !== 'eq' && op !== 'ne') {
      report('E204', (l.kind === 'null' ? leftExpr : rightExpr).span, `\`${opText}\` cannot compare with \`null\``, 'use `eq null`, `ne null` or `pr`');
    }
    return;
  }
  const stringOps = op === 'co' || op === 'sw' || op === 'ew';
  const orderOps = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le';
  const mismatch = (at: Expr, message: string, help?: string) => report('E204', at.span, message, help);
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
        report('W207', be.span, `${name(ae, a)}; the string \`"${be.value}"\` is compared as \`${lower}\``, `write \`${lower}\` without quotes`);
      }
    } else {
      const never = op === 'ne' ? 'always differs from' : 'never equals';
      report('W207', be.span, `${name(ae, a)} and ${never} the string \`"${be.value}"\``, 'compare with `true` or `false`');
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

function isLiteral(e: Expr): boolean {
  return e.kind === 'Literal' || (e.kind === 'Group' && isLiteral(e.inner));
}
