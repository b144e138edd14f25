// A profile mapping that yields an empty or whitespace-only string stores no value (null), in
// plain and traced (explain) evaluation, in group rules and in `scimplan test` cases.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../cli/main.ts';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { evaluatePlan, toProfileValue } from '../../engine/evaluate.ts';
import { runTests } from '../../engine/run-tests.ts';

const text = `tenant: t1
tokens:
  - env: T_TOKEN
key: externalId
profile:
  displayName: concat(name.givenName, " ", name.familyName)
  nick: nickName
  level: switch(title, "Director", 3, 0)
groups:
  - group: Named
    when: displayName pr
  - group: Blank
    when: displayName eq " "
tests:
  - name: a user without names has no display name
    user: { externalId: "u1", userName: "a@example.com" }
    expect: { profile: { displayName: null, nick: null }, groups: [] }
  - name: a named user has one
    user: { externalId: "u2", name: { givenName: Ada, familyName: Lovelace }, nickName: "  Ada " }
    expect: { profile: { displayName: Ada Lovelace, nick: "  Ada " }, groups: [Named] }
`;

const { plan, diagnostics } = compileTenantFile('t.yaml', text);
const now = new Date('2026-05-01T09:00:00Z');

describe('blank profile values', () => {
  test('the tenant file compiles', () => {
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(plan).toBeDefined();
  });

  test.each([false, true])('a user without names stores null (trace %s)', (trace) => {
    for (const nickName of [undefined, '', ' ', '\t\n\u00a0', '\u2003']) {
      const user = { externalId: 'u1', ...(nickName === undefined ? {} : { nickName }) };
      const r = evaluatePlan(plan!, user, now, { trace });
      expect(r.profile).toEqual({ displayName: null, nick: null, level: 0 });
      expect(r.groups).toEqual([]);
    }
  });

  test('text with other characters is kept as it is, spaces included', () => {
    const r = evaluatePlan(plan!, { externalId: 'u2', name: { givenName: 'Ada' }, nickName: ' x ' }, now);
    expect(r.profile).toEqual({ displayName: 'Ada ', nick: ' x ', level: 0 });
    expect(r.groups).toEqual(['Named']);
  });

  test('scimplan test cases see the same values', () => {
    expect(runTests(plan!, now).map((r) => [r.name, r.failures])).toEqual([
      ['a user without names has no display name', []],
      ['a named user has one', []],
    ]);
  });

  test('toProfileValue: blank strings and blank picked elements are null, other scalars unchanged', () => {
    expect(toProfileValue('')).toBeNull();
    expect(toProfileValue('   ')).toBeNull();
    expect(toProfileValue(['  ', 'b'])).toBeNull();
    expect(toProfileValue(['a ', 'b'])).toBe('a ');
    expect(toProfileValue(0)).toBe(0);
    expect(toProfileValue(false)).toBe(false);
    expect(toProfileValue('0')).toBe('0');
    expect(toProfileValue(undefined)).toBeNull();
  });
});

describe('through the CLI', () => {
  async function cli(argv: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', color: false });
    return { code, out };
  }

  test('scimplan test passes the null expectations, explain shows the blank text and the null stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-blank-'));
    try {
      const file = join(dir, 't1.yaml');
      await writeFile(file, text);
      await writeFile(join(dir, 'user.json'), JSON.stringify({ externalId: 'u1', nickName: '  ' }));
      const tested = await cli(['test', file]);
      expect(tested.code, tested.out).toBe(0);
      const explained = await cli(['explain', file, join(dir, 'user.json'), '--now', '2026-05-01T09:00:00Z']);
      expect(explained.code, explained.out).toBe(0);
      expect(explained.out).toContain('profile.displayName: concat(name.givenName, " ", name.familyName)\n  => " "');
      expect(explained.out).toMatch(/profile:\n {2}displayName: null\n {2}nick: null\n/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
