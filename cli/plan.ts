// `scimplan plan CONFIG`: what this tenant file would change for the stored users, read only.
// Exit 0 nothing would change, 2 changes, 1 error (or more deactivations than --max-deactivations).

import { readFile } from 'node:fs/promises';
import { changeParts, type PlanReport } from '../engine/plan-report.ts';
import { compileConfig, withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';
import { callAdmin, type ServerTarget } from './server-client.ts';

export interface PlanCommandOptions extends DatabaseOptions {
  readonly format: 'text' | 'json';
  readonly now: Date;
  /** More deactivations than this is an error (exit 1): CI demands a human review. */
  readonly maxDeactivations?: number;
  /** Print field values (before -> after), not only field names. */
  readonly showValues?: boolean;
  readonly batchSize?: number;
  /** Act through this running server's admin API instead of opening the database. */
  readonly server?: ServerTarget;
}

/** Text output lists this many changed accounts; JSON lists all. */
const TEXT_LIST_LIMIT = 100;

export async function runPlan(configPath: string, options: PlanCommandOptions, io: Io): Promise<number> {
  const plan = await compileConfig(configPath, io);
  if (!plan) return 1;
  const listLimit = options.format === 'json' ? undefined : TEXT_LIST_LIMIT;
  const reportOptions = {
    now: options.now,
    config: configPath,
    ...(options.maxDeactivations !== undefined ? { maxDeactivations: options.maxDeactivations } : {}),
    ...(options.showValues ? { showValues: true } : {}),
    ...(listLimit !== undefined ? { listLimit } : {}),
  };
  if (options.server) {
    const { server } = options;
    const text = await readFile(configPath, 'utf8');
    const body = {
      config: text,
      file: configPath,
      now: options.now.toISOString(),
      ...(options.maxDeactivations !== undefined ? { maxDeactivations: options.maxDeactivations } : {}),
      ...(options.showValues ? { showValues: true } : {}),
      ...(listLimit !== undefined ? { changes: listLimit } : {}),
    };
    const report = await callAdmin(server, `api/v1/tenants/${plan.tenant}/plan`, io, body);
    return report === undefined ? 1 : printPlan(report as PlanReport, options, io);
  }
  return withCliDatabase(options, io, async (db) => {
    const { planReport } = await import('../server/plan-report.ts');
    const report = await planReport(db, plan, { ...reportOptions, ...(options.batchSize ? { batchSize: options.batchSize } : {}) });
    return printPlan(report, options, io);
  });
}

/** Prints the report in the chosen format; the exit code: 1 over --max-deactivations, 2 changes, 0 none. */
function printPlan(report: PlanReport, options: PlanCommandOptions, io: Io): number {
  io.out(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : planText(report, options));
  if (report.exceeded) {
    io.err(
      `error: this change deactivates ${report.deactivations} users, more than --max-deactivations ${report.maxDeactivations}; ` +
        'review the plan and raise the limit deliberately\n',
    );
    return 1;
  }
  return report.changedUsers > 0 ? 2 : 0;
}

function planText(r: PlanReport, options: PlanCommandOptions): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const users = (x: number) => `${n(x)} user${x === 1 ? '' : 's'}`;
  const lines: string[] = [];
  lines.push(`plan for tenant \`${r.tenant}\` from ${r.config} (config ${r.configHash.slice(0, 12)}), at ${r.now}`);
  lines.push(`${users(r.users)} stored, ${n(r.changedUsers)} would change`);
  if (r.changedUsers === 0) {
    lines.push('no changes');
    return `${lines.join('\n')}\n`;
  }
  lines.push('');
  const counts = (entries: [string, number][]) => {
    const width = Math.max(0, ...entries.map(([name]) => name.length));
    for (const [name, count] of entries.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`      ${name.padEnd(width)}  ${n(count)}`);
  };
  lines.push(`  ~ profile changes:  ${users(r.profile.users)}`);
  counts(Object.entries(r.profile.fields));
  const held = r.safety.wouldHold;
  const safety = held > 0 ? ` (${n(held)} would be held by the safety limit, ${r.safety.maxDeactivations} per ${r.safety.per})` : '';
  lines.push(`  - deactivations:    ${users(r.deactivations)}${safety}`);
  lines.push(`  + reactivations:    ${users(r.reactivations)}`);
  if (r.releases > 0) lines.push(`  + holds released:   ${users(r.releases)} (pending, the condition no longer holds)`);
  lines.push(`  + group additions:  ${users(r.groups.users)}`);
  counts(Object.entries(r.groups.additions));
  if (r.keyChanges > 0) {
    lines.push(`  ! key changes:      ${users(r.keyChanges)} would get another mapping key value; \`apply\` leaves them untouched and their requests are refused`);
  }
  lines.push('');
  lines.push(r.changes.length < r.changedUsers ? `changes (first ${n(r.changes.length)} of ${n(r.changedUsers)}; --format json lists all):` : 'changes:');
  for (const d of r.changes) {
    const parts = changeParts(d, options.showValues);
    lines.push(`  ${d.userName} (${d.id})  ${parts.join('  ')}`);
  }
  return `${lines.join('\n')}\n`;
}
