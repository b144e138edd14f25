// Feeds, per import: the source thresholds (creates, deactivations, changed accounts) decided
// on the counts of a dry run. Pure; the importer holds the whole import when one is exceeded,
// or runs it past them when a human approved it, and records the event this module names.

import type { FeedPlan, FeedThreshold } from './feed-plan.ts';

export interface ImportCounts {
  readonly creates: number;
  readonly deactivations: number;
  /** Existing accounts the import changes (updates, deactivations included). */
  readonly changedKeys: number;
}

/** One threshold an import crosses: its count, the limit it came to, and the limit as written. */
export interface ExceededThreshold {
  readonly threshold: keyof ImportCounts;
  readonly count: number;
  readonly limit: number;
  readonly written: string;
}

/**
 * `held`: a threshold is crossed and the import was not approved; nothing may be written.
 * `approved` (with `held: false`): thresholds were crossed and the import was approved.
 */
export type ThresholdDecision =
  | { readonly held: false; readonly approved?: readonly ExceededThreshold[] }
  | { readonly held: true; readonly exceeded: readonly ExceededThreshold[] };

/** The tenant-level events of a decided import (server/db/events.ts lists them too). */
export type ThresholdEventType = 'feed.import_held' | 'feed.import_approved';

/** The event of a held or approved import: the threshold names and counts, never a user's value. */
export interface ThresholdEvent {
  readonly type: ThresholdEventType;
  /** The thresholds crossed (`creates`, `deactivations`, `changedKeys`). */
  readonly fields: readonly string[];
  /** `feed \`afas\`: 3 deactivations, threshold 25% (2)`: the feed name and the counts. */
  readonly reason: string;
}

/**
 * Whether an import with these counts may go ahead. `accounts` is the number of the tenant's
 * accounts before the import, the base of a percentage; a percentage of no accounts allows none
 * (a first import of a new tenant sets counts, not percentages, if it needs a limit).
 * `approve`: a human approved this import past its thresholds (`--approve`, `?approve=true`).
 */
export function decideThresholds(feed: FeedPlan, counts: ImportCounts, accounts: number, approve = false): ThresholdDecision {
  const exceeded: ExceededThreshold[] = [];
  for (const threshold of ['creates', 'deactivations', 'changedKeys'] as const) {
    const t = feed.thresholds[threshold];
    if (!t) continue;
    const limit = limitOf(t, accounts);
    if (counts[threshold] > limit) exceeded.push({ threshold, count: counts[threshold], limit, written: written(t) });
  }
  if (exceeded.length === 0) return { held: false };
  return approve ? { held: false, approved: exceeded } : { held: true, exceeded };
}

/** The event to record for a decision that crossed a threshold; undefined when none was crossed. */
export function thresholdEvent(feed: FeedPlan, decision: ThresholdDecision): ThresholdEvent | undefined {
  const crossed = decision.held ? decision.exceeded : decision.approved;
  if (!crossed || crossed.length === 0) return undefined;
  const counts = crossed.map((e) => `${e.count} ${e.threshold}, threshold ${e.written} (${e.limit})`).join('; ');
  return {
    type: decision.held ? 'feed.import_held' : 'feed.import_approved',
    fields: crossed.map((e) => e.threshold),
    reason: `feed \`${feed.name}\`: ${counts}`,
  };
}

function limitOf(t: FeedThreshold, accounts: number): number {
  return 'count' in t ? t.count : Math.floor((t.percent * accounts) / 100);
}

function written(t: FeedThreshold): string {
  return 'count' in t ? String(t.count) : `${t.percent}%`;
}
