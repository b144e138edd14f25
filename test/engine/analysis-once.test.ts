// The checker's analysis travels with the plan: compiling the plan, its next-change function
// and traced (explain) evaluation read it, so each expression is analysed exactly once.

import { readFileSync } from 'node:fs';
import { describe, expect, test, vi } from 'vitest';

vi.mock('../../dsl/check.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../dsl/check.ts')>();
  return { ...actual, analyzeExpression: vi.fn(actual.analyzeExpression) };
});

const { analyzeExpression } = await import('../../dsl/check.ts');
const { compileTenantFile } = await import('../../engine/compile-plan.ts');
const { evaluatePlan } = await import('../../engine/evaluate.ts');
const { nextCheckAt } = await import('../../engine/next-check.ts');

const analyze = vi.mocked(analyzeExpression);
const file = 'examples/valid/acme-entra.yaml';
const text = readFileSync(file, 'utf8');

describe('one analysis per expression and config version', () => {
  test('compile, next-change and explain reuse the checker analysis', () => {
    analyze.mockClear();
    const { plan, diagnostics } = compileTenantFile(file, text);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    if (!plan) throw new Error('no plan');
    const rules = [plan.key, ...plan.profile, ...(plan.deactivate ? [plan.deactivate] : []), ...plan.groups];
    // the file has a time-dependent deactivation, so next-change is compiled too
    expect(plan.deactivate?.nextChange).toBeDefined();
    expect(analyze).toHaveBeenCalledTimes(rules.length);

    // every rule holds the very analysis the checker made of its tree
    const made = analyze.mock.results.map((r) => r.value);
    for (const rule of rules) {
      expect(made).toContain(rule.analysis);
      expect(rule.analysis.expr).toBe(rule.ast);
    }

    const user = { userName: 'bjensen@example.com', active: true, externalId: 'x1', emails: [{ type: 'work', value: 'b@example.com' }] };
    const now = new Date('2026-05-01T09:00:00Z');
    const traced = evaluatePlan(plan, user, now, { trace: true });
    expect(traced.trace.length).toBe(rules.length);
    evaluatePlan(plan, user, now, { trace: true });
    evaluatePlan(plan, user, now);
    nextCheckAt(plan, user, now);
    expect(analyze).toHaveBeenCalledTimes(rules.length);
  });

  test('traced closures are built once per plan rule', () => {
    const { plan } = compileTenantFile(file, text);
    if (!plan) throw new Error('no plan');
    expect(plan.key.traced()).toBe(plan.key.traced());
    expect(plan.key.traced()).not.toBe(plan.key.run);
  });
});
