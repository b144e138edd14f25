// Feeds: reads a source (csv, jsonl or a SCIM BulkRequest) record by record, turning each into
// a SCIM user (engine/feed-row.ts). Bad rows are rejected with their row and column. An import
// reads its source three times (server/feed-import.ts): `readFeedSource` collapses rows per key
// keeping only each key's winning row number, `feedWinners` streams the winners' users again.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { toKey } from '../engine/evaluate.ts';
import { makeCollapser, type CollapsedUser, type WinningRows } from '../engine/feed-collapse.ts';
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
  /** The row each key's collapse picked (a bit per row, not the users). */
  readonly winners: WinningRows;
  readonly rejected: readonly SourceRejection[];
  readonly rows: number;
  /** A problem with the file as a whole (a header without a declared column): nothing is imported. */
  readonly fatal?: string;
}

/**
 * What a feed reads, so that it can be read again: `open` gives a new stream of the file or body
 * each time (a file is opened again; an HTTP body is held, up to the route's body limit), or a
 * BulkRequest already parsed (the HTTP route's, at most 1,000 operations).
 */
export type FeedInput = { readonly open: () => Readable } | { readonly bulk: BulkRequest };

/** One record of a source: a user with its key, a rejected row, or the file refused as a whole. */
export type SourceItem =
  | { readonly kind: 'user'; readonly row: number; readonly key: string; readonly user: Readonly<Record<string, unknown>>; readonly source: SourceRow }
  | { readonly kind: 'rejected'; readonly rejection: SourceRejection }
  | { readonly kind: 'fatal'; readonly reason: string };

/**
 * Pass 1 of an import: reads the whole source, collapses its rows per key by the feed's rule
 * (keeping each key's winning row number and rank, not its user), and collects the rejections.
 */
export async function readFeedSource(plan: Plan, feed: FeedPlan, input: FeedInput, now: Date, onRow?: (rows: number) => void): Promise<ReadSource> {
  const collapser = makeCollapser(plan, feed, now);
  const rejected: SourceRejection[] = [];
  let rows = 0;
  for await (const item of sourceItems(plan, feed, input, now)) {
    if (item.kind === 'fatal') return { winners: collapser.winners(), rejected, rows, fatal: item.reason };
    if (item.kind === 'rejected') {
      rejected.push(item.rejection);
      rows = Math.max(rows, item.rejection.row);
      continue;
    }
    rows = item.row;
    collapser.offer(item.key, item.source, item.row);
    if (rows % 1000 === 0) onRow?.(rows);
  }
  return { winners: collapser.winners(), rejected, rows };
}

/** Passes 2 and 3 of an import: the source read again, yielding the users of the winning rows, in row order. */
export async function* feedWinners(plan: Plan, feed: FeedPlan, input: FeedInput, now: Date, winners: WinningRows): AsyncGenerator<CollapsedUser> {
  for await (const item of sourceItems(plan, feed, input, now, (row) => winners.has(row))) {
    // (A scim-bulk source maps nothing per row, so it does not skip: its records are filtered here.)
    if (item.kind === 'user' && winners.has(item.row)) yield { key: item.key, user: item.user, row: item.row };
  }
}

/**
 * The records of a source, in order; a csv row that cannot be read comes with the next record.
 * With `wanted`, a readable row it does not want is skipped before it is mapped to a user.
 */
export async function* sourceItems(plan: Plan, feed: FeedPlan, input: FeedInput, now: Date, wanted?: (row: number) => boolean): AsyncGenerator<SourceItem> {
  let rows = 0;
  const item = (record: SourceRow, row: number, line?: number): SourceItem[] => {
    rows = row;
    if (wanted && !wanted(row)) return [];
    const result = rowToUser(plan, feed, record, now);
    if (result.ok) return [{ kind: 'user', row, key: result.key, user: result.user, source: record }];
    return [{ kind: 'rejected', rejection: { row, ...(line !== undefined ? { line } : {}), ...(result.column ? { column: result.column } : {}), reason: result.reason } }];
  };

  if (feed.format.type === 'csv' && 'open' in input) {
    const stream = input.open();
    const skipped: SourceRejection[] = [];
    const parser = stream.pipe(
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
          skipped.push({ row: (e?.records ?? rows) + 1, ...(e?.lines ? { line: e.lines } : {}), reason: csvReason(e?.code) });
          return undefined;
        },
      }),
    );
    try {
      let checkedHeader = false;
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { records: number; lines: number } }>) {
        if (!checkedHeader) {
          checkedHeader = true;
          const missing = feed.columns.filter((c) => !(c in record));
          if (missing.length > 0) {
            yield* skipped.splice(0).map((rejection) => ({ kind: 'rejected' as const, rejection }));
            yield { kind: 'fatal', reason: `the header has no column ${missing.map((c) => `\`${c}\``).join(', ')}` };
            return;
          }
        }
        yield* skipped.splice(0).map((rejection) => ({ kind: 'rejected' as const, rejection }));
        yield* item(record, info.records, info.lines);
      }
      yield* skipped.splice(0).map((rejection) => ({ kind: 'rejected' as const, rejection }));
    } finally {
      stream.destroy();
      parser.destroy();
    }
    return;
  }

  if (feed.format.type === 'jsonl' && 'open' in input) {
    const stream = input.open();
    const lines = createInterface({ input: stream.setEncoding(feed.format.encoding === 'latin1' ? 'latin1' : 'utf8'), crlfDelay: Infinity });
    let row = 0;
    let line = 0;
    try {
      for await (const raw of lines) {
        line++;
        const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (text.trim() === '') continue;
        row++;
        const value = parseJson(text);
        if (!isPlainObject(value)) {
          yield { kind: 'rejected', rejection: { row, line, reason: 'the line is not a JSON object' } };
          continue;
        }
        yield* item(value, row, line);
      }
    } finally {
      lines.close();
      stream.destroy();
    }
    return;
  }

  // scim-bulk: one BulkRequest (server/bulk-request.ts); each POST or PUT of a User is a record.
  // A file holds one JSON document: it is read whole, each pass.
  let request: BulkRequest;
  try {
    request = 'bulk' in input ? input.bulk : parseBulkRequest(parseJson(await text(input.open())), FILE_BULK_LIMITS);
  } catch {
    yield { kind: 'fatal', reason: 'the body is not a SCIM BulkRequest with `Operations`' };
    return;
  }
  for (const op of request.list) {
    const row = op.index + 1;
    if (op.invalid || !['POST', 'PUT'].includes(op.method.toUpperCase()) || op.endpoint.toLowerCase() !== 'users' || !isPlainObject(op.data)) {
      yield { kind: 'rejected', rejection: { row, reason: 'a feed takes POST or PUT operations on /Users with `data`' } };
      continue;
    }
    const user = op.data;
    const key = toKey(plan.key.run({ root: user, now, timezone: plan.timezone }));
    if (key === null) yield { kind: 'rejected', rejection: { row, reason: `the record has no \`${plan.keyAttribute}\`` } };
    else yield { kind: 'user', row, key, user, source: user };
  }
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
