// W502 on tenant files: group rules of issue 9's table that can never hold are warned at the
// conjunct that contradicts the ones before it; satisfiable rules (case-insensitive) are not.

import { describe, expect, test } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';

const head = `tenant: never-test
tokens:
  - env: NEVER_TEST_TOKEN
key: externalId
profile:
  afdeling: enterprise.department
  x: title
  code: externalId
groups:
  - group: G
    when: `;
const line = head.split('\n').length;
const column = '    when: '.length + 1;

function lint(when: string) {
  const text = `${head}${when}\n`;
  return { diagnostics: compileTenantFile('never.yaml', text).diagnostics, text };
}

/** [rule, the clauses W502 points at] */
const warned: [string, string[]][] = [
  ['afdeling in ["A", "B"] and afdeling eq "C"', ['afdeling eq "C"']],
  ['x eq "A" and not (x eq "A")', ['not (x eq "A")']],
  ['x ne "A" and x eq "A"', ['x eq "A"']],
  ['x eq "A" and x eq "a" and x eq "B"', ['x eq "B"']],
  ['x eq "A" and (x eq "B" or x eq "C")', ['x eq "B" or x eq "C"']],
  ['(x eq "A" and x eq "B") or (afdeling pr and not (afdeling pr))', ['x eq "B"', 'not (afdeling pr)']],
  ['x not in ["A", "B"] and x in ["a"]', ['x in ["a"]']],
  ['x eq null and x pr', ['x pr']],
  ['x in []', ['x in []']],
  ['x eq "A" and false', ['false']],
  ['afdeling eq "Sales" and x pr and not (afdeling in ["sales", "IT"])', ['not (afdeling in ["sales", "IT"])']],
  ['lower(x) co "a" and not (lower(x) co "a")', ['not (lower(x) co "a")']],
];

describe('W502 group rule that can never hold', () => {
  test.each(warned)('%s is warned', (when, clauses) => {
    const { diagnostics, text } = lint(when);
    const w502 = diagnostics.filter((d) => d.code === 'W502');
    expect(w502.map((d) => text.slice(d.span!.start, d.span!.end))).toEqual(clauses);
    for (const d of w502) {
      expect(d.severity).toBe('warning');
      expect(d.span!.line).toBe(line);
      expect(d.span!.column).toBe(column + when.indexOf(text.slice(d.span!.start, d.span!.end)));
    }
  });

  test.each([
    'afdeling eq "Sales" and afdeling eq "sales"',
    'x in ["A", "B"] and x ne "A"',
    'x ne "A" and x ne "B"',
    'x eq "A" or x eq "B"',
    '(x eq "A" or afdeling eq "B") and not (x eq "A")',
    'not (x pr) and afdeling eq "B"',
    'x co "a" and x eq "B"',
    'x eq "A" and lower(x) eq "b"',
    'x eq "" and not (x pr)',
    'true',
  ])('%s can hold and is not warned', (when) => {
    const { diagnostics } = lint(when);
    expect(diagnostics.filter((d) => d.code === 'W502')).toEqual([]);
  });

  test('the message names the conjunct it contradicts', () => {
    const d = lint('afdeling in ["A", "B"] and afdeling eq "C"').diagnostics.find((x) => x.code === 'W502');
    expect(d?.message).toBe('this rule can never hold: it contradicts `afdeling in ["A", "B"]`');
  });
});
