// The playground's analysis of one version of the tenant file, in the browser: the linter's own
// checking stages (checkTenantFile), the plan compiled by the same compilePlan, the file's `tests:`
// run by runTests, and a sample user explained as `explain` does (engine/explain.ts). Pure: no DOM, so node tests
// and the bench run it as the page does.

import type { CheckCache } from '../engine/check-cache.ts';
import { checkTenantFile, type TenantFileCheck } from '../engine/check-tenant-file.ts';
import { planOfCheck } from '../engine/compile-checked.ts';
import type { FileSpan } from '../engine/diagnostic.ts';
import { evaluatePlan } from '../engine/evaluate.ts';
import { clausePath, explainUser, type Explanation } from '../engine/explain.ts';
import type { Plan, TraceEntry } from '../engine/plan.ts';
import { caseNow, runTests, type TestResult } from '../engine/run-tests.ts';

/** The playground's plans are never stored or sent, so they carry no content hash. */
export const PLAYGROUND_HASH = 'playground';

export interface CaseResult extends TestResult {
  readonly index: number;
  /** Where the case is in the file (its `name`, else the whole case). */
  readonly span?: FileSpan;
}

export interface Analysis {
  readonly file: string;
  readonly text: string;
  readonly check: TenantFileCheck;
  readonly plan?: Plan;
  readonly tests: readonly CaseResult[];
}

/** One version of the file analysed; `cache` is the page's, kept from one keystroke to the next. */
export function analyse(file: string, text: string, now: Date, cache?: CheckCache): Analysis {
  const check = checkTenantFile(file, text, cache);
  const plan = planOfCheck(file, check, () => PLAYGROUND_HASH, cache);
  const tests = plan
    ? runTests(plan, now).map((result, index): CaseResult => {
        const span = check.loaded.spanAt(['tests', index, 'name']) ?? check.loaded.spanAt(['tests', index]);
        return { ...result, index, ...(span ? { span } : {}) };
      })
    : [];
  return { file, text, check, ...(plan ? { plan } : {}), tests };
}

/** One clause of the trace, with the place of its expression in the file. */
export interface TracedClause {
  readonly entry: TraceEntry;
  readonly span?: FileSpan;
}

/** What the page shows for one user: explain's explanation and the traced clauses with their places. */
export interface Explained {
  readonly explanation: Explanation;
  readonly clauses: readonly TracedClause[];
}

export function explainSample(analysis: Analysis, user: Readonly<Record<string, unknown>>, now: Date): Explained | undefined {
  const { plan } = analysis;
  if (!plan) return undefined;
  const explanation = explainUser(plan, user, now);
  const clauses = explanation.trace.map((entry): TracedClause => {
    const path = clausePath(entry.clause);
    const span = path ? analysis.check.loaded.spanAt(path) : undefined;
    return { entry, ...(span ? { span } : {}) };
  });
  return { explanation, clauses };
}

/** A test case's user and clock, for picking it as the sample. */
export function testCaseSample(plan: Plan, index: number, fallback: Date): { user: Record<string, unknown>; now: Date } | undefined {
  const test = plan.tests[index];
  return test ? { user: test.user as Record<string, unknown>, now: caseNow(test, fallback) } : undefined;
}

/**
 * Across many sample users: how many are deactivated and how many each group gets. `basis` is
 * what the counts were computed from (the rules' closures, which the check cache keeps for an
 * unchanged expression), so that the next summary recounts only what an edit changed.
 */
export interface SampleSummary {
  readonly users: number;
  readonly deactivated: number;
  readonly groups: Readonly<Record<string, number>>;
  readonly basis: SummaryBasis;
}

interface SummaryBasis {
  readonly users: readonly unknown[];
  readonly now: number;
  readonly timezone: string;
  readonly profile: readonly unknown[];
  readonly deactivate: unknown;
  readonly groups: ReadonlyMap<string, readonly unknown[]>;
}

const sameList = (a: readonly unknown[] | undefined, b: readonly unknown[]) => a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The summary of `users` under `plan`, every user evaluated by evaluatePlan. With the summary
 * `previous` of the same users, a group whose rules and inputs are unchanged keeps its count:
 * only the plan's changed groups (and deactivation, if it changed) are evaluated again.
 */
export function summariseUsers(plan: Plan, users: readonly Readonly<Record<string, unknown>>[], now: Date, previous?: SampleSummary): SampleSummary {
  const groupRules = new Map<string, unknown[]>();
  for (const rule of plan.groups) groupRules.set(rule.group, [...(groupRules.get(rule.group) ?? []), rule.run]);
  const basis: SummaryBasis = {
    users,
    now: now.getTime(),
    timezone: plan.timezone,
    profile: plan.profile.flatMap((r) => [r.field, r.run]),
    deactivate: plan.deactivate?.run,
    groups: groupRules,
  };
  const old = previous?.basis;
  const sameInputs = old !== undefined && old.users === users && old.now === basis.now && old.timezone === basis.timezone && sameList(old.profile, basis.profile);
  const sameDeactivate = sameInputs && old.deactivate === basis.deactivate;
  const stale = new Set([...groupRules].filter(([group, runs]) => !sameInputs || !sameList(old.groups.get(group), runs)).map(([group]) => group));

  const groups: Record<string, number> = {};
  for (const group of groupRules.keys()) groups[group] = stale.has(group) ? 0 : previous!.groups[group]!;
  let deactivated = sameDeactivate ? previous!.deactivated : 0;
  if (stale.size > 0 || !sameDeactivate) {
    // The same evaluator on the part of the plan that changed: its other group rules left out.
    const part = { ...plan, groups: plan.groups.filter((r) => stale.has(r.group)), ...(sameDeactivate ? { deactivate: undefined } : {}) } as Plan;
    for (const user of users) {
      const result = evaluatePlan(part, user, now);
      if (!sameDeactivate && result.deactivated) deactivated++;
      for (const group of result.groups) groups[group] = (groups[group] ?? 0) + 1;
    }
  }
  return { users: users.length, deactivated, groups, basis };
}

/**
 * Pasted SCIM JSON -> the users in it: one User object, an array of them, or a ListResponse
 * (`Resources`). Throws a short message (no values) when it is none of these.
 */
export function parseSampleUsers(text: string): Record<string, unknown>[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not valid JSON: ${(e as Error).message}`);
  }
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value['Resources']) ? value['Resources'] : [value];
  if (!list.every(isObject)) throw new Error('expected a SCIM User object, an array of them, or a ListResponse');
  return list;
}
