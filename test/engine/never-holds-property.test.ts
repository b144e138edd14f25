// Property: W502 (findNeverHolds) agrees with brute force over concrete profiles evaluated by
// the compiled closures: a group rule is reported exactly when no profile satisfies it.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { analyzeExpression } from '../../dsl/check.ts';
import { compileChecked } from '../../dsl/compile.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { someNode } from '../../dsl/walk.ts';
import { findNeverHolds } from '../../engine/never-holds.ts';
import { conditionArb, domain, profileAttributes, referenced, rootOf, someCombination } from '../dsl/condition-domain.ts';
import { profileScope } from '../dsl/reference-interpreter.ts';

const runs = Number(process.env.DSL_PROPERTY_RUNS ?? 600);
const now = new Date('2026-05-01T09:00:00Z');

function judge(source: string) {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  const analysis = analyzeExpression(ast, profileScope, 'condition');
  const compiled = compileChecked(analysis);
  const attrs = referenced(source, profileAttributes);
  let witness: Record<string, unknown> | undefined;
  someCombination(
    attrs.map((a) => domain(a, source)),
    (values) => {
      const root = rootOf(attrs, values);
      if (compiled({ root, now, timezone: 'UTC' }) !== true) return false;
      witness = root;
      return true;
    },
  );
  const never = findNeverHolds(analysis);
  for (const n of never) expect(someNode(ast, (node) => node === n.node), `${source}: reports a node of the rule`).toBe(true);
  return { never, witness };
}

describe('W502 agrees with brute force over the compiled closures', () => {
  test('eq/ne/in/not in/pr/not/and/or: reported exactly when no profile satisfies the rule', () => {
    let reported = 0;
    fc.assert(
      fc.property(conditionArb(profileAttributes, false), (source) => {
        const { never, witness } = judge(source);
        expect(never.length > 0, `${source}: ${never.length > 0 ? 'reported' : 'not reported'}, satisfied by ${JSON.stringify(witness)}`).toBe(witness === undefined);
        if (never.length > 0) reported++;
      }),
      { numRuns: runs },
    );
    expect(reported).toBeGreaterThan(runs / 50);
    console.log(`W502 without functions: ${reported} reported of ${runs}`);
  });

  test('with functions and order: never reported when a profile satisfies it', () => {
    let reported = 0;
    fc.assert(
      fc.property(conditionArb(profileAttributes, true), (source) => {
        const { never, witness } = judge(source);
        if (witness !== undefined) expect(never, `${source} holds for ${JSON.stringify(witness)}`).toEqual([]);
        if (never.length > 0) reported++;
      }),
      { numRuns: runs },
    );
    expect(reported).toBeGreaterThan(0);
    console.log(`W502 with functions: ${reported} reported of ${runs}`);
  });
});
