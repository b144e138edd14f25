// Feeds, per key: several rows of one person (one per contract) become one SCIM user by the
// feed's `collapse` rule. Streams: it keeps the best row's number and rank per key, not the rows.

import type { FeedPlan } from './feed-plan.ts';
import type { Plan } from './plan.ts';
import { toNumber, toTime } from '../dsl/values.ts';
import { toScalar } from './evaluate.ts';
import type { SourceRow } from './feed-row.ts';

export interface CollapsedUser {
  readonly key: string;
  readonly user: Readonly<Record<string, unknown>>;
  /** The source row (1-based record number) whose values the user has. */
  readonly row: number;
}

/** The rows a collapse picked, one bit per source row: an import of 100,000 rows holds 12.5 kB. */
export class WinningRows {
  private bits = new Uint8Array(1024);
  private count = 0;
  add(row: number): void {
    const i = row >> 3;
    if (i >= this.bits.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    if ((this.bits[i]! & (1 << (row & 7))) === 0) this.count++;
    this.bits[i]! |= 1 << (row & 7);
  }
  has(row: number): boolean {
    const i = row >> 3;
    return i < this.bits.length && (this.bits[i]! & (1 << (row & 7))) !== 0;
  }
  get size(): number {
    return this.count;
  }
}

/**
 * Collects rows and keeps, per key, the one the rule ranks first: the highest (or lowest) `by`
 * value, a missing value ranking as `missing` says; ties and a feed without `collapse` go to the
 * later row. It keeps per key the winning row's number and rank, not its user: the importer
 * reads the winners' users again from the source (server/feed-source.ts `feedWinners`).
 */
export function makeCollapser(plan: Plan, feed: FeedPlan, now: Date) {
  const best = new Map<string, { row: number; rank: number }>();
  const rankOf = (source: SourceRow): number => {
    const rule = feed.collapse;
    if (!rule) return 0;
    const value = toScalar(rule.run({ root: source, now, timezone: plan.timezone }));
    const sign = rule.keep === 'highest' ? 1 : -1;
    const n = numeric(value, plan.timezone);
    if (n === undefined) return rule.missing === 'highest' ? Infinity : -Infinity;
    return sign * n;
  };
  return {
    offer(key: string, source: SourceRow, row: number): void {
      const rank = rankOf(source);
      const current = best.get(key);
      if (!current) best.set(key, { row, rank });
      else if (rank >= current.rank) Object.assign(current, { row, rank });
    },
    /** Each key and its winning row, in the order keys first appeared. */
    *results(): Generator<{ readonly key: string; readonly row: number }> {
      for (const [key, v] of best) yield { key, row: v.row };
    },
    winners(): WinningRows {
      const rows = new WinningRows();
      for (const v of best.values()) rows.add(v.row);
      return rows;
    },
  };
}

/**
 * A rank as a number: numbers (a cell `2` or `32` is a number, not a year), booleans (true above
 * false), then date-times as the language reads them (mapped dates arrive as ISO text; a bare
 * date is midnight in the tenant's zone).
 */
function numeric(value: unknown, timezone: string): number | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  const n = toNumber(value);
  if (!Number.isNaN(n)) return n;
  const t = toTime(value, timezone);
  return Number.isNaN(t) ? undefined : t;
}
