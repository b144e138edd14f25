// `scimplan apply CONFIG`: re-evaluates every stored user of the tenant with this file and
// writes the changes and events. Resumable and idempotent. Exit 0 done, 1 error.

import type { Plan } from '../engine/plan.ts';
import type { ReevaluateProgress, ReevaluateResult } from '../server/reevaluate.ts';
import { readFile } from 'node:fs/promises';
import { compileConfig, describeDbError, withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';
import { applyProgress } from './apply-progress.ts';
import { describeAnswer, describeUnreachable, postAdmin, type ServerTarget } from './server-client.ts';

export interface ApplyCommandOptions extends DatabaseOptions {
  /** Fixed clock (tests, replays); default the time of each batch. */
  readonly now?: Date;
  readonly batchSize?: number;
  /** Draw a progress bar on stderr (a terminal); otherwise log lines. Default: stderr is a TTY. */
  readonly progressBar?: boolean;
  /** Stops at the next batch boundary (SIGINT); a rerun continues. */
  readonly signal?: AbortSignal;
  /** Act through this running server's admin API (its database, events and scheduler). */
  readonly server?: ServerTarget;
}

export async function runApply(configPath: string, options: ApplyCommandOptions, io: Io): Promise<number> {
  const plan = await compileConfig(configPath, io);
  if (!plan) return 1;
  if (options.server) return applyThrough(options.server, configPath, plan, options, io);
  const started = Date.now();
  const progress = applyProgress(plan.tenant, options.progressBar ?? process.stderr.isTTY === true, io);
  const failed = (error: unknown) => {
    progress.end();
    return `error: apply failed: ${describeDbError(error)}; committed batches stay applied, run the command again to continue`;
  };
  return withCliDatabase(options, io, async (db) => {
    const { reevaluateTenant } = await import('../server/reevaluate.ts');
    io.err(`applying ${configPath} (config ${plan.hash.slice(0, 12)}) to the stored users of \`${plan.tenant}\`\n`);
    const result = await reevaluateTenant({
      db,
      plan,
      requestId: 'apply',
      ...(options.now ? { now: () => options.now! } : {}),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: progress.report,
    });
    progress.end();
    io.out(summaryText(plan.tenant, result, Date.now() - started));
    if (!result.completed) {
      io.err('stopped at a batch boundary; run the same command again to continue\n');
      return 1;
    }
    return 0;
  }, failed);
}

/** The same apply, run by the server: one request, its answer printed as a local run prints its result. */
async function applyThrough(server: ServerTarget, configPath: string, plan: Plan, options: ApplyCommandOptions, io: Io): Promise<number> {
  const started = Date.now();
  const body = {
    config: await readFile(configPath, 'utf8'),
    file: configPath,
    ...(options.now ? { now: options.now.toISOString() } : {}),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
  };
  io.err(`applying ${configPath} (config ${plan.hash.slice(0, 12)}) to the stored users of \`${plan.tenant}\` through ${server.url.origin}\n`);
  // The server streams its progress (one line per committed batch): drawn as a local run draws it.
  const progress = applyProgress(plan.tenant, options.progressBar ?? process.stderr.isTTY === true, io);
  let answer;
  try {
    answer = await postAdmin(server, `api/v1/tenants/${plan.tenant}/apply`, body, options.signal, (p) => progress.report(p as ReevaluateProgress));
  } catch (error) {
    progress.end();
    io.err(
      options.signal?.aborted
        ? 'stopped: the server stops at its next batch boundary; run the same command again to continue\n'
        : `error: ${describeUnreachable(server, error)}; committed batches stay applied, run the command again to continue\n`,
    );
    return 1;
  }
  progress.end();
  if (answer.status !== 200) {
    io.err(`error: apply failed: ${describeAnswer(answer)}; committed batches stay applied, run the command again to continue\n`);
    return 1;
  }
  const result = answer.body as ReevaluateResult;
  io.out(summaryText(plan.tenant, result, Date.now() - started));
  if (!result.completed) {
    io.err('stopped at a batch boundary; run the same command again to continue\n');
    return 1;
  }
  return 0;
}

function summaryText(tenant: string, r: ReevaluateResult, ms: number): string {
  const lines = [
    r.done === 0
      ? `nothing to apply: every stored user of \`${tenant}\` already has this config`
      : `applied to ${r.done} users of \`${tenant}\` in ${(ms / 1000).toFixed(1)}s: ${r.changed} changed`,
  ];
  if (r.done > 0) {
    lines.push(
      `  ${r.updated} updated, ${r.deactivated} deactivated, ${r.reactivated} reactivated, ${r.released} holds released, ${r.groupAdditions} group memberships added`,
    );
  }
  if (r.held > 0) lines.push(`  ${r.held} deactivations held by the safety limit: review them, then run \`scimplan approve ${tenant}\``);
  if (r.keyChanges > 0) lines.push(`  ${r.keyChanges} users left untouched: this config gives them another mapping key value`);
  return `${lines.join('\n')}\n`;
}
