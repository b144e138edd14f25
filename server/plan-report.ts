// Server: planReport(db, plan, options) -> what a tenant file would change for the stored users
// (read only), as the JSON object `scimplan plan --format json` prints and the admin API answers.

import type { Kysely } from 'kysely';
import type { UserDiff } from '../engine/diff.ts';
import type { PlanReport } from '../engine/plan-report.ts';
import type { Plan } from '../engine/plan.ts';
import type { Database } from './db/tables.ts';
import { previewTenant } from './reevaluate.ts';
import { recentDeactivations } from './safety.ts';

export type { PlanReport, PlanReportChange } from '../engine/plan-report.ts';

export interface PlanReportOptions {
  readonly now: Date;
  /** The file's name as the caller knows it (the report's `config`). */
  readonly config: string;
  /** More deactivations than this marks the report `exceeded` (the CLI exits 1). */
  readonly maxDeactivations?: number;
  /** Field values (before -> after) in `changes`, not only field names. */
  readonly showValues?: boolean;
  /** How many changed accounts `changes` lists; default all. */
  readonly listLimit?: number;
  readonly batchSize?: number;
}

/** Previews `plan` on the stored users of its tenant (one read-only snapshot) and reports it. */
export async function planReport(db: Kysely<Database>, plan: Plan, options: PlanReportOptions): Promise<PlanReport> {
  const keep = options.listLimit ?? Number.POSITIVE_INFINITY;
  const changes: UserDiff[] = [];
  const summary = await previewTenant({
    db,
    plan,
    now: options.now,
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    onChange: (diff) => {
      if (changes.length < keep) changes.push(diff);
    },
  });
  const recent = await recentDeactivations(db, plan.tenant, new Date(options.now.getTime() - plan.safety.perMs));
  const held = Math.max(0, summary.deactivations - Math.max(0, plan.safety.maxDeactivations - recent));
  const max = options.maxDeactivations;
  return {
    tenant: plan.tenant,
    config: options.config,
    configHash: plan.hash,
    now: options.now.toISOString(),
    users: summary.users,
    changedUsers: summary.changedUsers,
    profile: { users: summary.profileChanges, fields: { ...summary.fields } },
    deactivations: summary.deactivations,
    reactivations: summary.reactivations,
    releases: summary.releases,
    keyChanges: summary.keyChanges,
    groups: { users: summary.usersJoiningGroups, additions: { ...summary.groupAdditions } },
    safety: { maxDeactivations: plan.safety.maxDeactivations, per: plan.safety.per, wouldHold: held },
    ...(max !== undefined ? { maxDeactivations: max, exceeded: summary.deactivations > max } : {}),
    changes: changes.map((d) => ({
      id: d.id,
      userName: d.userName,
      fields: options.showValues ? d.fields : d.fields.map((f) => f.field),
      ...(d.status ? { status: d.status } : {}),
      groupsAdded: d.groupsAdded,
      ...(d.keyChanged ? { keyChanged: true as const } : {}),
    })),
  };
}
