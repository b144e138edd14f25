// E603 on tenant files: each deactivation condition of issue 9's table (and the same through
// `??`, functions and `or`) is refused at its clause; value-based conditions stay clean.

import { describe, expect, test } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';

const head = `tenant: absence-test
tokens:
  - env: ABSENCE_TEST_TOKEN
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:hr:2.0:User
    alias: hr
    attributes:
      endDate: dateTime
      status: string
      graceDays: integer
${Array.from({ length: 12 }, (_, i) => `      f${i}: string\n`).join('')}profile:
  firstName: name.givenName
  department: enterprise.department
deactivate:
  when: `;
const line = head.split('\n').length;
const column = '  when: '.length + 1;

function lint(when: string) {
  const text = `${head}${when}\n`;
  const { diagnostics, plan } = compileTenantFile('absence.yaml', text);
  return { diagnostics, plan, text };
}

/** [condition, the clause E603 points at] */
const refused: [string, string][] = [
  ['not (enterprise.department pr)', 'not (enterprise.department pr)'],
  ['hr.endDate eq null', 'hr.endDate eq null'],
  ['active ne true', 'active ne true'],
  ['not (hr.status eq "employed")', 'not (hr.status eq "employed")'],
  ['hr.status ne "employed"', 'hr.status ne "employed"'],
  ['not active', 'not active'],
  ['null eq hr.endDate', 'null eq hr.endDate'],
  ['hr.status not in ["employed", "on leave"]', 'hr.status not in ["employed", "on leave"]'],
  ['active eq false or not (enterprise.department pr)', 'not (enterprise.department pr)'],
  ['hr.endDate le now() or hr.status ne "employed"', 'hr.status ne "employed"'],
  ['enterprise.department eq "Sales" and hr.status ne "employed"', 'hr.status ne "employed"'],
  ['not (active eq true and hr.status pr)', 'not (active eq true and hr.status pr)'],
  ['(hr.status ?? "gone") eq "gone"', '(hr.status ?? "gone") eq "gone"'],
  ['coalesce(hr.status, "gone") eq "gone"', 'coalesce(hr.status, "gone") eq "gone"'],
  ['not (lower(hr.status) eq "employed")', 'not (lower(hr.status) eq "employed")'],
  ['concat(hr.status, "") eq ""', 'concat(hr.status, "") eq ""'],
  ['not (trim(upper(hr.status)) pr)', 'not (trim(upper(hr.status)) pr)'],
  ['(hr.endDate ?? now()) le now()', '(hr.endDate ?? now()) le now()'],
];

describe('E603 deactivation by absence', () => {
  test.each(refused)('%s is refused at `%s`', (when, clause) => {
    const { diagnostics, plan, text } = lint(when);
    const e603 = diagnostics.filter((d) => d.code === 'E603');
    expect(e603).toHaveLength(1);
    const d = e603[0]!;
    expect(d.severity).toBe('error');
    expect(plan).toBeUndefined();
    expect(text.slice(d.span!.start, d.span!.end)).toBe(clause);
    expect(d.span!.line).toBe(line);
    expect(d.span!.column).toBe(column + when.indexOf(clause));
    expect(d.help).toMatch(/deactivate on a value, e\.g\. `/);
  });

  test.each([
    'active eq false',
    'active eq false or hr.endDate le now()',
    'hr.endDate le now()',
    'hr.status eq "left"',
    'hr.status pr and hr.status ne "employed"',
    'hr.status in ["left", "retired"]',
    'active eq false and hr.status ne "employed" and hr.status pr',
    'lower(hr.status) eq "left"',
    'addDays(hr.endDate, 30) le now()',
    'addDays(now(), hr.graceDays) gt hr.endDate',
    'substring(hr.status, hr.graceDays) eq "x"',
  ])('%s needs a value and is accepted', (when) => {
    const { diagnostics } = lint(when);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  test('the help shows the value-based form of the attribute', () => {
    expect(lint('active ne true').diagnostics.find((d) => d.code === 'E603')?.help).toBe(
      'deactivate on a value, e.g. `active eq false`, or require it: `active pr and active ne true`',
    );
    expect(lint('hr.endDate eq null').diagnostics.find((d) => d.code === 'E603')?.help).toBe('deactivate on a value, e.g. `hr.endDate le now()`');
    expect(lint('not (enterprise.department pr)').diagnostics.find((d) => d.code === 'E603')?.message).toBe(
      '`not (enterprise.department pr)` holds for a user who sends no `enterprise.department`',
    );
  });

  test('beyond the search budget a clause that holds without its attributes still decides', () => {
    const wide = Array.from({ length: 12 }, (_, i) => `hr.f${i} eq "a"`).join(' and ');
    const { diagnostics, text } = lint(`${wide} or not (hr.status pr)`);
    const d = diagnostics.find((x) => x.code === 'E603');
    expect(d && text.slice(d.span!.start, d.span!.end)).toBe('not (hr.status pr)');
    expect(lint(wide).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  test('a clause over two attributes is not told to require one of them', () => {
    const d = lint('(hr.endDate ?? meta.created) le now()').diagnostics.find((x) => x.code === 'E603');
    expect(d?.message).toBe('`(hr.endDate ?? meta.created) le now()` holds for a user who sends no `hr.endDate`');
    expect(d?.help).toBe('deactivate on a value, e.g. `hr.endDate le now()`');
  });

  test('a condition with type errors gets no E603 on top', () => {
    const { diagnostics } = lint('not (hr.unknownThing pr)');
    expect(diagnostics.map((d) => d.code)).toContain('E201');
    expect(diagnostics.map((d) => d.code)).not.toContain('E603');
  });
});
