// Property: for random mappings over date, photo, certificate and binary attributes and the whole
// function set, lint refuses every one whose evaluation on some random user stores a
// date-derived or photo-derived value, and refuses by provenance exactly those the documented rule
// tags. Oracle: test/dsl/tagging-interpreter.ts (the reference interpreter with tagged values).
//
// The relation asserted, for each generated mapping e and users U (e without other checker
// errors; with them, lint refuses e anyway):
//   (1) no bypass:   some u in U stores a tagged value          => lint refuses e
//   (2) sound rule:  tags stored for u                          ⊆ mayTags(e)
//   (3) exact lint:  E301/E302/E304 reported for e              ⇔ mayTags(e) has date / photo or
//                                                                  certificate / binary
// mayTags is "can yield": every branch of if/switch/coalesce/?? counts, and text that is always
// empty still counts. So lint may refuse e although no user in U shows it (`if(false, now(), "")`,
// `substring(concat(now()), 0, 0)`): (1) is an implication, not an equivalence. (4) checks that
// the generator is not vacuous: many refused mappings have a witness among the users.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { analyzeExpression } from '../../dsl/check.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { Source } from '../../dsl/provenance.ts';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { evaluatePlan, toProfileValue } from '../../engine/evaluate.ts';
import { buildUserScope } from '../../engine/scim-schemas.ts';
import { interpretTagged, mayTags } from '../dsl/tagging-interpreter.ts';

const HR = 'urn:ietf:params:scim:schemas:extension:hr:2.0:User';
const scope = buildUserScope([{ urn: HR, alias: 'hr', attributes: { endDate: 'dateTime', badge: 'binary', label: 'string' } }]);
const tenant = (expression: string) => `tenant: t1
tokens:
  - env: T_TOKEN
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes:
      endDate: dateTime
      badge: binary
      label: string
profile:
  f: ${JSON.stringify(expression)}
`;

// Three sorts, so that most mappings type-check and reach the provenance rule: `s` is text,
// `scalar` anything `concat` takes (dates included), `any` anything `join` or a branch takes
// (photos, certificates, binary data, lists included).
const textLeaf = fc.constantFrom('userName', 'nickName', 'title', 'name.givenName', 'hr.label', '"a"', '""', '" "', '"2026"', 'photos[type eq "photo"].value');
const scalarLeaf = fc.constantFrom('1', 'active', 'hr.endDate', 'meta.created', 'now()', 'today()', 'date("2026-01-01")', 'addDays(hr.endDate, 1)', 'date(hr.label)');
const anyLeaf = fc.constantFrom('photos.value', 'photos', 'x509Certificates.value', 'hr.badge', 'emails.value', 'x509Certificates');

const mappingArb: fc.Arbitrary<string> = fc.letrec<{ s: string; scalar: string; any: string; c: string; top: string }>((tie) => ({
  s: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'm', withCrossShrink: true },
    textLeaf,
    fc.tuple(fc.constantFrom('lower', 'upper', 'trim'), tie('s')).map(([f, a]) => `${f}(${a})`),
    fc.array(tie('scalar'), { minLength: 1, maxLength: 3 }).map((a) => `concat(${a.join(', ')})`),
    fc.tuple(tie('s'), fc.array(tie('any'), { minLength: 1, maxLength: 2 })).map(([sep, a]) => `join(${sep}, ${a.join(', ')})`),
    fc.tuple(tie('s'), fc.constantFrom('0, 4', '2', '0, 0', '30')).map(([a, n]) => `substring(${a}, ${n})`),
    fc.tuple(tie('s'), tie('s'), tie('s')).map(([a, b, c]) => `replace(${a}, ${b}, ${c})`),
    fc.tuple(tie('s'), fc.constantFrom('"-"', '"T"', '""')).map(([a, b]) => `join(",", split(${a}, ${b}))`),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => `coalesce(${a}, ${b})`),
    fc.tuple(tie('s'), tie('s')).map(([a, b]) => `(${a} ?? ${b})`),
    fc.tuple(tie('c'), tie('s'), fc.option(tie('s'))).map(([c, a, b]) => (b === null ? `if(${c}, ${a})` : `if(${c}, ${a}, ${b})`)),
    fc.tuple(tie('scalar'), tie('s'), tie('s'), fc.option(tie('s'))).map(([v, a, b, d]) => `switch(${v}, "a", ${a}, "2026", ${b}${d === null ? '' : `, ${d}`})`),
  ),
  scalar: fc.oneof({ weight: 3, arbitrary: tie('s') }, { weight: 1, arbitrary: scalarLeaf }),
  any: fc.oneof({ weight: 3, arbitrary: tie('scalar') }, { weight: 1, arbitrary: anyLeaf }),
  c: fc.oneof(
    fc.constantFrom('hr.endDate le now()', 'title eq "a"', 'photos pr', 'active', 'meta.created gt date("2026-01-01")', 'hr.badge pr'),
    tie('scalar').map((a) => `${a} eq "a"`),
    tie('any').map((a) => `not (${a} pr)`),
    tie('s').map((a) => `${a} in ["a", "2026"]`),
  ),
  // A mapping: mostly text; sometimes a branch or fallback that may hold a date or photo itself.
  top: fc.oneof(
    { weight: 6, arbitrary: tie('s') },
    { weight: 1, arbitrary: tie('scalar') },
    { weight: 1, arbitrary: fc.tuple(tie('any'), tie('s')).map(([a, b]) => `coalesce(${a}, ${b})`) },
    { weight: 1, arbitrary: fc.tuple(tie('c'), tie('scalar'), tie('s')).map(([c, a, b]) => `if(${c}, ${a}, ${b})`) },
  ),
})).top;

