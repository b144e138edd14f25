// `scimplan apply CONFIG`: re-evaluates every stored user of the tenant with this file and
// writes the changes and events. Resumable and idempotent. Exit 0 done, 1 error.

import type { ReevaluateProgress, ReevaluateResult } from '../server/reevaluate.ts';
import { compileConfig, describeDbError, withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';

export interface ApplyCommandOptions extends DatabaseOptions {
  /** Fixed clock (tests, replays); default the time of each batch. */
  readonly now?: Date;
  readonly batchSize?: number;
  /** Draw a progress bar on stderr (a terminal); otherwise log lines. Default: stderr is a TTY. */
  readonly progressBar?: boolean;
  /** Stops at the next batch boundary (SIGINT); a rerun continues. */
  readonly signal?: AbortSignal;
}

export async function runApply(configPath: string, options: ApplyCommandOptions, io: Io): Promise<number> {
  const plan = await compileConfig(configPath, io);
  if (!plan) return 1;
  const bar = options.progressBar ?? process.stderr.isTTY === true;
  const started = Date.now();
  let lastLine = 0;
  const progress = (p: ReevaluateProgress) => {
    if (bar) {
      const width = 30;
      const ratio = p.total === 0 ? 1 : Math.min(1, p.done / p.total);
      const filled = Math.round(ratio * width);
      io.err(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${p.done}/${p.total} users, ${p.changed} changed`);
      return;
    }
    // One line per second at most: logs stay readable for 100,000 users.
    if (Date.now() - lastLine < 1000 && p.done < p.total) return;
    lastLine = Date.now();
    io.err(`apply ${plan.tenant}: ${p.done}/${p.total} users evaluated, ${p.changed} changed\n`);
  };
  const failed = (error: unknown) =>
    `${bar ? '\n' : ''}error: apply failed: ${describeDbError(error)}; committed batches stay applied, run the command again to continue`;
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
      onProgress: progress,
    });
    if (bar) io.err('\n');
    io.out(summaryText(plan.tenant, result, Date.now() - started));
    if (!result.completed) {
      io.err('stopped at a batch boundary; run the same command again to continue\n');
      return 1;
    }
    return 0;
  }, failed);
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
