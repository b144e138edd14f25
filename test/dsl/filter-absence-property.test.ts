// Property: a value filter in a deactivation condition is refused (findAbsence) exactly when some
// element for which the filter is false would match once it stops sending one sub-attribute,
// decided by brute force over one-element users evaluated by the compiled closures.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findAbsence } from '../../dsl/absence.ts';
import { analyzeExpression } from '../../dsl/check.ts';
import { compileChecked } from '../../dsl/compile.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { userScope } from './reference-interpreter.ts';

const runs = Number(process.env.DSL_PROPERTY_RUNS ?? 400);
const now = new Date('2026-05-01T09:00:00Z');

/** Clauses the absence model decides exactly (one attribute against literals). */
const exact = ['type eq "work"', 'type ne "work"', 'type eq "home"', 'type pr', 'value pr', 'value eq "a"', 'value ne "a"', 'primary eq true', 'primary pr'];
/** Clauses it treats as free booleans (`ew`): refused conservatively. */
const opaque = ['value ew "a"', 'value co "b"'];
const filterOf = (atoms: readonly string[]): fc.Arbitrary<string> =>
  fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...atoms),
      tie('f').map((f) => `not (${f})`),
      fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    ),
  })).f;

const MISSING = Symbol('missing');
const domains: Record<string, readonly unknown[]> = {
  // `other`: a value no clause names, so a filter refused for `not (type pr)` beside
  // `type eq "work"` / `"home"` has an element it rejects (seeds 183406561, 403458492).
  type: ['work', 'home', 'WORK', 'other', '', MISSING],
  value: ['a', 'ba', 'b', MISSING],
  primary: [true, false, MISSING],
};
const keys = Object.keys(domains);
// `display`, which no filter reads, keeps the element there once the others go: an element
// without any attribute is no element at all.
const element = (values: readonly unknown[]) => ({ display: 'd', ...Object.fromEntries(keys.flatMap((k, i) => (values[i] === MISSING ? [] : [[k, values[i]]]))) });

function* combinations(i = 0, acc: unknown[] = []): Generator<unknown[]> {
  if (i === keys.length) return yield [...acc];
  for (const v of domains[keys[i]!]!) yield* combinations(i + 1, [...acc, v]);
}

/** [checker's verdict, brute force's] for `emails[<filter>] pr`. */
function verdicts(filter: string): [boolean, boolean] {
  const source = `emails[${filter}] pr`;
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  const analysis = analyzeExpression(ast, userScope, 'condition');
  const compiled = compileChecked(analysis);
  const holds = (el: Record<string, unknown>) => compiled({ root: { userName: 'u', emails: [el] }, now, timezone: 'UTC' }) === true;
  let brute = false;
  for (const values of combinations()) {
    if (holds(element(values))) continue;
    if (values.some((v, i) => v !== MISSING && holds(element(values.map((w, j) => (j === i ? MISSING : w)))))) {
      brute = true;
      break;
    }
  }
  return [findAbsence(analysis) !== undefined, brute];
}

describe('absence inside a value filter', () => {
  test('over exact clauses, the checker refuses exactly the filters that match an element once it stops sending a sub-attribute', () => {
    fc.assert(
      fc.property(filterOf(exact), (filter) => {
        const [checker, brute] = verdicts(filter);
        expect(checker, filter).toBe(brute);
      }),
      { numRuns: runs },
    );
  });

  test('with clauses it cannot decide, it never passes a filter that brute force refuses', () => {
    fc.assert(
      fc.property(filterOf([...exact, ...opaque]), (filter) => {
        const [checker, brute] = verdicts(filter);
        if (brute) expect(checker, filter).toBe(true);
      }),
      { numRuns: runs },
    );
  });
});
