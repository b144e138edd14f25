// Explaining one user: the traced evaluation of a plan and the reason a deactivation would
// record, as `scimplan explain` prints it and the playground shows it, and where each clause of
// the trace is written in the tenant file.

import { evaluatePlan } from './evaluate.ts';
import type { YamlPath } from './load-yaml.ts';
import type { Evaluation, Plan } from './plan.ts';
import { deactivationReason } from './status.ts';

/**
 * What `explain` shows for one user: the evaluation with its trace, and the reason the
 * deactivation records (the clause of the condition that held); null when not deactivated.
 */
export interface Explanation extends Evaluation {
  readonly reason: string | null;
}

/** Explains `user` (`evaluation` when the caller already evaluated it traced, as a login preview does). */
export function explainUser(plan: Plan, user: Readonly<Record<string, unknown>>, now: Date, evaluation?: Evaluation): Explanation {
  const result = evaluation ?? evaluatePlan(plan, user, now, { trace: true });
  return { ...result, reason: result.deactivated ? deactivationReason(plan, user, now) : null };
}

/** A value as explain writes it: dates in ISO 8601, everything else as JSON (`null` for undefined). */
export function showValue(value: unknown): string {
  return value instanceof Date ? value.toISOString() : (JSON.stringify(value) ?? 'null');
}

/** The YAML path of a trace clause (`key`, `profile.<field>`, `deactivate.when`, `groups[<i>] <group>`). */
export function clausePath(clause: string): YamlPath | undefined {
  if (clause === 'key') return ['key'];
  if (clause === 'deactivate.when') return ['deactivate', 'when'];
  if (clause.startsWith('profile.')) return ['profile', clause.slice('profile.'.length)];
  const group = /^groups\[(\d+)\]/.exec(clause);
  return group ? ['groups', Number(group[1]), 'when'] : undefined;
}
