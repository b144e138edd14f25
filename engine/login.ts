// Engine: login-time sync (docs/sso.md). Pure: the `sso.claims` targets compiled from the
// checker's paths, the claims of one login -> a SCIM-shaped user (or onto the stored one), and
// the answer a login gives the platform. No verification here: the server verifies the token.

import type { Analysis } from '../dsl/check.ts';
import type { Expr, PathExpr } from '../dsl/ast.ts';
import { printExpression } from '../dsl/print.ts';
import type { RawSso } from './config.ts';
import type { ParsedExpression } from './parse-expressions.ts';
import { compilePreferences } from './attribute-sources.ts';
import { evaluatePlan } from './evaluate.ts';
import { decideLoginStatus, type AccountStatus } from './status.ts';
import type { ClaimTarget, ClaimTargetStep, Evaluation, Plan, SsoPlan } from './plan.ts';
import { writeAt } from './write-at.ts';

/** The filter a claim target may carry: `attr eq "literal"` (`emails[type eq "work"].value`); undefined for any other. */
export function simpleMatch(filter: Expr): ClaimTargetStep['match'] | undefined {
  if (filter.kind !== 'Compare' || filter.op !== 'eq' || filter.left.kind !== 'Path' || filter.right.kind !== 'Literal') return undefined;
  const [step] = filter.left.steps;
  if (filter.left.steps.length !== 1 || !step || typeof filter.right.value !== 'string') return undefined;
  return { attribute: step.name, value: filter.right.value };
}

/** The compiled `sso:` section; callers guarantee every target analysed without errors. */
export function compileSso(
  raw: RawSso,
  parsed: readonly { claim: string; expr?: ParsedExpression }[],
  analyses: ReadonlyMap<ParsedExpression, Analysis>,
  profile: readonly { field: string; expr?: ParsedExpression }[],
): SsoPlan {
  const targets: ClaimTarget[] = [];
  for (const { claim, expr } of parsed) {
    const analysis = expr && analyses.get(expr);
    const resolved = expr && expr.ast.kind === 'Path' ? analysis?.paths.get(expr.ast as PathExpr) : undefined;
    if (!expr || !resolved) throw new Error('compileSso called on a config with an unchecked claim target');
    const steps = resolved.steps.map((s): ClaimTargetStep => {
      const match = s.filter ? simpleMatch(s.filter) : undefined;
      return match ? { name: s.name, match } : { name: s.name };
    });
    const last = resolved.steps[resolved.steps.length - 1];
    targets.push(Object.freeze({
      claim,
      written: printExpression(expr.ast),
      ...(resolved.urn !== undefined ? { urn: resolved.urn } : {}),
      steps: Object.freeze(steps),
      multi: last !== undefined && last.def.multiValued && !last.filter,
    }));
  }
  return Object.freeze({
    protocol: raw.protocol,
    tokens: Object.freeze(raw.tokens.map((t) => Object.freeze({ ...t }))),
    ...(raw.issuer !== undefined ? { issuer: raw.issuer } : {}),
    ...(raw.audience !== undefined ? { audience: raw.audience } : {}),
    algorithms: Object.freeze([...(raw.algorithms ?? ['RS256'])].filter((a) => a.toLowerCase() !== 'none')),
    ...(raw.keys !== undefined ? { keys: raw.keys } : {}),
    targets: Object.freeze(targets),
    preferences: compilePreferences(raw.prefer ?? {}, profile.map(({ field, expr }) => ({ field, ...(expr ? { expr: expr.ast, analysis: analyses.get(expr) } : {}) }))),
  });
}

/** A claim's value as a target stores it: a SAML attribute sent as a list of one is that one value. */
function claimValue(value: unknown, multi: boolean): unknown {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const scalars = value.filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean');
    if (multi) return scalars.length > 0 ? scalars : undefined;
    return scalars.length === 1 ? scalars[0] : undefined;
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}

/**
 * The SCIM user a login describes: `base` (the stored resource, or `{}` for a new account) with
 * every mapped claim written at its target, as a SCIM replace of that one attribute would. A
 * claim that is absent leaves the stored value alone: a login only ever adds or updates what it
 * carries. Unmapped claims are ignored. Returns a new object; `base` is not changed.
 */
export function applyClaims(sso: SsoPlan, claims: Readonly<Record<string, unknown>>, base: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const user = structuredClone(base) as Record<string, unknown>;
  for (const target of sso.targets) {
    if (!Object.hasOwn(claims, target.claim)) continue;
    const value = claimValue(claims[target.claim], target.multi);
    if (value === undefined) continue;
    writeAt(user, target, value);
  }
  return user;
}

/**
 * What a login answers the platform. Invariants: `reason` is set exactly when `status` is not
 * `active` and is tenant-file text (a clause, the safety limit), never a user's value; `groups`
 * are group display names, every group the account is in (a login adds, never removes).
 */
export interface LoginAnswer {
  readonly accountId: string;
  readonly created: boolean;
  readonly status: AccountStatus;
  readonly reason: string | null;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
}

/**
 * What a login of `claims` decides for an account the tenant does not hold yet (a just-in-time
 * create), without a database: `scimplan explain --claims` prints it, and the endpoint answers
 * the same status, reason, profile and groups for such a login (groups in display-name order, as
 * the endpoint lists the account's groups).
 */
export interface LoginPreview {
  readonly user: Readonly<Record<string, unknown>>;
  readonly evaluation: Evaluation;
  readonly status: AccountStatus;
  readonly reason: string | null;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
}

export function previewLogin(plan: Plan, claims: Readonly<Record<string, unknown>>, now: Date, options: { readonly trace?: boolean } = {}): LoginPreview {
  if (!plan.sso) throw new Error('previewLogin called for a plan without sso:');
  const user = applyClaims(plan.sso, claims);
  const evaluation = evaluatePlan(plan, user, now, options);
  const decision = decideLoginStatus(plan, { state: undefined, conditionHolds: evaluation.deactivated, now, user });
  const groups = [...new Map(evaluation.groups.map((g) => [g.toLowerCase(), g])).values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { user, evaluation, status: decision.next.status, reason: decision.next.reason, profile: evaluation.profile, groups };
}
