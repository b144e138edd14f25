// A "new user" review of the product rules (SPEC §1) on tenant files written outside the
// examples (test/fixtures/review9/): every line marked `# expect: CODE` gets that code at that
// line and nothing unmarked gets an error or warning; then tables of deactivation conditions
// (absence, value filters included) and group rules (W502) a new user tried, with code and span.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';

const dir = join(import.meta.dirname, '../fixtures/review9');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('review9 tenant files', () => {
  it.each(files)('%s: each marked line gets its code, no other line an error or warning', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const { diagnostics } = compileTenantFile(file, text);
    const marked = new Map<number, string>();
    text.split('\n').forEach((line, i) => {
      const m = /# expect: (\S+)/.exec(line);
      if (m) marked.set(i + 1, m[1]!);
    });
    expect(marked.size).toBeGreaterThan(0);
    for (const [line, code] of marked) {
      expect(diagnostics.filter((d) => d.span?.line === line).map((d) => d.code), `${file}:${line}`).toContain(code);
    }
    const unmarked = diagnostics.filter((d) => d.severity !== 'info' && !marked.has(d.span?.line ?? 0));
    expect(unmarked.map((d) => `${d.span?.line} ${d.code} ${d.message}`)).toEqual([]);
  });
});

const HR = 'urn:ietf:params:scim:schemas:extension:review:2.0:User';
const tenant = (rest: string) => `tenant: review
tokens: [{ env: REVIEW_TOKEN }]
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes: { leaveStatus: string, contractEnd: dateTime, score: integer, other: dateTime }
${rest}`;

/** The E603 findings of a deactivation condition: [code, the clause it points at]. */
function absence(condition: string): [string, string][] {
  const text = tenant(`profile: { a: title }\ndeactivate:\n  when: '${condition.replaceAll("'", "''")}'\n`);
  return compileTenantFile('review.yaml', text)
    .diagnostics.filter((d) => d.code === 'E603')
    .map((d) => [d.code, text.slice(d.span!.start, d.span!.end)]);
}

describe('deactivation by absence, as a new user tried it', () => {
  const held: [string, string][] = [
    ['not (hr.contractEnd ge now())', 'not (hr.contractEnd ge now())'],
    ['hr.contractEnd le now() or not (hr.leaveStatus pr)', 'not (hr.leaveStatus pr)'],
    ['(hr.leaveStatus ?? "gone") eq "gone"', '(hr.leaveStatus ?? "gone") eq "gone"'],
    ['lower(hr.leaveStatus) ne "active"', 'lower(hr.leaveStatus) ne "active"'],
    ['if(hr.leaveStatus pr, hr.leaveStatus eq "x", true)', 'if(hr.leaveStatus pr, hr.leaveStatus eq "x", true)'],
    ['switch(hr.leaveStatus, "active", false, true)', 'switch(hr.leaveStatus, "active", false, true)'],
    ['coalesce(hr.contractEnd, now()) le now()', 'coalesce(hr.contractEnd, now()) le now()'],
    ['addDays(hr.contractEnd ?? now(), -1) le now()', 'addDays(hr.contractEnd ?? now(), -1) le now()'],
    ['concat(hr.leaveStatus, "") eq ""', 'concat(hr.leaveStatus, "") eq ""'],
    ['not (hr.score ge 1)', 'not (hr.score ge 1)'],
    ['hr.leaveStatus in ["left", null]', 'hr.leaveStatus in ["left", null]'],
    ['active eq false or (hr.leaveStatus ne "active" and hr.contractEnd le now())', 'hr.leaveStatus ne "active"'],
    ['not (addDays(hr.contractEnd, hr.score) gt now())', 'not (addDays(hr.contractEnd, hr.score) gt now())'],
    // Inside a value filter: an element that stops sending a sub-attribute is picked.
    ['emails[type ne "work"] pr', 'type ne "work"'],
    ['emails[type eq "work" and not (value pr)] pr', 'not (value pr)'],
    ['addresses[type eq "work" and not (country pr)].locality eq "x"', 'not (country pr)'],
  ];
  it.each(held)('%s is E603 at the clause that holds on absence', (condition, clause) => {
    expect(absence(condition)).toEqual([['E603', clause]]);
  });

  it.each([
    'active eq false',
    'hr.contractEnd le now()',
    'lower(hr.leaveStatus) eq "left"',
    'not (hr.leaveStatus eq "active") and hr.leaveStatus pr',
    'hr.leaveStatus eq ""',
    'emails[type eq "work"].value eq "x"',
    'emails[type eq "work" and value ew "@leavers.example"] pr',
    'date(hr.leaveStatus) le now()',
  ])('%s is value-based: no E603', (condition) => {
    expect(absence(condition)).toEqual([]);
  });

  it('a finding inside a value filter names the sub-attribute and requires it inside the filter', () => {
    const text = tenant('profile: { a: title }\ndeactivate:\n  when: emails[type ne "work"] pr\n');
    const d = compileTenantFile('review.yaml', text).diagnostics.find((x) => x.code === 'E603')!;
    expect(d.message).toBe('`type ne "work"` holds for a user who sends no `emails.type`');
    expect(d.help).toContain('require it inside the filter: `type pr and type ne "work"`');
    // The tenant declares an end date: the value-based form names it.
    expect(d.help).toContain('`hr.contractEnd le now()`');
  });
});

describe('group rules that can never hold (W502), as a new user tried them', () => {
  const rulesOf = (rules: readonly string[]) => {
    const groups = rules.map((r, i) => `  - group: G${i}\n    when: '${r.replaceAll("'", "''")}'`).join('\n');
    const text = tenant(`profile:\n  dept: enterprise.department\n  isOn: active\ngroups:\n${groups}\n`);
    const { diagnostics } = compileTenantFile('review.yaml', text);
    const first = text.split('\n').findIndex((l) => l.includes('group: G0')) + 2;
    return rules.map((_r, i) => diagnostics.filter((d) => d.span?.line === first + 2 * i).map((d) => d.code));
  };
  it('warns on contradictions through in, not in, not, pr, case and nesting', () => {
    const never = [
      'dept in ["A","B"] and dept not in ["A","B"]',
      'not (dept pr) and dept eq "A"',
      'dept eq "A" and (dept eq "B" or dept eq "C")',
      '(dept eq "A" or dept eq "B") and not (dept in ["A", "B"])',
      'dept eq "Sales" and dept ne "sales"',
      'dept eq "A" and not (dept eq "A" or dept eq "B")',
      'not (dept ne "A") and dept eq "B"',
      'isOn and not isOn',
    ];
    expect(rulesOf(never)).toEqual(never.map(() => ['W502']));
  });
  it('does not warn on rules that can hold', () => {
    const can = ['dept eq "Sales" and dept eq "sales"', 'dept ne "A" and dept ne "B"', '(dept eq "A" and isOn) or (dept eq "B" and dept eq "C")', 'dept sw "A" and dept co "B"'];
    expect(rulesOf(can)).toEqual(can.map(() => []));
  });
});
