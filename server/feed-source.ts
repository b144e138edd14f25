// Feeds: reads a source stream (csv, jsonl or a SCIM BulkRequest) record by record, turns each
// into a SCIM user (engine/feed-row.ts) and collapses rows per key. Bad rows are rejected with
// their row and column; memory grows with the number of keys, not of rows.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { toKey } from '../engine/evaluate.ts';
import { makeCollapser, type CollapsedUser } from '../engine/feed-collapse.ts';
import type { FeedPlan } from '../engine/feed-plan.ts';
import { rowToUser, type SourceRow } from '../engine/feed-row.ts';
import type { Plan } from '../engine/plan.ts';
import { isPlainObject } from '../dsl/values.ts';
import { parseBulkRequest, type BulkLimits, type BulkRequest } from './bulk-request.ts';

export interface SourceRejection {
  /** 1-based record number (the header is not a record); for csv also the line in the file. */
  readonly row: number;
  readonly line?: number;
  readonly column?: string;
  readonly reason: string;
}

export interface ReadSource {
  readonly users: readonly CollapsedUser[];
  readonly rejected: readonly SourceRejection[];
  readonly rows: number;
  /** A problem with the file as a whole (a header without a declared column): nothing is imported. */
  readonly fatal?: string;
}

/** What a feed reads: a file or body as a stream, or a BulkRequest already parsed (the HTTP route's). */
export type FeedInput = Readable | { readonly bulk: BulkRequest };

export async function readFeedSource(plan: Plan, feed: FeedPlan, input: FeedInput, now: Date, onRow?: (rows: number) => void): Promise<ReadSource> {
  const collapser = makeCollapser(plan, feed, now);
  const rejected: SourceRejection[] = [];
  let rows = 0;
  const take = (record: SourceRow, row: number, line?: number) => {
    rows = row;
    const result = rowToUser(plan, feed, record, now);
    if (result.ok) collapser.offer(result.key, result.user, record, row);
    else rejected.push({ row, ...(line !== undefined ? { line } : {}), ...(result.column ? { column: result.column } : {}), reason: result.reason });
    if (row % 1000 === 0) onRow?.(row);
  };
  const done = (fatal?: string): ReadSource => ({ users: [...collapser.results()], rejected, rows, ...(fatal ? { fatal } : {}) });

  if (feed.format.type === 'csv' && !('bulk' in input)) {
    const parser = input.pipe(
      parse({
        bom: true,
        delimiter: feed.format.delimiter,
        encoding: feed.format.encoding === 'latin1' ? 'latin1' : 'utf8',
        columns: feed.format.header ? (header: string[]) => header.map((h) => h.trim()) : [...feed.columns],
        skip_empty_lines: true,
        skip_records_with_error: true,
        info: true,
        on_skip: (err) => {
          const e = err as { lines?: number; records?: number; message?: string; code?: string } | undefined;
          rejected.push({ row: (e?.records ?? rows) + 1, ...(e?.lines ? { line: e.lines } : {}), reason: csvReason(e?.code) });
          return undefined;
        },
      }),
    );
    let checkedHeader = false;
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { records: number; lines: number } }>) {
      if (!checkedHeader) {
        checkedHeader = true;
        const missing = feed.columns.filter((c) => !(c in record));
        if (missing.length > 0) {
          input.destroy();
          return done(`the header has no column ${missing.map((c) => `\`${c}\``).join(', ')}`);
        }
      }
      take(record, info.records, info.lines);
    }
    return done();
  }

  if (feed.format.type === 'jsonl' && !('bulk' in input)) {
    const lines = createInterface({ input: input.setEncoding(feed.format.encoding === 'latin1' ? 'latin1' : 'utf8'), crlfDelay: Infinity });
    let row = 0;
    let line = 0;
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      row++;
      const value = parseJson(text);
      if (!isPlainObject(value)) {
        rows = row;
        rejected.push({ row, line, reason: 'the line is not a JSON object' });
        continue;
      }
      take(value, row, line);
    }
    return done();
  }

  // scim-bulk: one BulkRequest (server/bulk-request.ts); each POST or PUT of a User is a record.
  let request: BulkRequest;
  try {
    request = 'bulk' in input ? input.bulk : parseBulkRequest(parseJson(await text(input)), FILE_BULK_LIMITS);
  } catch {
    return done('the body is not a SCIM BulkRequest with `Operations`');
  }
  for (const op of request.list) {
    const row = op.index + 1;
    rows = row;
    if (op.invalid || !['POST', 'PUT'].includes(op.method.toUpperCase()) || op.endpoint.toLowerCase() !== 'users' || !isPlainObject(op.data)) {
      rejected.push({ row, reason: 'a feed takes POST or PUT operations on /Users with `data`' });
      continue;
    }
    const user = op.data;
    const key = toKey(plan.key.run({ root: user, now, timezone: plan.timezone }));
    if (key === null) rejected.push({ row, reason: `the record has no \`${plan.keyAttribute}\`` });
    else collapser.offer(key, user, user, row);
  }
  return done();
}

/** A BulkRequest read from a file has no request limit: the file may hold any number of operations. */
const FILE_BULK_LIMITS: BulkLimits = { maxOperations: Number.POSITIVE_INFINITY, maxPayloadSize: Number.POSITIVE_INFINITY };

async function text(input: Readable): Promise<string> {
  let out = '';
  for await (const chunk of input.setEncoding('utf8')) out += chunk as string;
  return out.replace(/^\uFEFF/, '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** csv-parse's error codes in words; its messages quote the row's content, which is personal data. */
function csvReason(code: string | undefined): string {
  if (code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' || code === 'CSV_RECORD_INCONSISTENT_COLUMNS') return 'the row has another number of fields than the header';
  if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_INVALID_CLOSING_QUOTE') return 'a quote is not closed where the field ends';
  return `the row cannot be read as csv (${code ?? 'unknown error'})`;
}
