// Config-change preview: the stored state of one account and a new evaluation -> what applying
// the plan would change (profile fields, status, group additions). Pure; no database.

import { sameKey } from './key-value.ts';
import type { Evaluation, Plan } from './plan.ts';
import { decideStatus, type AccountStatus, type StatusTransition } from './status.ts';

/** What is stored for one account, as far as a plan decides it. */
export interface StoredState {
  readonly id: string;
  readonly userName: string;
  readonly keyValue: string;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly status: AccountStatus;
  /** Display names of the groups the account is a member of (any origin). */
  readonly groups: readonly string[];
}

/**
 * The status transitions a plan can make (engine/status.ts `decideStatus`):
 * - `deactivate`: active -> deactivated (or held as pending by the safety limit);
 * - `reactivate`: deactivated -> active (the condition stopped holding, `reactivate` allows it);
 * - `release`: pending -> active (the condition stopped holding before anyone approved the hold).
 */
export type StatusChange = Extract<StatusTransition, 'deactivate' | 'reactivate' | 'release'>;

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * One account's changes. Invariant: `changed` is false exactly when every other part is empty;
 * `fields` is sorted by field name; `groupsAdded` follows rule order and never lists a group
 * the account is already a member of (display names compare case-insensitively, as the store does).
 */
export interface UserDiff {
  readonly id: string;
  readonly userName: string;
  readonly fields: readonly FieldChange[];
  readonly status?: StatusChange;
  readonly groupsAdded: readonly string[];
  /** The plan maps this account to another key value: never applied, the key must not change. */
  readonly keyChanged: boolean;
  readonly changed: boolean;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The status change a plan makes, as `decideStatus` decides it for a request or `apply` (only
 * the status matters here: a re-link or a DELETE is not part of a plan).
 */
export function statusChange(plan: Plan, evaluation: Evaluation, status: AccountStatus): StatusChange | undefined {
  const state = { status, deactivatedAt: null, reason: null };
  // The moment only dates the next state, which a plan does not show.
  const { transition } = decideStatus(plan, { state, conditionHolds: evaluation.deactivated, now: new Date(0) });
  return transition === 'deactivate' || transition === 'reactivate' || transition === 'release' ? transition : undefined;
}

/** Names of profile fields whose value differs; values never leave this function. */
export function changedFields(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => !same(before[n], after[n])).sort();
}

/** Compares one stored account with the plan's evaluation of its stored resource. */
export function diffUser(plan: Plan, stored: StoredState, evaluation: Evaluation): UserDiff {
  const names = new Set([...Object.keys(stored.profile), ...Object.keys(evaluation.profile)]);
  const fields: FieldChange[] = [];
  for (const field of [...names].sort()) {
    const before = Object.hasOwn(stored.profile, field) ? stored.profile[field] : undefined;
    const after = Object.hasOwn(evaluation.profile, field) ? evaluation.profile[field] : undefined;
    if (!same(before, after)) fields.push({ field, before: before ?? null, after: after ?? null });
  }
  const member = new Set(stored.groups.map((g) => g.toLowerCase()));
  const groupsAdded = evaluation.groups.filter((g) => !member.has(g.toLowerCase()));
  const status = statusChange(plan, evaluation, stored.status);
  const keyChanged = !sameKey(plan, evaluation.key, stored.keyValue);
  return {
    id: stored.id,
    userName: stored.userName,
    fields,
    ...(status ? { status } : {}),
    groupsAdded,
    keyChanged,
    changed: fields.length > 0 || status !== undefined || groupsAdded.length > 0 || keyChanged,
  };
}

/** Counts over many accounts; built incrementally so that no caller holds every account at once. */
export interface PlanSummary {
  users: number;
  changedUsers: number;
  /** field -> number of accounts whose value changes. */
  fields: Record<string, number>;
  profileChanges: number;
  deactivations: number;
  reactivations: number;
  releases: number;
  /** group -> number of accounts that would join it. */
  groupAdditions: Record<string, number>;
  usersJoiningGroups: number;
  keyChanges: number;
}

export function emptySummary(): PlanSummary {
  return {
    users: 0,
    changedUsers: 0,
    fields: Object.create(null) as Record<string, number>,
    profileChanges: 0,
    deactivations: 0,
    reactivations: 0,
    releases: 0,
    groupAdditions: Object.create(null) as Record<string, number>,
    usersJoiningGroups: 0,
    keyChanges: 0,
  };
}

/** Adds one account's diff to the summary (mutates `summary`). */
export function addToSummary(summary: PlanSummary, diff: UserDiff): void {
  summary.users++;
  if (!diff.changed) return;
  summary.changedUsers++;
  if (diff.fields.length > 0) summary.profileChanges++;
  for (const f of diff.fields) summary.fields[f.field] = (summary.fields[f.field] ?? 0) + 1;
  if (diff.status === 'deactivate') summary.deactivations++;
  if (diff.status === 'reactivate') summary.reactivations++;
  if (diff.status === 'release') summary.releases++;
  if (diff.groupsAdded.length > 0) summary.usersJoiningGroups++;
  for (const g of diff.groupsAdded) summary.groupAdditions[g] = (summary.groupAdditions[g] ?? 0) + 1;
  if (diff.keyChanged) summary.keyChanges++;
}