const iso = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const text = fc.constantFrom('', ' ', 'a', 'A', '2026', 'x-y', 'T');
const userArb = fc.record(
  {
    externalId: fc.constant('u1'),
    userName: text,
    nickName: text,
    title: text,
    active: fc.boolean(),
    name: fc.record({ givenName: text }, { requiredKeys: [] }),
    emails: fc.constant([{ type: 'work', value: 'a@example.com' }]),
    meta: fc.record({ created: iso }),
    photos: fc.subarray([{ type: 'photo', value: 'https://photos.example.com/a.jpg' }, { type: 'thumbnail', value: 'https://photos.example.com/t.jpg' }]),
    x509Certificates: fc.subarray([{ value: 'TUlJQ0lqQU5C' }]),
    [HR]: fc.record({ endDate: iso, badge: fc.constantFrom('AAEC', ''), label: fc.constantFrom('2026-02-03', 'a', '') }, { requiredKeys: [] }),
  },
  // Optional keys test absence; the sources are usually present so that a user can show them.
  { requiredKeys: ['externalId', 'photos', 'x509Certificates', HR] },
);

const codeOf: Readonly<Record<Source, string>> = { date: 'E301', photo: 'E302', certificate: 'E302', binary: 'E304' };
const now = new Date('2026-05-01T09:00:00Z');

describe('provenance: lint refuses every mapping that can store a date or photo', () => {
  test('no bypass, sound rule, exact lint', () => {
    const seen = { refused: 0, witnessed: 0, clean: 0, checked: 0 };
    fc.assert(
      fc.property(mappingArb, fc.array(userArb, { minLength: 3, maxLength: 8 }), (expression, users) => {
        const { ast, diagnostics: syntax } = parseExpression(expression);
        expect(syntax, expression).toEqual([]);
        const analysis = analyzeExpression(ast, scope, 'value');
        const { plan, diagnostics } = compileTenantFile('t.yaml', tenant(expression));
        const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
        const refused = errors.length > 0;
        const may = mayTags(analysis, ast);
        let witnessed = false;
        for (const user of users) {
          const ctx = { root: user, now, timezone: 'UTC' };
          const tagged = interpretTagged(analysis, ctx);
          const stored = toProfileValue(tagged.value);
          // the oracle evaluates what the plan evaluates
          if (plan) expect(evaluatePlan(plan, user, now).profile.f, expression).toEqual(stored);
          if (stored === null || tagged.tags.size === 0) continue;
          witnessed = true;
          expect(refused, `${expression} stores ${JSON.stringify(stored)} for ${JSON.stringify(user)}`).toBe(true); // (1)
          for (const t of tagged.tags) expect(may.has(t), `${expression}: ${t} reaches the value`).toBe(true); // (2)
        }
        const checkerErrors = analysis.diagnostics.some((d) => d.code.startsWith('E'));
        if (!checkerErrors) {
          seen.checked++;
          const want = [...new Set([...may].map((s) => codeOf[s]))].sort();
          const got = [...new Set(errors.filter((c) => c === 'E301' || c === 'E302' || c === 'E304'))].sort();
          expect(got, expression).toEqual(want); // (3)
          if (want.length > 0) {
            seen.refused++;
            if (witnessed) seen.witnessed++;
          } else {
            seen.clean++;
          }
        }
      }),
      { numRuns: 400 },
    );
    // (4) the run exercised both verdicts, and most refusals are shown by a user
    expect(seen.checked).toBeGreaterThan(100);
    expect(seen.clean).toBeGreaterThan(20);
    expect(seen.refused).toBeGreaterThan(40);
    expect(seen.witnessed / seen.refused).toBeGreaterThan(0.4);
  });
});
