// docs/compatibility.md: every deliberate departure from RFC 7643/7644 is a row of a table with
// an `RFC` column (the section it departs from) and a reason, and the ones issue 11 named are
// there, the refusal to change the mapping key among them. The behaviour itself is tested where
// it lives: username-case.test.ts (KEY_CHANGE on userName), strict-schemas.test.ts (/Schemas).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');

/** The body rows of every table whose second column is `RFC`, as [what, rfc, why] cells. */
function departures(): string[][] {
  const out: string[][] = [];
  let inTable = false;
  const lines = doc.split('\n');
  lines.forEach((line, i) => {
    const cells = line.slice(1, -1).split(' | ').map((cell) => cell.trim());
    // A header is the row above the `|---|` line.
    if (lines[i + 1]?.startsWith('|---')) inTable = cells[1] === 'RFC';
    else if (!line.startsWith('|')) inTable = false;
    else if (inTable && !line.startsWith('|---')) out.push(cells);
  });
  return out;
}

describe('docs/compatibility.md lists each deliberate departure', () => {
  const rows = departures();

  it('every row names an RFC section and a reason', () => {
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const [what, rfc, why] of rows) {
      expect(rfc, what).toMatch(/RFC \d{4} §\d/);
      expect(why, what).toMatch(/\w{3}/);
    }
  });

  it('the refusal to change the mapping key, a tenant keyed on userName included', () => {
    const row = rows.find(([what]) => what!.includes('KEY_CHANGE'));
    expect(row).toBeDefined();
    expect(row![0]).toContain('keyed on `userName` refuses a new `userName`');
    expect(row![1]).toContain('RFC 7643 §4.1.1');
    expect(row![1]).toContain('readWrite');
  });

  it('Group.displayName advertised required, members.display advertised', () => {
    expect(rows.some(([what, rfc]) => what!.includes("`displayName` `required: true`") && rfc!.includes('§8.7.1'))).toBe(true);
    expect(rows.some(([what]) => what!.includes('`members.display`'))).toBe(true);
  });
});
