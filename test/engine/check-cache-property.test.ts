// Property: checking a file again with the cache of its earlier checks (what the playground and
// the language server do at every keystroke) gives exactly what a fresh check gives: the same
// diagnostics (codes, spans, messages, help) and a plan that evaluates the same, over random
// sequences of edits, most of them inside expressions, some anywhere in the file.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createCheckCache } from '../../engine/check-cache.ts';
import { checkTenantFile, type TenantFileCheck } from '../../engine/check-tenant-file.ts';
import { planOfCheck } from '../../engine/compile-checked.ts';
import { evaluatePlan } from '../../engine/evaluate.ts';
import type { Plan } from '../../engine/plan.ts';
import { runTests } from '../../engine/run-tests.ts';
import { expressionsOf } from '../../engine/assist/expression-at.ts';

const runs = Number(process.env.CHECK_CACHE_RUNS ?? 60);
const now = new Date('2026-05-01T09:00:00Z');
const files = ['acme-entra.yaml', 'globex-okta.yaml', 'hoogland-afas.yaml', 'contoso-sso.yaml'].map((name) => ({
  name,
  text: readFileSync(new URL(`../../examples/valid/${name}`, import.meta.url), 'utf8'),
}));

/** Pieces a consultant types: names, operators, quotes, brackets, and now and then YAML. */
const piece = fc.constantFrom('x', 'e', ' ', '.', '"', "'", '[', ']', '(', ')', 'eq', ' and ', ' or ', 'not ', 'department', 'enterprise.', 'title', '??', ',', 'lower(', '1', 'true', ':', '\n', '  ', '-', '#');

const edit = fc.record({
  inExpression: fc.boolean(),
  at: fc.nat(),
  within: fc.nat(),
  remove: fc.nat({ max: 4 }),
  insert: fc.array(piece, { maxLength: 3 }).map((parts) => parts.join('')),
});

type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(text: string, check: TenantFileCheck, e: Edit): string {
  const spans = expressionsOf(check).map((c) => c.expr.source.span);
  let at: number;
  if (e.inExpression && spans.length > 0) {
    const span = spans[e.at % spans.length]!;
    at = span.start + (e.within % Math.max(1, span.end - span.start + 1));
  } else {
    at = e.at % (text.length + 1);
  }
  return text.slice(0, at) + e.insert + text.slice(Math.min(text.length, at + e.remove));
}

/** What a plan does on the file's own test users and one more: traced evaluations and test results. */
function behaviour(plan: Plan) {
  const users = [...plan.tests.map((t) => t.user as Record<string, unknown>), { userName: 'a@example.com', externalId: 'a', active: false, title: 'Engineer' }];
  return { evaluations: users.map((u) => evaluatePlan(plan, u, now, { trace: true })), tests: runTests(plan, now) };
}

describe('checking with the cache of earlier checks', () => {
  test.each(files)('gives what a fresh check gives, edit after edit ($name)', ({ name, text }) => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
        const cache = createCheckCache();
        let current = text;
        let fresh = checkTenantFile(name, current);
        expect(checkTenantFile(name, current, cache).diagnostics).toEqual(fresh.diagnostics);
        for (const e of edits) {
          current = apply(current, fresh, e);
          fresh = checkTenantFile(name, current);
          const cached = checkTenantFile(name, current, cache);
          expect(cached.diagnostics).toEqual(fresh.diagnostics);
          const cachedPlan = planOfCheck(name, cached, () => 'h', cache);
          const freshPlan = planOfCheck(name, fresh, () => 'h');
          expect(cachedPlan === undefined).toBe(freshPlan === undefined);
          if (cachedPlan && freshPlan) expect(behaviour(cachedPlan)).toEqual(behaviour(freshPlan));
        }
      }),
      { numRuns: runs },
    );
  });

  test('an edit analyses the edited expression again, and only it', () => {
    const { name, text } = files[0]!;
    const cache = createCheckCache();
    const first = checkTenantFile(name, text, cache);
    const edited = checkTenantFile(name, text.replace('eq "Sales"', 'eq "Salesx"'), cache);
    const analyses = (c: TenantFileCheck) => expressionsOf(c).map((e) => e.analysis);
    const before = analyses(first);
    const after = analyses(edited);
    expect(after).toHaveLength(before.length);
    // the same Analysis objects, not equal copies: nothing else was analysed again
    const changed = after.filter((analysis, i) => analysis !== before[i]);
    expect(changed).toHaveLength(1);
    expect(edited.diagnostics).toEqual(checkTenantFile(name, edited.loaded.text).diagnostics);
  });
});
