// Engine: account status decisions (SPEC §1.3, the safety limit, DELETE and approval) as pure
// functions of an account's status state and the plan's rules; returns the next state and its event.

import { heldClause, type ConditionRule } from './held-clause.ts';
import { deactivationHolds, nextCheckAt } from './next-check.ts';
import type { Plan, SafetyLimit } from './plan.ts';

export type AccountStatus = 'active' | 'deactivated' | 'pending';

/**
 * The status of one stored account, as the engine owns it. Invariants: `deactivatedAt` is set
 * exactly when `status` is `deactivated`; `reason` is null for an active account and is written
 * by this module only, so that it also records where a status came from: a SCIM DELETE under
 * `onDelete: deactivate` (`deactivatedByDelete`) or a hold by the safety limit (`approveHold`).
 */
export interface AccountState {
  readonly status: AccountStatus;
  readonly deactivatedAt: Date | null;
  readonly reason: string | null;
}

/**
 * What the status rules read of a plan (a `Plan` is one). With the compiled condition (`ast`,
 * `traced`) and the tenant's `timezone`, a deactivation's reason names the clause that held;
 * without them, the whole condition.
 */
export interface StatusRules {
  readonly deactivate?: { readonly source: string; readonly reactivate: boolean } & Partial<Omit<ConditionRule, 'source'>>;
  readonly onDelete: 'keep' | 'deactivate';
  readonly safety: SafetyLimit;
  readonly timezone?: string;
}

/**
 * - `deactivate`: active (or re-linked) -> deactivated because the condition holds; must still
 *   pass the safety limit (`limitDeactivation`) before it is written;
 * - `start`: new -> deactivated, a new account (not a re-link) whose condition holds when it is
 *   created (an identity provider sends its disabled users in scope, `active: false`). It takes
 *   access from nobody, so it does not pass the safety limit (which exists so that a mistake
 *   cannot take access from many people at once: holding a start would grant access the
 *   directory denies) and does not count in its window (server/safety.ts `recentDeactivations`);
 * - `hold`: a `deactivate` the safety limit turned into pending;
 * - `release`: pending -> active, the condition stopped holding before anyone approved the hold;
 * - `reactivate`: deactivated -> active, the condition stopped holding and the rules allow it;
 * - `approve`: pending -> deactivated by `scimplan approve`;
 * - `delete`: -> deactivated by a SCIM DELETE under `onDelete: deactivate`.
 */
export type StatusTransition = 'deactivate' | 'start' | 'hold' | 'release' | 'reactivate' | 'approve' | 'delete';

export type StatusEvent = 'user.deactivated' | 'user.reactivated' | 'user.deactivation_held';

/**
 * One decision. Invariant: `transition` is undefined exactly when the status stays (then `next`
 * is the state as it is stored); `event` is the one the transition records (none for `release`),
 * and `reason` the reason that event carries: for a deactivation or a hold the new state's
 * reason, for a reactivation the reason of the deactivation it ends. Tenant-file text only
 * (a clause, `onDelete: deactivate`, the safety limit), never a user's value.
 */
export interface StatusDecision {
  readonly next: AccountState;
  readonly transition?: StatusTransition;
  readonly event?: StatusEvent;
  readonly reason?: string;
}

const EVENTS: Readonly<Record<StatusTransition, StatusEvent | undefined>> = {
  deactivate: 'user.deactivated',
  start: 'user.deactivated',
  hold: 'user.deactivation_held',
  release: undefined,
  reactivate: 'user.reactivated',
  approve: 'user.deactivated',
  delete: 'user.deactivated',
};

const DELETE_REASON = 'onDelete: deactivate';
const HELD_PREFIX = 'held by the safety limit';
const ACTIVE: AccountState = Object.freeze({ status: 'active', deactivatedAt: null, reason: null });

const keep = (state: AccountState): StatusDecision => ({ next: state });
const change = (transition: StatusTransition, next: AccountState, ended?: AccountState): StatusDecision => {
  const event = EVENTS[transition];
  if (!event) return { next, transition };
  const reason = (ended ?? next).reason;
  return reason === null ? { next, transition, event } : { next, transition, event, reason };
};

/** Whether the account's last deactivation came from a SCIM DELETE under `onDelete: deactivate`. */
export const deactivatedByDelete = (state: AccountState): boolean => state.status === 'deactivated' && state.reason === DELETE_REASON;

export interface StatusInput {
  /** The stored state; undefined for an account this request creates. */
  readonly state: AccountState | undefined;
  /** Whether the plan's deactivation condition holds for the account's last received values. */
  readonly conditionHolds: boolean;
  /** A create that re-links the deleted account holding the key value. */
  readonly relink?: boolean;
  readonly now: Date;
  /**
   * The values the condition was evaluated on (the account's last received resource): a
   * deactivation's reason then names the clause that held for them (`deactivationReason`).
   */
  readonly user?: Readonly<Record<string, unknown>>;
}

/**
 * Deactivated exactly when the condition holds (SPEC §1.3), for requests, `apply`, `plan` and the
 * scheduler alike:
 * - active (a re-linked one included), condition holds: `deactivate` (then `limitDeactivation`);
 * - new (no stored state, not a re-link), condition holds: `start`, deactivated from its creation
 *   with the same event and reason as a `deactivate`, without the safety limit;
 * - deactivated or pending, condition holds: stays (a held account stays held, without a new event);
 * - pending, condition stops holding: `release`;
 * - deactivated, condition stops holding: `reactivate` unless `deactivate.reactivate: false`; a
 *   re-link after a DELETE that deactivated the account is a new start and always reactivates.
 */
