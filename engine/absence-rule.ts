// SPEC §1 rule 3 for `deactivate.when`: absence is not a value. Returns the E603 finding (the
// clause that holds once a value is missing, message, help) for a checked condition, if any.

import type { Expr } from '../dsl/ast.ts';
import { findAbsence } from '../dsl/absence.ts';
import type { Analysis } from '../dsl/check.ts';
import { printExpression } from '../dsl/print.ts';
import { walk } from '../dsl/walk.ts';

export interface AbsenceDiagnostic {
  /** The smallest written clause that holds once the attribute is missing. */
  readonly clause: Expr;
  readonly message: string;
  readonly notes: readonly string[];
  readonly help: string;
}

/**
 * E603 for a deactivation condition that a user can make hold by sending no value, if it is one.
 * `declaredDate` is a dateTime attribute the tenant declares (`hr.contractEnd`), for the help's
 * value-based form; without one the help shows the usual `hr.endDate`.
 */
export function absenceOf(analysis: Analysis, declaredDate?: string): AbsenceDiagnostic | undefined {
  const found = findAbsence(analysis);
  if (!found) return undefined;
  const name = found.attribute;
  const clause = printExpression(found.clause);
  const pathType = analysis.paths.get(found.path)?.def.type;
  const valueForm =
    pathType === 'dateTime'
      ? `\`${name} le now()\``
      : pathType === 'boolean'
        ? `\`${name} eq false\``
        : `\`active eq false\` or \`${declaredDate ?? 'hr.endDate'} le now()\``;
  // `x pr and <clause>` only fixes a clause that reads nothing but `x`.
  const paths = new Set<string>();
  walk(found.clause, (node) => {
    if (node.kind === 'Path') paths.add(printExpression(node).toLowerCase());
    return node.kind !== 'Path';
  });
  const testsPresence = presenceOnly(found.clause) || paths.size > 1;
  return {
    clause: found.clause,
    message: `\`${clause}\` holds for a user who sends no \`${name}\``,
    notes: ['absence is not a value: a user is deactivated for a value the directory sends, never because a value is missing'],
    help: testsPresence
      ? `deactivate on a value, e.g. ${valueForm}`
      : `deactivate on a value, e.g. ${valueForm}, or require it${found.inFilter ? ' inside the filter' : ''}: \`${found.inFilter ?? name} pr and ${clause}\``,
  };
}

/** `not (x pr)`, `x eq null`: a clause about presence, which `x pr and ...` would contradict. */
function presenceOnly(clause: Expr): boolean {
  const inner = unwrap(clause);
  if (inner.kind === 'Not') return unwrap(inner.operand).kind === 'Present';
  const isNull = (e: Expr) => {
    const u = unwrap(e);
    return u.kind === 'Literal' && u.value === null;
  };
  return inner.kind === 'Compare' && inner.op === 'eq' && (isNull(inner.left) || isNull(inner.right));
}

function unwrap(expr: Expr): Expr {
  return expr.kind === 'Group' ? unwrap(expr.inner) : expr;
}
