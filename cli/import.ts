// `scimplan import CONFIG FEED FILE`: streams a feed file (csv, jsonl, SCIM BulkRequest) through
// the tenant's plan into the database, as SCIM requests would. Exit 0 done, 1 error, 2 held.

import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { countOutcomes } from '../engine/feed-outcome.ts';
import type { FeedRun } from '../server/feed-import.ts';
import { progressBar } from './apply-progress.ts';
import type { SourceRejection } from '../server/feed-source.ts';
import { compileConfig, withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';

export interface ImportCommandOptions extends DatabaseOptions {
  readonly dryRun?: boolean;
  /** Run the import past the feed's thresholds (an event `feed.import_approved` says so). */
  readonly approve?: boolean;
  readonly format?: 'text' | 'json';
  readonly now?: Date;
  /** Progress on stderr; default: stderr is a terminal. */
  readonly progressBar?: boolean;
}

export async function runImport(configPath: string, feedName: string, file: string, options: ImportCommandOptions, io: Io): Promise<number> {
  const plan = await compileConfig(configPath, io);
  if (!plan) return 1;
  const feed = plan.feeds.find((f) => f.name === feedName);
  if (!feed) {
    const names = plan.feeds.map((f) => `\`${f.name}\``).join(', ');
    io.err(`error: \`${configPath}\` has no feed \`${feedName}\`${names ? `; its feeds: ${names}` : ''}\n`);
    return 1;
  }
  if (!(await access(file).then(() => true, () => false))) {
    io.err(`error: cannot read \`${file}\`\n`);
    return 1;
  }
  const now = options.now ?? new Date();
  const bar = options.progressBar ?? process.stderr.isTTY === true;
  const progress = importProgress(bar, io);
  return withCliDatabase(options, io, async (db) => {
    const { runFeedImport } = await import('../server/feed-import.ts');
    const { openFeedJob } = await import('../server/feed-jobs.ts');
    const job = options.dryRun ? undefined : await openFeedJob(db, { tenant: plan.tenant, feed: feed.name, hash: await fileHash(file), origin: 'cli', now });
    if (job?.resumed) io.err(`resuming the interrupted import of ${file} (job ${job.id}): ${job.resumed.done} records were written before it stopped\n`);
    const run = await runFeedImport({ db, plan, requestId: `import:${feed.name}`, now }, feed, { open: () => createReadStream(file) }, {
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.approve ? { approve: true } : {}),
      ...(job ? { job } : {}),
      onRead: (rows) => progress.reading(rows),
      onProgress: (done, total) => progress.writing(done, total),
    });
    progress.end();
    if (run.error) {
      io.out(rejectionsText(file, run.rejections));
      io.err(`error: ${file}: ${run.error}; nothing was imported\n`);
      return 1;
    }
    if (options.format === 'json') {
      io.out(`${JSON.stringify({ tenant: plan.tenant, feed: feed.name, file, rows: run.rows, dryRun: run.dryRun, held: run.held ?? null, approved: run.approved ?? null, resumed: run.resumed ?? null, counts: countOutcomes(run.records), records: run.records }, null, 2)}\n`);
    } else {
      io.out(summaryText(plan.tenant, feed.name, file, run));
      io.out(rejectionsText(file, run.rejections));
    }
    return run.held ? 2 : 0;
  });
}

/** sha256 of the file, streamed: the job of an interrupted import is found by it. */
async function fileHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Progress on stderr while reading and writing; drawn (a bar redrawn in place) only on a
 * terminal: a redirected stderr gets nothing.
 */
function importProgress(bar: boolean, io: Pick<Io, 'err'>) {
  let drawn = false;
  const draw = (text: string) => {
    if (!bar) return;
    io.err(`\r${text}\x1b[K`);
    drawn = true;
  };
  return {
    reading: (rows: number) => draw(`reading: ${rows} rows`),
    writing: (done: number, total: number) => draw(`${progressBar(total === 0 ? 1 : done / total)} ${done}/${total} users`),
    end: () => {
      if (drawn) io.err('\n');
      drawn = false;
    },
  };
}

function summaryText(tenant: string, feed: string, file: string, result: FeedRun): string {
  const c = countOutcomes(result.records);
  const lines = [
    `${result.dryRun ? 'would import' : result.resumed ? `resumed at record ${result.resumed.done} and imported` : 'imported'} ${file} (${result.rows} rows) into \`${tenant}\` through feed \`${feed}\`: ${c.created} created, ${c.updated} updated, ${c.deactivated} deactivated, ${c.unchanged} unchanged, ${c.held} held, ${c.rejected} rejected`,
  ];
  for (const e of result.held?.exceeded ?? []) {
    lines.push(`  held: ${e.count} ${e.threshold} is more than the feed's threshold ${e.written} (${e.limit}); nothing was written; run again with --approve to import it`);
  }
  for (const e of result.approved ?? []) {
    lines.push(`  approved: ${e.count} ${e.threshold} is more than the feed's threshold ${e.written} (${e.limit})`);
  }
  return `${lines.join('\n')}\n`;
}

function rejectionsText(file: string, rejected: readonly SourceRejection[]): string {
  return rejected.map((r) => `${file}:${r.line ?? r.row}: row ${r.row}${r.column ? `, column \`${r.column}\`` : ''}: ${r.reason}\n`).join('');
}
