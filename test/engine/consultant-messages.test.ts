// Tenant-file messages a consultant acts on: no follow-on errors after a syntax error or a
// mapping with errors, extension prefixes and attributes, the mapping key, and I601.

import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Diagnostic } from '../../engine/diagnostic.ts';

const WG = 'urn:ietf:params:scim:schemas:extension:woongoed:2.0:User';

function tenant(body: string): string {
  return `tenant: messages
tokens:
  - env: MESSAGES_TOKEN
schemas:
  - urn: ${WG}
    alias: wg
    attributes:
      x: string
      endDate: dateTime
${body}`;
}

/** Each diagnostic as [code, line, the text it points at]. */
function lint(body: string): { text: string; diagnostics: readonly Diagnostic[]; found: [string, number, string][] } {
  const text = tenant(body);
  const { diagnostics } = compileTenantFile('messages.yaml', text);
  return { text, diagnostics, found: diagnostics.map((d) => [d.code, d.span?.line ?? 0, d.span ? text.slice(d.span.start, d.span.end) : '']) };
}

describe('follow-on errors', () => {
  it('`a || b` in a mapping is one E102 with `??`, not E205s', () => {
    const r = lint('key: externalId\nprofile:\n  name: displayName || userName\n');
    expect(r.found).toEqual([['E102', 12, '||']]);
    expect(r.diagnostics[0]!.help).toBe('for a fallback value write `??`: `displayName ?? userName` (`or` only joins conditions)');
  });

  it('`||` in a condition keeps `or` as the help', () => {
    const r = lint('key: externalId\nprofile:\n  a: title\ndeactivate:\n  when: active eq false || wg.endDate le now()\n');
    expect(r.found).toEqual([['E102', 14, '||']]);
    expect(r.diagnostics[0]!.help).toBe('use `or`');
  });

  it('an expression with foreign syntax gets its parse diagnostics only', () => {
    const r = lint('key: externalId\nprofile:\n  a: title\ngroups:\n  - group: G\n    when: a === "x" && b eq "y"\n');
    expect(r.found).toEqual([
      ['E102', 15, '==='],
      ['E102', 15, '&&'],
    ]);
  });

  it.each([
    ['a syntax error', 'active ==='],
    ['foreign syntax', 'active || title'],
    ['an unknown name', 'activ'],
  ])('group rules over a mapping with %s get no type errors', (_what, mapping) => {
    const r = lint(`key: externalId\nprofile:\n  a: ${mapping}\ngroups:\n  - group: G\n    when: a eq true\n  - group: H\n    when: a\n`);
    expect(r.found.filter(([, line]) => line > 12)).toEqual([]);
    expect(r.found.filter(([, line]) => line === 12).length).toBeGreaterThan(0);
  });

  it('a group rule over a mapping without errors is still checked', () => {
    const r = lint('key: externalId\nprofile:\n  a: title\ngroups:\n  - group: G\n    when: a eq true\n  - group: H\n    when: a\n');
    expect(r.found.map(([code, line]) => [code, line])).toEqual([
      ['E204', 15],
      ['E205', 17],
    ]);
  });
});

describe('extension prefixes and attributes', () => {
  it('an unknown prefix suggests the alias whose extension has the attribute', () => {
    const r = lint('key: externalId\nprofile:\n  a: woongoed.x\n');
    expect(r.found).toEqual([['E201', 12, 'woongoed']]);
    expect(r.diagnostics[0]!.message).toBe('unknown schema alias or attribute `woongoed`');
    expect(r.diagnostics[0]!.help).toBe('did you mean `wg.x`?');
  });

  it('an unknown prefix of an attribute no extension has lists the aliases', () => {
    const r = lint('key: externalId\nprofile:\n  a: woongoed.costCentre\n');
    expect(r.found).toEqual([['E201', 12, 'woongoed']]);
    expect(r.diagnostics[0]!.help).toBe('the schema aliases are `enterprise` and `wg`');
  });

  it('a near alias is still suggested first', () => {
    const r = lint('key: externalId\nprofile:\n  a: enterprize.department\n');
    expect(r.diagnostics[0]!.help).toBe('did you mean `enterprise`?');
  });

  it('an attribute the enterprise extension lacks lists what it has and how to declare one', () => {
    const r = lint('key: externalId\nprofile:\n  a: enterprise.employmentEndDate\n');
    expect(r.found).toEqual([['E201', 12, 'employmentEndDate']]);
    const d = r.diagnostics[0]!;
    expect(d.message).toBe('the extension `enterprise` has no attribute `employmentEndDate`');
    expect(d.notes).toEqual([
      '`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` has `employeeNumber`, `costCenter`, `organization`, `division`, `department` and `manager`',
    ]);
    expect(d.help).toBe(
      'if the directory sends `employmentEndDate` in an extension of its own, declare that extension under `schemas:` with its `urn`, an `alias` and `attributes: { employmentEndDate: string }`, then write `<alias>.employmentEndDate`',
    );
  });

  it('a near name comes first, then how to declare', () => {
    const d = lint('key: externalId\nprofile:\n  a: enterprise.deparment\n').diagnostics[0]!;
    expect(d.help).toMatch(/^did you mean `department`\? Otherwise, if the directory sends `deparment` in an extension of its own, declare/);
  });

  it('an attribute a declared extension lacks says where to declare it, by URN too', () => {
    for (const written of ['wg.costCentre', `${WG}:costCentre`]) {
      const r = lint(`key: externalId\nprofile:\n  a: ${written}\n`);
      expect(r.found).toEqual([['E201', 12, 'costCentre']]);
      expect(r.diagnostics[0]!.help).toBe(`if the directory sends \`costCentre\` in this extension, declare it under \`schemas:\` in the \`attributes\` of \`${WG}\`, e.g. \`costCentre: string\``);
    }
  });
});

describe('the mapping key', () => {
  it('`objectId` suggests `externalId` and gets no W402', () => {
    const r = lint('key: objectId\nprofile:\n  a: title\n');
    expect(r.found).toEqual([['E201', 10, 'objectId']]);
    expect(r.diagnostics[0]!.help).toBe('Entra ID sends its `objectId` as `externalId`: write `externalId`');
  });

  it('a mutable key that resolves still gets W402', () => {
    expect(lint('key: userName\nprofile:\n  a: title\n').found).toEqual([['W402', 10, 'userName']]);
  });
});

describe('I601', () => {
  const notes = ['identity providers such as Entra ID and Okta send it when a user is unassigned from the app or leaves the provisioning scope, not only when the account is disabled; such users are deactivated here too, although they may still work for the organisation'];

  it('names no single identity provider and proposes an end date', () => {
    const r = lint('key: externalId\nprofile:\n  a: title\ndeactivate:\n  when: active eq false\n');
    expect(r.found).toEqual([['I601', 14, 'active eq false']]);
    expect(r.diagnostics[0]!.notes).toEqual(notes);
    expect(r.diagnostics[0]!.help).toMatch(/^if that is not intended, deactivate on an end-of-employment date/);
  });

  it.each(['active eq false or wg.endDate le now()', 'active eq false or wg.endDate lt "2027-01-01"'])('proposes no end date when %s already has one', (when) => {
    const r = lint(`key: externalId\nprofile:\n  a: title\ndeactivate:\n  when: ${when}\n`);
    expect(r.found.map(([code, line]) => [code, line])).toEqual([['I601', 14]]);
    expect(r.diagnostics[0]!.notes).toEqual(notes);
    expect(r.diagnostics[0]!.help).toBeUndefined();
  });
});
