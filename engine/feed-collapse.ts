// Feeds, per key: several rows of one person (one per contract) become one SCIM user by the
// feed's `collapse` rule. Streams: it keeps the best row per key, not every row.

import type { FeedPlan } from './feed-plan.ts';
import type { Plan } from './plan.ts';
import { toScalar } from './evaluate.ts';
import type { SourceRow } from './feed-row.ts';

export interface CollapsedUser {
  readonly key: string;
  readonly user: Readonly<Record<string, unknown>>;
  /** The source row (1-based record number) whose values the user has. */
  readonly row: number;
  /** Every row of this key, in source order. */
  readonly rows: readonly number[];
}

/**
 * Collects rows and keeps, per key, the one the rule ranks first: the highest (or lowest) `by`
 * value, a missing value ranking as `missing` says; ties and a feed without `collapse` go to the
 * later row. Results come out in the order keys first appeared.
 */
export function makeCollapser(plan: Plan, feed: FeedPlan, now: Date) {
  const best = new Map<string, { user: Readonly<Record<string, unknown>>; row: number; rank: number; rows: number[] }>();
  const rankOf = (source: SourceRow): number => {
    const rule = feed.collapse;
    if (!rule) return 0;
    const value = toScalar(rule.run({ root: source, now, timezone: plan.timezone }));
    const sign = rule.keep === 'highest' ? 1 : -1;
    const n = numeric(value);
    if (n === undefined) return rule.missing === 'highest' ? Infinity : -Infinity;
    return sign * n;
  };
  return {
    offer(key: string, user: Readonly<Record<string, unknown>>, source: SourceRow, row: number): void {
      const rank = rankOf(source);
      const current = best.get(key);
      if (!current) {
        best.set(key, { user, row, rank, rows: [row] });
        return;
      }
      current.rows.push(row);
      if (rank >= current.rank) Object.assign(current, { user, row, rank });
    },
    *results(): Generator<CollapsedUser> {
      for (const [key, v] of best) yield { key, user: v.user, row: v.row, rows: v.rows };
    },
    get size(): number {
      return best.size;
    },
  };
}

/** A rank as a number: numbers, booleans (true above false), dates (mapped dates arrive as ISO text). */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
