// `scimplan test`: runs each tenant file's `tests:` cases against its compiled plan.
// Returns one result per case; failures list each expectation that did not hold.

import { evaluatePlan } from './evaluate.ts';
import type { Plan, TestCase } from './plan.ts';

export interface TestResult {
  readonly file: string;
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

/** Fixed clock for cases without `now`, so that results never depend on the day they run. */
export function caseNow(test: TestCase, fallback: Date): Date {
  return test.now !== undefined ? new Date(String(test.now)) : fallback;
}

export function runTests(plan: Plan, now: Date): TestResult[] {
  return plan.tests.map((test) => {
    const result = evaluatePlan(plan, test.user, caseNow(test, now));
    const failures: string[] = [];
    const expect = test.expect ?? {};
    if (expect.deactivated !== undefined && expect.deactivated !== result.deactivated) {
      failures.push(`deactivated: expected ${expect.deactivated}, got ${result.deactivated}`);
    }
    if (expect.key !== undefined && String(expect.key) !== result.key) {
      failures.push(`key: expected ${JSON.stringify(String(expect.key))}, got ${JSON.stringify(result.key)}`);
    }
    if (expect.groups !== undefined) {
      const want = [...expect.groups].sort();
      const got = [...result.groups].sort();
      if (JSON.stringify(want) !== JSON.stringify(got)) {
        failures.push(`groups: expected [${want.join(', ')}], got [${got.join(', ')}]`);
      }
    }
    for (const [field, want] of Object.entries(expect.profile ?? {})) {
      const got = result.profile[field] ?? null;
      if (!sameValue(want, got)) failures.push(`profile.${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
    return { file: plan.file, name: test.name, passed: failures.length === 0, failures };
  });
}

function sameValue(want: unknown, got: unknown): boolean {
  if (want === null || want === undefined) return got === null;
  return typeof want === typeof got ? want === got : String(want) === String(got);
}
