// The compiled form of one `feeds:` entry (docs/feeds.md): how a source row becomes a SCIM user,
// how rows of one key collapse, and the source thresholds. Frozen plain data plus closures.

import type { PlanRule } from './plan.ts';
import type { RawFeed } from './config.ts';

/**
 * Where a mapping writes in the SCIM user. Invariants: `urn` is set for an extension attribute
 * (written under `user[urn]`); each step names a single-valued attribute or, with `match`, one
 * element of a multi-valued one (`emails[type eq "work"].value` writes `{type: "work", value}`).
 */
export interface FeedTarget {
  readonly written: string;
  readonly urn?: string;
  readonly steps: readonly { readonly name: string; readonly match?: { readonly attribute: string; readonly value: string } }[];
}

/** A source threshold: at most `count` records, or at most `percent` of the tenant's accounts. */
export type FeedThreshold = { readonly count: number } | { readonly percent: number };

/**
 * One feed of the plan. `mapping` is empty for `scim-bulk` (its records are SCIM users already);
 * for csv and jsonl it sets the tenant's key attribute (E011 otherwise). `collapse` absent
 * means the last row of a key wins.
 */
export interface FeedPlan {
  readonly name: string;
  readonly format: Required<RawFeed['format']>;
  readonly columns: readonly string[];
  readonly mapping: readonly (PlanRule & { readonly target: FeedTarget })[];
  readonly collapse?: PlanRule & { readonly keep: 'highest' | 'lowest'; readonly missing: 'highest' | 'lowest' };
  readonly thresholds: {
    readonly creates?: FeedThreshold;
    readonly deactivations?: FeedThreshold;
    readonly changedKeys?: FeedThreshold;
  };
  readonly rejectFile: boolean;
}

/** `25` or `"10%"` as the schema allows it. */
export function parseThreshold(raw: number | string | undefined): FeedThreshold | undefined {
  if (typeof raw === 'number') return { count: raw };
  if (typeof raw === 'string' && /^\d{1,3}(\.\d+)?%$/.test(raw)) return { percent: Number(raw.slice(0, -1)) };
  return undefined;
}
