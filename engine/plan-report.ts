// The plan report's shape: what a tenant file would change for the stored users, as the JSON
// object `scimplan plan --format json` prints, the admin API answers (server/plan-report.ts
// builds it) and the playground shows.

import type { FieldChange, UserDiff } from './diff.ts';

/** One changed account of the report: field names, or `{field, before, after}` with showValues. */
export interface PlanReportChange {
  readonly id: string;
  readonly userName: string;
  readonly fields: readonly string[] | readonly FieldChange[];
  readonly status?: UserDiff['status'];
  readonly groupsAdded: readonly string[];
  readonly keyChanged?: true;
}

/**
 * The plan report: plain JSON data. Invariants: `changes` holds at most `listLimit` accounts in
 * id order, `changedUsers` counts all; `maxDeactivations` and `exceeded` are present together,
 * only when a maximum was given; `safety.wouldHold` counts the deactivations the tenant's safety
 * limit would hold now.
 */
export interface PlanReport {
  readonly tenant: string;
  readonly config: string;
  readonly configHash: string;
  readonly now: string;
  readonly users: number;
  readonly changedUsers: number;
  readonly profile: { readonly users: number; readonly fields: Readonly<Record<string, number>> };
  readonly deactivations: number;
  readonly reactivations: number;
  readonly releases: number;
  readonly keyChanges: number;
  readonly groups: { readonly users: number; readonly additions: Readonly<Record<string, number>> };
  readonly safety: { readonly maxDeactivations: number; readonly per: string; readonly wouldHold: number };
  readonly maxDeactivations?: number;
  readonly exceeded?: boolean;
  readonly changes: readonly PlanReportChange[];
}

const STATUS_WORD: Readonly<Record<NonNullable<UserDiff['status']>, string>> = { deactivate: 'deactivated', reactivate: 'reactivated', release: 'hold released' };

/** What one changed account gets, as `scimplan plan` lists it: `~ fields`, `- deactivated`, `+ groups`, `! key would change`. */
export function changeParts(change: PlanReportChange, showValues = false): string[] {
  const parts: string[] = [];
  if (change.fields.length > 0) {
    const fields = (change.fields as readonly (string | FieldChange)[]).map((f) =>
      typeof f === 'string' ? f : showValues ? `${f.field}: ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}` : f.field,
    );
    parts.push(`~ ${fields.join(', ')}`);
  }
  if (change.status) parts.push(`${change.status === 'deactivate' ? '-' : '+'} ${STATUS_WORD[change.status]}`);
  if (change.groupsAdded.length > 0) parts.push(`+ ${change.groupsAdded.join(', ')}`);
  if (change.keyChanged) parts.push('! key would change');
  return parts;
}
