// Plan evaluation for the scheduler: when an account's deactivation condition must next be
// re-checked (an instant or null), and whether it holds now. Pure and synchronous.

import type { Plan } from './plan.ts';

/**
 * The first instant strictly after `now` at which the plan's deactivation condition can change
 * for `user`, or null when it cannot change by time alone (no condition, a condition without
 * now()/today(), or time-dependent comparisons whose other side is missing). Costs nothing for
 * plans whose condition does not depend on the clock.
 */
export function nextCheckAt(plan: Plan, user: Readonly<Record<string, unknown>>, now: Date): Date | null {
  const nextChange = plan.deactivate?.nextChange;
  if (nextChange === undefined) return null;
  return nextChange({ root: user, now, timezone: plan.timezone });
}

/** The deactivation condition alone (what evaluatePlan's `deactivated` is), for batch re-checks. */
export function deactivationHolds(plan: Plan, user: Readonly<Record<string, unknown>>, now: Date): boolean {
  return plan.deactivate !== undefined && plan.deactivate.run({ root: user, now, timezone: plan.timezone }) === true;
}
