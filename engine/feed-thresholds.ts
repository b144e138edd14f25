// Feeds, per import: the source thresholds (creates, deactivations, changed accounts) decided
// on the counts of a dry run. Pure; the importer holds the whole import when one is exceeded.

import type { FeedPlan, FeedThreshold } from './feed-plan.ts';

export interface ImportCounts {
  readonly creates: number;
  readonly deactivations: number;
  /** Existing accounts the import changes (updates, deactivations included). */
  readonly changedKeys: number;
}

export type ThresholdDecision =
  | { readonly held: false }
  | { readonly held: true; readonly exceeded: readonly { readonly threshold: keyof ImportCounts; readonly count: number; readonly limit: number; readonly written: string }[] };

/**
 * Whether an import with these counts may go ahead. `accounts` is the number of the tenant's
 * accounts before the import, the base of a percentage; a percentage of no accounts allows none
 * (a first import of a new tenant sets counts, not percentages, if it needs a limit).
 */
export function decideThresholds(feed: FeedPlan, counts: ImportCounts, accounts: number): ThresholdDecision {
  const exceeded: { threshold: keyof ImportCounts; count: number; limit: number; written: string }[] = [];
  for (const threshold of ['creates', 'deactivations', 'changedKeys'] as const) {
    const t = feed.thresholds[threshold];
    if (!t) continue;
    const limit = limitOf(t, accounts);
    if (counts[threshold] > limit) exceeded.push({ threshold, count: counts[threshold], limit, written: written(t) });
  }
  return exceeded.length === 0 ? { held: false } : { held: true, exceeded };
}

function limitOf(t: FeedThreshold, accounts: number): number {
  return 'count' in t ? t.count : Math.floor((t.percent * accounts) / 100);
}

function written(t: FeedThreshold): string {
  return 'count' in t ? String(t.count) : `${t.percent}%`;
}
