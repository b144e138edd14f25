// Feeds, per key: several rows of one person (one per contract) become one SCIM user by the
// feed's `collapse` rule. Streams: it keeps the best row per key, not every row.

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

/**
 * Collects rows and keeps, per key, the one the rule ranks first: the highest (or lowest) `by`
 * value, a missing value ranking as `missing` says; ties and a feed without `collapse` go to the
 * later row. Results come out in the order keys first appeared.
 */
export function makeCollapser(plan: Plan, feed: FeedPlan, now: Date) {
  const best = new Map<string, { user: Readonly<Record<string, unknown>>; row: number; rank: number }>();
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
    offer(key: string, user: Readonly<Record<string, unknown>>, source: SourceRow, row: number): void {
      const rank = rankOf(source);
      const current = best.get(key);
      if (!current) best.set(key, { user, row, rank });
      else if (rank >= current.rank) Object.assign(current, { user, row, rank });
    },
    *results(): Generator<CollapsedUser> {
      for (const [key, v] of best) yield { key, user: v.user, row: v.row };
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
