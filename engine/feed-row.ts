// Feeds, per row: one source row -> one SCIM user through the feed's mapping (the plan's own
// closures), or a rejection naming the column. Pure; the CLI and the server read the rows.

import type { PathExpr } from '../dsl/ast.ts';
import type { FeedPlan } from './feed-plan.ts';
import { toKey, toScalar } from './evaluate.ts';
import type { Plan } from './plan.ts';
import { readAt, writeAt } from './write-at.ts';

/** One source record: column -> cell. Empty cells count as no value. */
export type SourceRow = Readonly<Record<string, unknown>>;

export type RowResult =
  | { readonly ok: true; readonly key: string; readonly user: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly column?: string; readonly reason: string };

/**
 * The SCIM user a row stands for, as a SCIM client would send it (dates as ISO 8601 text), and
 * its key by the tenant's own key rule. A filled cell that its mapping cannot read (a date that
 * is not in the declared format) rejects the row rather than sending no value: a missing end
 * date would silently keep an account that should end.
 */
export function rowToUser(plan: Plan, feed: FeedPlan, row: SourceRow, now: Date): RowResult {
  const root = withoutEmptyCells(row);
  const user: Record<string, unknown> = { schemas: [...feed.userSchemas] };
  for (const rule of feed.mapping) {
    const value = toScalar(rule.run({ root, now, timezone: plan.timezone }));
    if (value === null || value === '') {
      const filled = columnsRead(rule.analysis.paths.keys()).find((c) => root[c] !== undefined);
      if (filled !== undefined) return { ok: false, column: filled, reason: `\`${rule.target.written}\` cannot be read from \`${rule.source}\`` };
      continue;
    }
    writeAt(user, rule.target, value);
  }
  const key = toKey(plan.key.run({ root: user, now, timezone: plan.timezone }));
  if (key === null) return { ok: false, reason: `the row has no \`${plan.keyAttribute}\`` };
  return { ok: true, key, user };
}

function withoutEmptyCells(row: SourceRow): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [column, cell] of Object.entries(row)) {
    if (cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '')) continue;
    out[column] = cell;
  }
  return out;
}

function columnsRead(paths: Iterable<PathExpr>): string[] {
  return [...paths].map((p) => p.steps[0]?.name ?? '').filter((n) => n !== '');
}

/**
 * What a feed stores for an account it already holds: the stored resource with each target of
 * the mapping set to the row's value, or removed when the row has none there (an emptied end
 * date ends nothing any more). Attributes the mapping does not set stay as a SCIM client or a
 * login set them: a feed owns its mapped attributes, not the whole account. A `scim-bulk` feed
 * has no mapping and replaces the user as a SCIM PUT does.
 */
export function feedUserOnto(feed: FeedPlan, stored: Readonly<Record<string, unknown>>, user: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (feed.mapping.length === 0) return user;
  const out = structuredClone(stored) as Record<string, unknown>;
  for (const { target } of feed.mapping) writeAt(out, target, readAt(user, target));
  const schemas = Array.isArray(out.schemas) ? (out.schemas as unknown[]) : (out.schemas = []);
  for (const s of user.schemas as string[]) if (!schemas.some((x) => typeof x === 'string' && x.toLowerCase() === s.toLowerCase())) schemas.push(s);
  return out;
}
