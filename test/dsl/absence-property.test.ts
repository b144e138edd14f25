// Property: findAbsence agrees with brute force over concrete users, evaluated by the compiled
// closures (the meaning): a condition holds on absence when some user for whom it is false makes
// it true by no longer sending one attribute it reads.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findAbsence } from '../../dsl/absence.ts';
import { analyzeExpression } from '../../dsl/check.ts';
import { compileChecked } from '../../dsl/compile.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { Variable } from '../../dsl/condition-model.ts';
import type { EvalContext } from '../../dsl/types.ts';
import { conditionArb, domain, MISSING, referenced, rootOf, someCombination, userAttributes, type DomainValue } from './condition-domain.ts';
import { userScope } from './reference-interpreter.ts';

const runs = Number(process.env.DSL_PROPERTY_RUNS ?? 400);
const now = new Date('2026-05-01T09:00:00Z');

function analyse(source: string) {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  const analysis = analyzeExpression(ast, userScope, 'condition');
  const compiled = compileChecked(analysis);
  const holds = (root: Record<string, unknown>) => compiled({ root, now, timezone: 'UTC' } satisfies EvalContext) === true;
  return { analysis, holds };
}

/** Brute force: a user (over the concrete domains) and one attribute whose removal turns the condition true. */
function bruteForce(source: string, holds: (root: Record<string, unknown>) => boolean): { values: DomainValue[]; attribute: number } | undefined {
  const attrs = referenced(source, userAttributes);
  const domains = attrs.map((a) => domain(a, source));
  let found: { values: DomainValue[]; attribute: number } | undefined;
  someCombination(domains, (values) => {
    if (holds(rootOf(attrs, values))) return false;
    for (let i = 0; i < attrs.length; i++) {
      if (values[i] === MISSING) continue;
      const without = values.map((v, j) => (j === i ? MISSING : v));
      if (holds(rootOf(attrs, without))) {
        found = { values, attribute: i };
        return true;
      }
    }
    return false;
  });
  return found;
}

/** A user holding each variable's value at its path (extension values under their URN). */
function witnessRoot(variables: readonly Variable[], values: readonly unknown[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  variables.forEach((v, i) => {
    if (values[i] === null) return;
    const keys = v.at;
    let at = root;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
    at[keys[keys.length - 1]!] = values[i];
  });
  return root;
}

describe('absence analysis agrees with brute force over the compiled closures', () => {
  test('without functions: verdicts are equal, and every finding is a real user', () => {
    let flagged = 0;
    fc.assert(
      fc.property(conditionArb(userAttributes, false), (source) => {
        const { analysis, holds } = analyse(source);
        const finding = findAbsence(analysis);
        const brute = bruteForce(source, holds);
        expect(finding !== undefined, `${source}: checker ${finding ? 'flags' : 'passes'}, brute force ${brute ? 'finds' : 'finds no'} witness`).toBe(brute !== undefined);
        if (!finding) return;
        flagged++;
        // The checker's own witness, as a user: false before, true without the attribute.
        if (!finding.witness) throw new Error(`${source}: no witness (beyond the search budget)`);
        const { variables, before, after } = finding.witness;
        expect(holds(witnessRoot(variables, before.values)), `${source}: witness before`).toBe(false);
        expect(holds(witnessRoot(variables, after.values)), `${source}: witness after`).toBe(true);
      }),
      { numRuns: runs },
    );
    expect(flagged).toBeGreaterThan(runs / 10);
    console.log(`absence without functions: ${flagged} flagged (each witness checked) of ${runs}`);
  });

  test('with functions, `??`, order and dates: nothing that brute force flags is passed', () => {
    let both = 0;
    let onlyChecker = 0;
    fc.assert(
      fc.property(conditionArb(userAttributes, true), (source) => {
        const { analysis, holds } = analyse(source);
        const finding = findAbsence(analysis);
        const brute = bruteForce(source, holds);
        if (brute) expect(finding, `${source}: brute force deactivates ${JSON.stringify(brute)} by absence`).toBeDefined();
        if (brute && finding) both++;
        if (!brute && finding) {
          onlyChecker++;
          if (process.env.SHOW_OVERAPPROX) console.log(`checker only: ${source}`);
        }
      }),
      { numRuns: runs },
    );
    expect(both).toBeGreaterThan(runs / 10);
    console.log(`absence with functions: ${both} flagged by both, ${onlyChecker} by the checker only, of ${runs}`);
  });
});
