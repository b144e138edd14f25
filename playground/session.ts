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

/** Across many sample users: how many are deactivated and how many each group gets. */
export interface SampleSummary {
  readonly users: number;
  readonly deactivated: number;
  readonly groups: Readonly<Record<string, number>>;
}

export function summariseUsers(plan: Plan, users: readonly Readonly<Record<string, unknown>>[], now: Date): SampleSummary {
  let deactivated = 0;
  const groups: Record<string, number> = {};
  for (const rule of plan.groups) groups[rule.group] = 0;
  for (const user of users) {
    const result = evaluatePlan(plan, user, now);
    if (result.deactivated) deactivated++;
    for (const group of result.groups) groups[group] = (groups[group] ?? 0) + 1;
  }
  return { users: users.length, deactivated, groups };
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
