import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../engine/load-yaml.ts';
import { suggestTenantId } from '../../engine/report-ajv.ts';
import { isKnownTimeZone } from '../../engine/time-zones.ts';
import { validateShape } from '../../engine/validate-shape.ts';
import type { Diagnostic } from '../../engine/diagnostic.ts';

const HASH = '3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea';

const VALID = `tenant: acme
tokens:
  - sha256: ${HASH}
  - env: ACME_SCIM_TOKEN
timezone: Europe/Amsterdam
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:acme:2.0:User
    alias: acme
    attributes:
      employmentEndDate: dateTime
      costCenter: string
profile:
  firstName: name.givenName
  email: emails[type eq "work"].value ?? userName
deactivate:
  when: active eq false or acme.employmentEndDate le now()
  reactivate: true
onDelete: keep
groups:
  - group: Sales
    when: department eq "Sales"
tests:
  - name: director joins Management
    now: 2026-05-01T09:00:00Z
    user: { userName: a@acme.example, externalId: "1", title: Director, active: true }
    expect: { deactivated: false, groups: [Management], profile: { function: Director } }
`;

/** A minimal valid file with `extra` appended (top-level keys). */
const base = (extra = ''): string => `tenant: acme\ntokens:\n  - env: ACME_SCIM_TOKEN\nkey: externalId\nprofile:\n  email: userName\n${extra}`;

function check(text: string): { diagnostics: Diagnostic[]; config: unknown } {
  const { loaded, diagnostics } = parseYaml('t.yaml', text);
  const shape = validateShape(loaded);
  return { diagnostics: [...diagnostics, ...shape.diagnostics], config: shape.config };
}

const brief = (d: Diagnostic): string => `${d.code} ${d.span?.line}:${d.span?.column}-${d.span?.endLine}:${d.span?.endColumn} ${d.message}`;

function only(text: string): Diagnostic {
  const { diagnostics } = check(text);
  expect(diagnostics.map(brief)).toHaveLength(1);
  return diagnostics[0]!;
}

