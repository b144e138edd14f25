// Stage 5 for `feeds:`: turns each checked feed into a FeedPlan (engine/feed-plan.ts), with the
// closures of the plan's one compiler. Callers guarantee the file has no errors.

import type { CheckedConfig } from './check-config.ts';
import type { RawConfig } from './config.ts';
import { parseThreshold, type FeedPlan } from './feed-plan.ts';
import type { ParsedConfig, ParsedExpression } from './parse-expressions.ts';
import type { PlanRule } from './plan.ts';
import { CORE_USER_URN } from './scim-schemas.ts';

export function compileFeeds(
  config: RawConfig,
  parsed: ParsedConfig,
  checked: CheckedConfig,
  rule: (expr: ParsedExpression | undefined) => PlanRule,
): readonly FeedPlan[] {
  return Object.freeze(
    parsed.feeds.map((feed) => {
      const raw = config.feeds![feed.index]!;
      const targets = checked.feeds.get(feed.index);
      const format = raw.format;
      const mapping = Object.freeze(
        feed.mapping.map((m) => {
          const target = targets?.get(m.target);
          if (!target) throw new Error('compileFeeds called on a feed with an unchecked mapping');
          return Object.freeze({ ...rule(m.expr), target });
        }),
      );
      const plan: FeedPlan = {
        name: feed.name,
        tokens: Object.freeze((raw.tokens ?? []).map((t) => Object.freeze({ ...t }))),
        format: Object.freeze({ type: format.type, delimiter: format.delimiter ?? ',', header: format.header ?? true, encoding: format.encoding ?? 'utf-8' }),
        columns: Object.freeze([...(raw.columns ?? [])]),
        mapping,
        userSchemas: Object.freeze([...new Set([CORE_USER_URN, ...mapping.flatMap((m) => (m.target.urn ? [m.target.urn] : []))])]),
        ...(feed.collapse
          ? { collapse: Object.freeze({ ...rule(feed.collapse), keep: raw.collapse?.keep ?? 'highest', missing: raw.collapse?.missing ?? 'highest' }) }
          : {}),
        thresholds: Object.freeze({
          ...optional('creates', parseThreshold(raw.thresholds?.creates)),
          ...optional('deactivations', parseThreshold(raw.thresholds?.deactivations)),
          ...optional('changedKeys', parseThreshold(raw.thresholds?.changedKeys)),
        }),
        rejectFile: raw.rejectFile ?? false,
      };
      return Object.freeze(plan);
    }),
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
