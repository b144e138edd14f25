// Product rule 2 through any expression: a profile mapping whose value can be derived from a
// date, a photo, a certificate or binary data is refused at the node that brings it in.

import { describe, expect, test } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Diagnostic } from '../../engine/diagnostic.ts';

const header = `tenant: t1
tokens:
  - env: T_TOKEN
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:hr:2.0:User
    alias: hr
    attributes:
      endDate: dateTime
      badge: binary
profile:
  f: `;

/** Lints one profile mapping; every diagnostic as [code, the text it points at, line, column]. */
function lint(expression: string): { found: [string, string, number, number][]; diagnostics: readonly Diagnostic[] } {
  const text = `${header}${expression}\n`;
  const { diagnostics } = compileTenantFile('t.yaml', text);
  return { found: diagnostics.map((d) => [d.code, text.slice(d.span!.start, d.span!.end), d.span!.line, d.span!.column]), diagnostics };
}

/** Column of `part` inside the mapping `f: <expression>` on line 12 (1-based). */
const column = (expression: string, part: string) => '  f: '.length + expression.indexOf(part) + 1;

describe('the bypasses of issue 9 are refused at the smallest span', () => {
  test.each<[string, string, string]>([
    ['concat(hr.endDate, "")', 'E301', 'hr.endDate'],
    ['trim(concat(hr.endDate))', 'E301', 'hr.endDate'],
    ['concat("", meta.created)', 'E301', 'meta.created'],
    ['lower(photos[type eq "photo"].value)', 'E302', 'photos[type eq "photo"].value'],
    ['join(",", photos.value)', 'E302', 'photos.value'],
    // the other functions, and the branches that were caught before at the whole expression
    ['upper(concat(meta.lastModified))', 'E301', 'meta.lastModified'],
    ['substring(concat(hr.endDate), 0, 10)', 'E301', 'hr.endDate'],
    ['replace("x", "x", concat(hr.endDate))', 'E301', 'hr.endDate'],
    ['join(",", split(concat(hr.endDate), "T"))', 'E301', 'hr.endDate'],
    ['switch(title, "a", concat(hr.endDate), "b")', 'E301', 'hr.endDate'],
    ['switch(title, "a", "b", concat(now()))', 'E301', 'now()'],
    ['if(active, "yes", concat(hr.endDate))', 'E301', 'hr.endDate'],
    ['coalesce(nickName, concat(today()))', 'E301', 'today()'],
    ['nickName ?? concat("since ", addDays(hr.endDate, 1))', 'E301', 'hr.endDate'],
    ['concat("on ", date("2026-01-01"))', 'E301', 'date("2026-01-01")'],
    ['concat("at ", now())', 'E301', 'now()'],
    ['coalesce(hr.endDate, "x")', 'E301', 'hr.endDate'],
    ['if(active, "a", meta.created)', 'E301', 'meta.created'],
    ['join(",", photos)', 'E302', 'photos'],
    ['concat("img:", photos[type eq "photo"].value)', 'E302', 'photos[type eq "photo"].value'],
    ['join(",", x509Certificates.value)', 'E302', 'x509Certificates.value'],
    ['join(",", hr.badge)', 'E304', 'hr.badge'],
  ])('%s: %s at %s', (expression, code, part) => {
    const { found } = lint(expression);
    expect(found).toEqual([[code, part, 12, column(expression, part)]]);
  });

  test('a mapping that is a date by itself keeps its message and span', () => {
    const { found, diagnostics } = lint('hr.endDate');
    expect(found).toEqual([['E301', 'hr.endDate', 12, column('hr.endDate', 'hr.endDate')]]);
    expect(diagnostics[0]!.notes).toEqual(['this mapping yields a date/time; birth dates and other dates stay in the directory']);
    expect(diagnostics[0]!.help).toContain('`if(hr.endDate le now(), "left", "active")`');
  });

  test('the help of a date inside an expression says to take it out and what to write instead', () => {
    const [d] = lint('concat("left on ", hr.endDate)').diagnostics;
    expect(d!.help).toBe(
      'take `hr.endDate` out of this mapping; to act on a date, use a condition such as `hr.endDate le now()` in `deactivate.when`, or map a value that such a condition chooses: `if(hr.endDate le now(), "left", "active")`',
    );
    expect(d!.notes?.[0]).toContain('`hr.endDate` is a date/time');
  });

  test('a date and a photo in one mapping are both reported', () => {
    const e = 'concat(hr.endDate, photos[type eq "photo"].value, now())';
    expect(lint(e).found.map(([code, part]) => [code, part])).toEqual([
      ['E301', 'hr.endDate'],
      ['E302', 'photos[type eq "photo"].value'],
    ]);
  });

  test('a source the checker already reported an error at is not reported twice', () => {
    expect(lint('lower(hr.endDate)').found.map(([code, part]) => [code, part])).toEqual([['E204', 'hr.endDate']]);
  });
});

describe('values computed from a date without holding one are fine', () => {
  test.each([
    'if(hr.endDate le now(), "left", "active")',
    'hr.endDate le now()',
    'switch(concat(hr.endDate), "2026-01-01T00:00:00Z", "new year", "other")',
    'replace("abc", concat(now()), "x")',
    'if(photos pr, "has a photo", "none")',
    'if(meta.created gt addDays(now(), -30), "new", "known")',
    'concat(name.givenName, " ", name.familyName)',
    'join(", ", emails.value)',
    'substring(userName, 0, 3)',
  ])('%s', (expression) => {
    expect(lint(expression).found).toEqual([]);
  });
});

describe('E303', () => {
  test('groups: pick a direct group by its display name', () => {
    const [d] = lint('groups').diagnostics;
    expect(d!.code).toBe('E303');
    expect(d!.help).toBe('pick one element with a filter, e.g. `groups[type eq "direct"].display`, or join the values: `join(", ", groups.display)`');
    expect(lint('groups.display').diagnostics[0]!.help).toContain('`groups[type eq "direct"].display`');
  });

  test('emails keep the work type', () => {
    expect(lint('emails.value').diagnostics[0]!.help).toContain('`emails[type eq "work"].value`');
  });
});