describe('validateShape', () => {
  it('accepts the SPEC example and returns plain data', () => {
    const { diagnostics, config } = check(VALID);
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({
      tenant: 'acme',
      tokens: [{ sha256: HASH }, { env: 'ACME_SCIM_TOKEN' }],
      timezone: 'Europe/Amsterdam',
      key: 'externalId',
      deactivate: { when: 'active eq false or acme.employmentEndDate le now()', reactivate: true },
      onDelete: 'keep',
      groups: [{ group: 'Sales', when: 'department eq "Sales"' }],
    });
    // YAML 1.2 core schema: the timestamp stays a string
    expect((config as { tests: { now: unknown }[] }).tests[0]!.now).toBe('2026-05-01T09:00:00Z');
  });

  it('accepts a minimal file', () => {
    expect(check(base()).diagnostics).toEqual([]);
  });

  describe('E002 unknown key', () => {
    it('points at the key with a did-you-mean', () => {
      const d = only(base('tiemzone: UTC\n'));
      expect(brief(d)).toBe('E002 7:1-7:9 unknown key `tiemzone`');
      expect(d.help).toBe('did you mean `timezone`?');
    });
    it('names the enclosing mapping', () => {
      const d = only(base('deactivate:\n  when: active eq false\n  reactivte: false\n'));
      expect(brief(d)).toBe('E002 9:3-9:12 unknown key `reactivte` in `deactivate`');
      expect(d.help).toBe('did you mean `reactivate`?');
    });
    it('inside a list item', () => {
      const d = only(base('groups:\n  - group: S\n    when: x\n    wen: y\n'));
      expect(brief(d)).toBe('E002 10:5-10:8 unknown key `wen` in `groups[0]`');
    });
    it('lists the allowed keys when nothing is near', () => {
      const d = only(base('zzzzzzzz: 1\n'));
      expect(d.help).toMatch(/^allowed keys: `tenant`, `tokens`/);
    });
    it('treats `__proto__` as an ordinary unknown key', () => {
      const d = only(base('__proto__: { polluted: true }\n'));
      expect(brief(d)).toBe('E002 7:1-7:10 unknown key `__proto__`');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('E003 missing key', () => {
    it('names the missing top-level key at the first key', () => {
      const d = only('tenant: acme\ntokens:\n  - env: X\nprofile:\n  email: userName\n');
      expect(brief(d)).toBe('E003 1:1-1:7 missing key `key`');
      expect(d.help).toMatch(/externalId/);
    });
    it('inside a nested mapping', () => {
      const d = only(base('deactivate:\n  reactivate: false\n'));
      expect(brief(d)).toBe('E003 8:3-8:13 missing key `when` in `deactivate`');
    });
    it('inside a list item', () => {
      const d = only(base('groups:\n  - group: Sales\n'));
      expect(brief(d)).toBe('E003 8:5-8:10 missing key `when` in `groups[0]`');
    });
    it('a misspelt required key is one diagnostic, not also a missing key', () => {
      const d = only(base().replace('tenant: acme', 'tenat: acme'));
      expect(brief(d)).toBe('E002 1:1-1:6 unknown key `tenat`');
      expect(d.help).toBe('did you mean `tenant`?');
      const cased = only(base().replace('key: externalId', 'Key: externalId'));
      expect(brief(cased)).toBe('E002 4:1-4:4 unknown key `Key`');
      expect(cased.help).toBe('keys are case-sensitive: write `key`');
      const nested = only(base('groups:\n  - group: S\n    When: x\n'));
      expect(nested.code).toBe('E002');
    });
    it('reports each missing key once', () => {
      const { diagnostics } = check('tenant: acme\n');
      expect(diagnostics.map((d) => d.message)).toEqual(['missing key `tokens`', 'missing key `key`', 'missing key `profile`']);
    });
  });

  describe('E004 wrong type', () => {
    it('an expression YAML read as a boolean', () => {
      const d = only(base('deactivate:\n  when: true\n'));
      expect(brief(d)).toBe('E004 8:9-8:13 expected an expression (a string), found a boolean');
      expect(d.help).toBe('quote it: `when: "true"`');
    });
    it('a profile value YAML read as a number', () => {
      const d = only(base('  age: 42\n'));
      expect(brief(d)).toBe('E004 7:8-7:10 expected an expression (a string), found a number');
      expect(d.help).toBe('quote it: `age: "42"`');
    });
    it('a missing expression points at its key', () => {
      const d = only(base('  phone:\n'));
      expect(brief(d)).toBe('E004 7:3-7:8 expected an expression (a string), found nothing');
    });
    it('a list where a mapping belongs', () => {
      const d = only(base('deactivate:\n  - when: x\n'));
      expect(brief(d)).toBe('E004 8:3-9:1 expected a mapping for `deactivate`, found a list');
    });
    it('a condition written directly under `deactivate`', () => {
      const d = only(base('deactivate: active eq false\n'));
      expect(brief(d)).toBe('E004 7:13-7:28 expected a mapping for `deactivate`, found a string');
      expect(d.help).toBe('put the condition under `when:`, e.g. `deactivate: { when: active eq false }`');
    });
    it('a mapping where a list belongs', () => {
      const d = only(base('groups:\n  group: S\n  when: x\n'));
      expect(d.code).toBe('E004');
      expect(d.message).toBe('expected a list for `groups`, found a mapping');
      expect(d.help).toBe('start each item with `- `');
    });
    it('a bad enum value, once (not also as a type error)', () => {
      const d = only(base('onDelete: delete\n'));
      expect(brief(d)).toBe('E004 7:11-7:17 expected `keep` or `deactivate` for `onDelete`');
      const typed = only(base('onDelete: 3\n'));
      expect(typed.message).toBe('expected a string for `onDelete`, found a number');
    });
    it('a quoted boolean', () => {
      const d = only(base('deactivate:\n  when: x\n  reactivate: "false"\n'));
      expect(d.message).toBe('expected `true` or `false`, found a string');
      expect(d.help).toBe('write `false` without quotes');
      expect(only(base('deactivate:\n  when: x\n  reactivate: no\n')).help).toBe('YAML 1.2 reads `no` as a string; write `false`');
    });
    it('a short sha256, without echoing it', () => {
      const d = only(base().replace('- env: ACME_SCIM_TOKEN', '- sha256: abc123'));
      expect(brief(d)).toBe('E004 3:13-3:19 `sha256` must be 64 hex characters, found 6 characters');
      expect(d.message).not.toContain('abc123');
      expect(d.help).toMatch(/scimplan token/);
    });
    it('a token with both sha256 and env', () => {
      const d = only(base().replace('- env: ACME_SCIM_TOKEN', `- { sha256: ${HASH}, env: X }`));
      expect(d.message).toBe('a token needs exactly one of `sha256` or `env`');
    });
    it('an empty token list', () => {
      const d = only('tenant: acme\ntokens: []\nkey: externalId\nprofile:\n  email: userName\n');
      expect(brief(d)).toBe('E004 2:9-2:11 `tokens` needs at least one item');
    });
    it('an invalid profile field name, with a suggestion', () => {
      const d = only(base('  first-name: name.givenName\n'));
      expect(brief(d)).toBe('E004 7:3-7:13 invalid profile field name `first-name`');
      expect(d.help).toMatch(/`firstName`/);
    });
    it('a test `now` that is not a date-time', () => {
      const d = only(base('tests:\n  - name: x\n    now: tomorrow\n    user: {}\n    expect: {}\n'));
      expect(brief(d)).toBe('E004 9:10-9:18 expected an ISO 8601 date-time for `now`');
    });
  });

  describe('E006 plaintext token', () => {
    const help = 'store its hash: run `scimplan token` and write `- sha256: <hex>`, or read it from the environment: `- env: ACME_SCIM_TOKEN`';
    it('a bare string', () => {
      const { diagnostics, config } = check(base().replace('- env: ACME_SCIM_TOKEN', '- env: ACME_SCIM_TOKEN\n  - s3cr3t-t0ken-value'));
      expect(diagnostics.map(brief)).toEqual(['E006 4:5-4:23 plaintext token in a tenant file']);
      expect(diagnostics[0]!.help).toBe(help);
      expect(JSON.stringify(diagnostics)).not.toContain('s3cr3t');
      // the structure is intact: the config is handed on without the plaintext token
      expect((config as { tokens: unknown[] }).tokens).toEqual([{ env: 'ACME_SCIM_TOKEN' }]);
    });
    it('a secret in place of the list, or under a top-level `token:`', () => {
      const list = check(base().replace('tokens:\n  - env: ACME_SCIM_TOKEN', 'tokens: s3cr3t'));
      expect(list.diagnostics.map(brief)).toEqual(['E006 2:9-2:15 plaintext token in a tenant file']);
      const top = check(base().replace('tokens:\n  - env: ACME_SCIM_TOKEN', 'token: s3cr3t'));
      expect(top.diagnostics.map(brief)).toEqual(['E006 2:1-2:6 plaintext token in a tenant file']);
      expect(JSON.stringify([list, top])).not.toContain('s3cr3t');
    });
    it('a `token:` key', () => {
      const { diagnostics } = check(base().replace('- env: ACME_SCIM_TOKEN', '- token: s3cr3t'));
      expect(diagnostics.map(brief)).toEqual(['E006 3:5-3:10 plaintext token in a tenant file']);
      expect(JSON.stringify(diagnostics)).not.toContain('s3cr3t');
    });
  });

  describe('E007 tenant id', () => {
    it('suggests a lowercased, hyphenated id', () => {
      const d = only(base().replace('tenant: acme', 'tenant: Acme Corp'));
      expect(brief(d)).toBe('E007 1:9-1:18 tenant id `Acme Corp` cannot be a URL segment');
      expect(d.help).toBe('use lowercase letters, digits and hyphens, e.g. `tenant: acme-corp`');
    });
    it('suggestTenantId', () => {
      expect(suggestTenantId('ACME_Corp.NL')).toBe('acme-corp-nl');
      expect(suggestTenantId('BigCorp')).toBe('big-corp');
      expect(suggestTenantId('Café Zürich')).toBe('cafe-zurich');
      expect(suggestTenantId('-x-')).toBe('x');
      expect(suggestTenantId('a'.repeat(80))).toHaveLength(63);
    });
    it('a numeric tenant is a wrong type with help to quote it', () => {
      const d = only(base().replace('tenant: acme', 'tenant: 42'));
      expect(d.code).toBe('E004');
      expect(d.help).toBe('quote it: `tenant: "42"`');
    });
  });

  describe('E009 time zone', () => {
    it('did-you-mean for a typo', () => {
      const d = only(base('timezone: Europe/Amsterdm\n'));
      expect(brief(d)).toBe('E009 7:11-7:26 unknown time zone `Europe/Amsterdm`');
      expect(d.help).toBe('did you mean `Europe/Amsterdam`?');
    });
    it('wrong case', () => {
      expect(only(base('timezone: europe/amsterdam\n')).help).toBe('write `Europe/Amsterdam`');
    });
    it('a city alone', () => {
      expect(only(base('timezone: Amsterdam\n')).help).toBe('did you mean `Europe/Amsterdam`?');
    });
    it('accepts UTC and Etc/UTC', () => {
      expect(check(base('timezone: UTC\n')).diagnostics).toEqual([]);
      expect(check(base('timezone: Etc/UTC\n')).diagnostics).toEqual([]);
      expect(isKnownTimeZone('America/New_York')).toBe(true);
      expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    });
  });

  describe('E010 extensions', () => {
    const ext = (body: string): string => base(`schemas:\n${body}`);
    it('a urn that is not a URN', () => {
      const d = only(ext('  - urn: acme\n    attributes: { a: string }\n'));
      expect(brief(d)).toBe('E010 8:10-8:14 an extension schema id must be a URN starting with `urn:`');
    });
    it('an unknown attribute type with did-you-mean', () => {
      const d = only(ext('  - urn: urn:x\n    attributes:\n      endDate: datetme\n'));
      expect(brief(d)).toBe('E010 10:16-10:23 unknown attribute type `datetme` for `endDate`');
      expect(d.help).toBe('did you mean `dateTime`?');
      expect(only(ext('  - urn: urn:x\n    attributes:\n      endDate: datetime\n')).help).toBe('write `dateTime`');
    });
    it('an alias that clashes with `enterprise` or a core attribute', () => {
      expect(brief(only(ext('  - urn: urn:x\n    alias: enterprise\n    attributes: {}\n')))).toBe('E010 9:12-9:22 alias `enterprise` is taken by the enterprise extension');
      expect(only(ext('  - urn: urn:x\n    alias: Emails\n    attributes: {}\n')).message).toBe('alias `Emails` clashes with the core attribute `emails`');
    });
    it('a duplicate alias, with the first one labelled', () => {
      const d = only(ext('  - urn: urn:x\n    alias: acme\n    attributes: {}\n  - urn: urn:y\n    alias: acme\n    attributes: {}\n'));
      expect(brief(d)).toBe('E010 12:12-12:16 alias `acme` is used by two extensions');
      expect(d.labels?.[0]?.message).toBe('first used here');
      expect(d.labels?.[0]?.span.line).toBe(9);
    });
    it('a built-in schema declared again', () => {
      const d = only(ext('  - urn: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\n    attributes: {}\n'));
      expect(d.code).toBe('E010');
    });
    it('an alias that is not a name', () => {
      expect(only(ext('  - urn: urn:x\n    alias: acme.ext\n    attributes: {}\n')).code).toBe('E010');
    });
  });

  describe('hostile input gives diagnostics, never throws', () => {
    it('empty file', () => {
      const d = only('');
      expect(d.code).toBe('E004');
      expect(brief(d)).toMatch(/^E004 1:1-1:1 the file is empty/);
    });
    it('a list at the top', () => {
      expect(only('- tenant: acme\n').message).toBe('expected a mapping at the top of the file, found a list');
    });
    it('a scalar at the top', () => {
      expect(only('hello\n').message).toBe('expected a mapping at the top of the file, found a string');
    });
    it('billion laughs', () => {
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 9; i++) {
        const name = String.fromCharCode(97 + i);
        lines.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
      }
      const d = only(`${lines.join('\n')}\n`);
      expect(d.code).toBe('E001');
      expect(d.message).toBe('the file expands more than 100 aliases');
      expect(d.span?.line).toBe(2);
    });
    it('a few aliases are fine', () => {
      expect(check(base('groups:\n  - group: A\n    when: &w x eq 1\n  - group: B\n    when: *w\n')).diagnostics).toEqual([]);
    });
    it('deep nesting inside an allowed value', () => {
      const { diagnostics } = check(base(`tests:\n  - name: x\n    user: ${'['.repeat(500)}${']'.repeat(500)}\n    expect: {}\n`));
      expect(diagnostics.map((d) => d.code)).toEqual(['E004']);
    });
    it('binary garbage', () => {
      const { diagnostics } = check('\x00\x01\x02\xff\xfe garbage \x1b[31m\n\t\x7f: {[');
      expect(diagnostics.length).toBeGreaterThan(0);
      expect(diagnostics.every((d) => d.code === 'E001')).toBe(true);
    });
    it('every kind of wrong value at once', () => {
      const { diagnostics } = check('tenant: [1]\ntokens: 5\nkey: {}\nprofile: []\ndeactivate: 1\ngroups: {}\ntests: x\nschemas: 3\nonDelete: []\ntimezone: 9\n');
      // `tokens: 5` could be a secret: E006; everything else is a wrong type
      expect(diagnostics.map((d) => d.code).sort()).toEqual([...Array(9).fill('E004'), 'E006']);
    });
  });

  it('messages are lowercase without a trailing period', () => {
    const { diagnostics } = check('Tenant: X\ntokens: [s]\nkey: 1\nprofile: { a: 1 }\nonDelete: no\ntimezone: Nowhere\n');
    expect(diagnostics.length).toBeGreaterThan(3);
    for (const d of diagnostics) {
      expect(d.message).toMatch(/^[a-z`]/);
      expect(d.message).not.toMatch(/\.$/);
      expect(d.severity).toBe('error');
    }
  });

  it('sorts diagnostics by position', () => {
    const { diagnostics } = check(base('zzz: 1\naaa: 2\n'));
    const starts = diagnostics.map((d) => d.span!.start);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  });
});

describe('a feed whose columns are not all names', () => {
  // Found by test/engine/check-cache-property.test.ts: `[a, b:, c]` holds a mapping, and the
  // checker of the feed's expressions threw on it instead of reporting the shape error.
  it('is reported, and its expressions are checked against the columns that are names', async () => {
    const { readFileSync } = await import('node:fs');
    const { checkTenantFile } = await import('../../engine/check-tenant-file.ts');
    const text = readFileSync(new URL('../../examples/valid/hoogland-afas.yaml', import.meta.url), 'utf8').replace('Voornaam,', 'Voornaam:,');
    expect(text).toContain('Voornaam:,');
    const { diagnostics } = checkTenantFile('hoogland-afas.yaml', text);
    expect(diagnostics.some((d) => d.severity === 'error' && text.slice(d.span!.start, d.span!.end).includes('Voornaam'))).toBe(true);
    for (const asText of ['columns: Medewerker', 'columns: [[Medewerker]']) {
      const other = text.replace(/columns: \[Medewerker/, asText);
      expect(() => checkTenantFile('hoogland-afas.yaml', other)).not.toThrow();
    }
  });
});

describe('a test case whose expectations are not shaped as expectations', () => {
  // Found by test/engine/check-cache-property.test.ts: the checker of `tests:` read
  // `expect.groups` and `expect.profile` as typed and threw on other YAML.
  it.each([
    ['groups as text', '    expect:\n      groups: Engineering\n'],
    ['a group that is a mapping', '    expect:\n      groups: [{ Engineering: 1 }, Staff]\n'],
    ['expect as text', '    expect: everything\n'],
    ['profile as a list', '    expect:\n      profile: [a, b]\n'],
  ])('%s is reported, not thrown', async (_, expectYaml) => {
    const { checkTenantFile } = await import('../../engine/check-tenant-file.ts');
    const text = [
      'tenant: t1',
      'key: externalId',
      'profile:',
      '  mail: userName',
      'groups:',
      '  - group: Staff',
      '    when: active eq true',
      'tokens: [{ hash: "sha256:0000000000000000000000000000000000000000000000000000000000000000" }]',
      'tests:',
      '  - name: one',
      '    user: { userName: a@example.com, externalId: a }',
      expectYaml,
    ].join('\n');
    let check: ReturnType<typeof checkTenantFile> | undefined;
    expect(() => (check = checkTenantFile('t1.yaml', text))).not.toThrow();
    expect(check!.diagnostics.some((d) => d.severity === 'error' && d.span !== undefined)).toBe(true);
  });
});

describe('an extension alias that is not text', () => {
  // Found by test/engine/check-cache-property.test.ts: `alias: 1` became a scope alias that
  // path resolution lowercased, and the check threw instead of reporting it.
  it.each([['a number', '1'], ['a list', '[acme]'], ['a mapping', '{ a: 1 }']])('%s is reported at the alias, not thrown', async (_, alias) => {
    const { checkTenantFile } = await import('../../engine/check-tenant-file.ts');
    const text = VALID.replace('    alias: acme', `    alias: ${alias}`);
    let check: ReturnType<typeof checkTenantFile> | undefined;
    expect(() => (check = checkTenantFile('acme.yaml', text))).not.toThrow();
    const at = check!.diagnostics.find((d) => d.code === 'E004');
    expect(at?.message).toMatch(/^expected a string for `schemas\[0\]\.alias`/);
    expect(at?.span?.line).toBe(9);
  });
});
