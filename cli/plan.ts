// `scimplan plan CONFIG`: what this tenant file would change for the stored users, read only.
// Exit 0 nothing would change, 2 changes, 1 error (or more deactivations than --max-deactivations).

import type { PlanSummary, UserDiff } from '../engine/diff.ts';
import type { Plan } from '../engine/plan.ts';
import { compileConfig, withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';

export interface PlanCommandOptions extends DatabaseOptions {
  readonly format: 'text' | 'json';
  readonly now: Date;
  /** More deactivations than this is an error (exit 1): CI demands a human review. */
  readonly maxDeactivations?: number;
  /** Print field values (before -> after), not only field names. */
  readonly showValues?: boolean;
  readonly batchSize?: number;
}

/** Text output lists this many changed accounts; JSON lists all. */
const TEXT_LIST_LIMIT = 100;

export async function runPlan(configPath: string, options: PlanCommandOptions, io: Io): Promise<number> {
  const plan = await compileConfig(configPath, io);
  if (!plan) return 1;
  return withCliDatabase(options, io, async (db) => {
    const { previewTenant } = await import('../server/reevaluate.ts');
    const { recentDeactivations } = await import('../server/safety.ts');
    const keep = options.format === 'json' ? Number.POSITIVE_INFINITY : TEXT_LIST_LIMIT;
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
    const exceeded = options.maxDeactivations !== undefined && summary.deactivations > options.maxDeactivations;
    if (options.format === 'json') {
      io.out(`${JSON.stringify(planJson(configPath, plan, options, summary, held, exceeded, changes), null, 2)}\n`);
    } else {
      io.out(planText(configPath, plan, options, summary, held, changes));
    }
    if (exceeded) {
      io.err(
        `error: this change deactivates ${summary.deactivations} users, more than --max-deactivations ${options.maxDeactivations}; ` +
          'review the plan and raise the limit deliberately\n',
      );
      return 1;
    }
    return summary.changedUsers > 0 ? 2 : 0;
  });
}

function planJson(
  configPath: string,
  plan: Plan,
  options: PlanCommandOptions,
  summary: PlanSummary,
  held: number,
  exceeded: boolean,
  changes: readonly UserDiff[],
): Record<string, unknown> {
  return {
    tenant: plan.tenant,
    config: configPath,
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
    ...(options.maxDeactivations !== undefined ? { maxDeactivations: options.maxDeactivations, exceeded } : {}),
    changes: changes.map((d) => ({
      id: d.id,
      userName: d.userName,
      fields: options.showValues ? d.fields : d.fields.map((f) => f.field),
      ...(d.status ? { status: d.status } : {}),
      groupsAdded: d.groupsAdded,
      ...(d.keyChanged ? { keyChanged: true } : {}),
    })),
  };
}

const STATUS_WORD: Readonly<Record<string, string>> = { deactivate: 'deactivated', reactivate: 'reactivated', release: 'hold released' };

function planText(configPath: string, plan: Plan, options: PlanCommandOptions, s: PlanSummary, held: number, changes: readonly UserDiff[]): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const users = (x: number) => `${n(x)} user${x === 1 ? '' : 's'}`;
  const lines: string[] = [];
  lines.push(`plan for tenant \`${plan.tenant}\` from ${configPath} (config ${plan.hash.slice(0, 12)}), at ${options.now.toISOString()}`);
  lines.push(`${users(s.users)} stored, ${n(s.changedUsers)} would change`);
  if (s.changedUsers === 0) {
    lines.push('no changes');
    return `${lines.join('\n')}\n`;
  }
  lines.push('');
  const counts = (entries: [string, number][]) => {
    const width = Math.max(0, ...entries.map(([name]) => name.length));
    for (const [name, count] of entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`      ${name.padEnd(width)}  ${n(count)}`);
  };
  lines.push(`  ~ profile changes:  ${users(s.profileChanges)}`);
  counts(Object.entries(s.fields));
  const safety = held > 0 ? ` (${n(held)} would be held by the safety limit, ${plan.safety.maxDeactivations} per ${plan.safety.per})` : '';
  lines.push(`  - deactivations:    ${users(s.deactivations)}${safety}`);
  lines.push(`  + reactivations:    ${users(s.reactivations)}`);
  if (s.releases > 0) lines.push(`  + holds released:   ${users(s.releases)} (pending, the condition no longer holds)`);
  lines.push(`  + group additions:  ${users(s.usersJoiningGroups)}`);
  counts(Object.entries(s.groupAdditions));
  if (s.keyChanges > 0) {
    lines.push(`  ! key changes:      ${users(s.keyChanges)} would get another mapping key value; \`apply\` leaves them untouched and their requests are refused`);
  }
  lines.push('');
  lines.push(changes.length < s.changedUsers ? `changes (first ${n(changes.length)} of ${n(s.changedUsers)}; --format json lists all):` : 'changes:');
  for (const d of changes) {
    const parts: string[] = [];
    if (d.fields.length > 0) {
      parts.push(
        options.showValues
          ? `~ ${d.fields.map((f) => `${f.field}: ${JSON.stringify(f.before)} -> ${JSON.stringify(f.after)}`).join(', ')}`
          : `~ ${d.fields.map((f) => f.field).join(', ')}`,
      );
    }
    if (d.status) parts.push(`${d.status === 'deactivate' ? '-' : '+'} ${STATUS_WORD[d.status]}`);
    if (d.groupsAdded.length > 0) parts.push(`+ ${d.groupsAdded.join(', ')}`);
    if (d.keyChanged) parts.push('! key would change');
    lines.push(`  ${d.userName} (${d.id})  ${parts.join('  ')}`);
  }
  return `${lines.join('\n')}\n`;
}
