// Feeds: the source thresholds as written (`25`, `"10%"`) -> FeedThreshold. The compiled feed
// types (FeedPlan, FeedTarget) live with the Plan in plan.ts and are re-exported here.

import type { FeedThreshold } from './plan.ts';

export type { FeedPlan, FeedTarget, FeedThreshold } from './plan.ts';

/** `25` or `"10%"` as the schema allows it. */
export function parseThreshold(raw: number | string | undefined): FeedThreshold | undefined {
  if (typeof raw === 'number') return { count: raw };
  if (typeof raw === 'string' && /^\d{1,3}(\.\d+)?%$/.test(raw)) return { percent: Number(raw.slice(0, -1)) };
  return undefined;
}
