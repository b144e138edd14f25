// Feeds, per record: what importing one collapsed user will do to its account, decided from the
// stored state and the plan's status decision. Pure; the importer counts and then writes by it.

import type { StatusDecision } from './status.ts';

export type FeedOutcome = 'created' | 'updated' | 'unchanged' | 'deactivated' | 'held' | 'rejected';

/** One record of an import: its source row, key and what happened (a reason for `rejected`). */
export interface FeedRecordResult {
  readonly row: number;
  readonly key?: string;
  readonly outcome: FeedOutcome;
  readonly column?: string;
  readonly reason?: string;
}

/**
 * `created` for a key without a live account; `unchanged` when the stored resource is the one the
 * row gives and the status stays (nothing is written: a second import of a file writes nothing);
 * `deactivated` when the decision deactivates; `updated` otherwise. `held` is only known after the
 * write (the safety limit), or for a whole import held by a source threshold.
 */
export function decideFeedOutcome(live: boolean, sameResource: boolean, decision: StatusDecision | undefined): FeedOutcome {
  if (!live) return 'created';
  if (decision?.transition === 'deactivate') return 'deactivated';
  if (sameResource && decision?.transition === undefined) return 'unchanged';
  return 'updated';
}

/** How many records have each outcome (every outcome present, 0 when none has it). */
export function countOutcomes(records: Iterable<FeedRecordResult>): Record<FeedOutcome, number> {
  const counts: Record<FeedOutcome, number> = { created: 0, updated: 0, unchanged: 0, deactivated: 0, held: 0, rejected: 0 };
  for (const r of records) counts[r.outcome]++;
  return counts;
}

/** The outcome once written: a deactivation the safety limit turned into a hold is `held`. */
export function writtenFeedOutcome(planned: FeedOutcome, status: 'active' | 'deactivated' | 'pending'): FeedOutcome {
  return status === 'pending' ? 'held' : planned;
}