export function decideStatus(rules: StatusRules, input: StatusInput): StatusDecision {
  const { state, now } = input;
  if (input.conditionHolds) {
    if (state?.status === 'deactivated' || state?.status === 'pending') return keep(state);
    const next: AccountState = { status: 'deactivated', deactivatedAt: now, reason: deactivationReason(rules, input.user, now) };
    return change(state === undefined && input.relink !== true ? 'start' : 'deactivate', next);
  }
  if (state?.status === 'pending') return change('release', ACTIVE);
  if (state?.status === 'deactivated') {
    const newStart = input.relink === true && deactivatedByDelete(state);
    if (rules.deactivate?.reactivate === false && !newStart) return keep(state);
    return change('reactivate', ACTIVE, state);
  }
  return { next: ACTIVE };
}

/**
 * The reason a deactivation by the condition records, `deactivate.when: <clause>`: the clause
 * of the condition that held for `user` at `now` (engine/held-clause.ts: for a top-level `or`
 * its first disjunct that holds, any other condition whole), or the whole condition when the
 * rules or the user are not at hand or the condition does not hold for them. Only source text
 * of the tenant file, never a user's value. The server shows it as the User's `reason`;
 * `scimplan explain` prints the same.
 */
export function deactivationReason(rules: StatusRules, user: Readonly<Record<string, unknown>> | undefined, now: Date): string {
  const rule = rules.deactivate;
  const compiled = rule?.ast && rule.traced ? { source: rule.source, ast: rule.ast, traced: rule.traced } : undefined;
  const clause = compiled && user ? heldClause(compiled, { root: user, now, timezone: rules.timezone ?? 'UTC' }) : undefined;
  return `deactivate.when: ${clause ?? rule?.source ?? ''}`;
}

/**
 * The safety limit's part of a `deactivate` decision: with `recent` deactivations already in the
 * window (the server counts them under its per-tenant lock, this transaction's uncommitted ones
 * included), the account is held as pending once `recent` reaches `maxDeactivations`. Any other
 * decision passes unchanged.
 */
export function limitDeactivation(decision: StatusDecision, recent: number, safety: SafetyLimit): StatusDecision {
  if (decision.transition !== 'deactivate' || recent < safety.maxDeactivations) return decision;
  const reason = `${HELD_PREFIX} (${safety.maxDeactivations} per ${safety.per}); ${decision.next.reason ?? 'deactivate.when'}`;
  return change('hold', { status: 'pending', deactivatedAt: null, reason });
}

/**
 * Whether a decision still has to pass the safety limit before it is written: a `deactivate`
 * only (a `start` takes access from nobody).
 */
export const needsSafetyCheck = (decision: StatusDecision): boolean => decision.transition === 'deactivate';

/**
 * A SCIM DELETE: under `onDelete: deactivate` an account not yet deactivated is deactivated
 * (a held one included; this does not pass the safety limit); otherwise the status stays.
 */
export function decideDelete(rules: StatusRules, state: AccountState, now: Date): StatusDecision {
  if (rules.onDelete !== 'deactivate' || state.status === 'deactivated') return keep(state);
  return change('delete', { status: 'deactivated', deactivatedAt: now, reason: DELETE_REASON });
}

/**
 * Approval of a hold: pending -> deactivated at `now`, the reason without the hold's prefix (the
 * deactivation reason it wrapped). Any other account stays.
 */
export function approveHold(state: AccountState, now: Date): StatusDecision {
  if (state.status !== 'pending') return keep(state);
  return change('approve', { status: 'deactivated', deactivatedAt: now, reason: unwrapHeld(state.reason) });
}

function unwrapHeld(reason: string | null): string | null {
  if (reason === null || !reason.startsWith(HELD_PREFIX)) return reason;
  const at = reason.indexOf('; ', HELD_PREFIX.length);
  return at < 0 ? reason : reason.slice(at + 2);
}

/** A re-check's outcome: the decision when the status changes, and the next moment to look again. */
export interface Recheck {
  readonly change?: StatusDecision;
  readonly nextCheckAt: Date | null;
}

/**
 * The scheduler's decision for a stored account at `now`: `decideStatus` over the account's last
 * received values. An account deactivated by a SCIM DELETE is left alone and not looked at again:
 * only a re-link starts it again.
 */
export function recheckAccount(plan: Plan, resource: Readonly<Record<string, unknown>>, state: AccountState, now: Date): Recheck {
  if (deactivatedByDelete(state)) return { nextCheckAt: null };
  const next = nextCheckAt(plan, resource, now);
  const decision = decideStatus(plan, { state, conditionHolds: deactivationHolds(plan, resource, now), now, user: resource });
  return decision.transition ? { change: decision, nextCheckAt: next } : { nextCheckAt: next };
}

/**
 * A login's decision (docs/sso.md): `decideStatus`, except that a login never deactivates anyone.
 * When the condition holds for an account a login reaches, the account keeps its status (a new
 * one starts active) and the next SCIM request or the scheduler decides; an account already
 * deactivated or held stays so, with its reason.
 */
export function decideLoginStatus(rules: StatusRules, input: StatusInput): StatusDecision {
  const decision = decideStatus(rules, input);
  if (decision.transition !== 'deactivate' && decision.transition !== 'start') return decision;
  return input.state ? keep(input.state) : { next: ACTIVE };
}
