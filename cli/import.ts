// `scimplan import CONFIG FEED FILE`: streams a feed file (csv, jsonl, SCIM BulkRequest) through
// the tenant's plan into the database, as SCIM requests would. Exit 0 done, 1 error, 2 held.

import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { FeedImportResult, FeedRecordResult } from '../server/feed-import.ts';
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
  const progress = (text: string) => bar && io.err(`\r${text}\x1b[K`);
  return withCliDatabase(options, io, async (db) => {
    const { readFeedSource } = await import('../server/feed-source.ts');
    const { importFeedUsers } = await import('../server/feed-import.ts');
    const source = await readFeedSource(plan, feed, createReadStream(file), now, (n) => progress(`reading ${file}: ${n} rows`));
    if (source.fatal) {
      if (bar) io.err('\n');
      io.err(`error: ${file}: ${source.fatal}; nothing was imported\n`);
      return 1;
    }
    if (feed.rejectFile && source.rejected.length > 0) {
      if (bar) io.err('\n');
      io.out(rejectionsText(file, source.rejected));
      io.err(`error: ${file}: ${source.rejected.length} bad rows and \`rejectFile: true\`; nothing was imported\n`);
      return 1;
    }
    const result = await importFeedUsers({ db, plan, requestId: `import:${feed.name}`, now }, feed, source.users, {
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.approve ? { approve: true } : {}),
      onProgress: (done, total) => progress(`importing ${done}/${total} users`),
    });
    if (bar) io.err('\n');
    const rejected: FeedRecordResult[] = source.rejected.map((r) => ({ row: r.row, outcome: 'rejected', reason: r.reason, ...(r.column ? { column: r.column } : {}) }));
    const records = [...result.records, ...rejected].sort((a, b) => a.row - b.row);
    if (options.format === 'json') {
      io.out(`${JSON.stringify({ tenant: plan.tenant, feed: feed.name, file, rows: source.rows, dryRun: result.dryRun, held: result.held ?? null, approved: result.approved ?? null, counts: countsOf(records), records }, null, 2)}\n`);
    } else {
      io.out(summaryText(plan.tenant, feed.name, file, source.rows, result, records));
      io.out(rejectionsText(file, source.rejected));
    }
    return result.held ? 2 : 0;
  });
}

function countsOf(records: readonly FeedRecordResult[]): Record<string, number> {
  const counts: Record<string, number> = { created: 0, updated: 0, unchanged: 0, deactivated: 0, held: 0, rejected: 0 };
  for (const r of records) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

function summaryText(tenant: string, feed: string, file: string, rows: number, result: FeedImportResult, records: readonly FeedRecordResult[]): string {
  const c = countsOf(records);
  const lines = [
    `${result.dryRun ? 'would import' : 'imported'} ${file} (${rows} rows) into \`${tenant}\` through feed \`${feed}\`: ${c.created} created, ${c.updated} updated, ${c.deactivated} deactivated, ${c.unchanged} unchanged, ${c.held} held, ${c.rejected} rejected`,
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
