// Static checking: types of paths and calls, and diagnostics with exact codes and spans.

import { describe, expect, test } from 'vitest';
import { checkExpression } from '../../dsl/check.ts';
import { resolvePath } from '../../dsl/resolve.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { Scope, Type } from '../../dsl/types.ts';
import { ACME, ENTERPRISE, profileScope, userScope } from './reference-interpreter.ts';

function check(source: string, expect_: 'condition' | 'value' = 'condition', scope: Scope = userScope) {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  return checkExpression(ast, scope, expect_);
}

/** Codes with the source text each diagnostic points at. */
function problems(source: string, expect_: 'condition' | 'value' = 'condition', scope: Scope = userScope): [string, string][] {
  return check(source, expect_, scope).diagnostics.map((d) => [d.code, source.slice(d.span.start, d.span.end)]);
}

describe('types of values', () => {
  test.each<[string, Type]>([
    ['userName', { kind: 'string' }],
    ['externalId', { kind: 'string', caseExact: true }],
    ['active', { kind: 'boolean' }],
    ['score', { kind: 'number' }],
    ['emails.value', { kind: 'string', multi: true }],
    ['emails[type eq "work"].value', { kind: 'string', picked: true }],
    ['photos[type eq "photo"].value', { kind: 'reference', picked: true, media: 'photo' }],
    ['photos.value', { kind: 'reference', multi: true, media: 'photo' }],
    ['x509Certificates.value', { kind: 'binary', multi: true, media: 'certificate' }],
    ['meta.created', { kind: 'dateTime' }],
    ['acme.employmentEndDate', { kind: 'dateTime' }],
    ['enterprise.department', { kind: 'string' }],
    [`${ENTERPRISE}:employeeNumber`, { kind: 'string' }],
    ['lower(title)', { kind: 'string' }],
    ['split(title, " ")', { kind: 'list', of: { kind: 'string' } }],
    ['now()', { kind: 'dateTime' }],
    ['addDays(today(), 3)', { kind: 'dateTime' }],
    ['date("2026-01-01")', { kind: 'dateTime' }],
    ['emails[type eq "work"].value ?? userName', { kind: 'string' }],
    ['nickName ?? null', { kind: 'string' }],
    ['if(active, "a", "b")', { kind: 'string' }],
    ['if(active, "a", acme.employmentEndDate)', { kind: 'dateTime' }],
    ['switch(title, "a", 1, "b", 2)', { kind: 'number' }],
    ['coalesce(nickName, title)', { kind: 'string' }],
    ['title eq "x"', { kind: 'boolean' }],
  ])('%s', (source, type) => {
    const r = check(source, 'value');
    expect(r.diagnostics).toEqual([]);
    expect(r.type).toEqual(type);
  });

  test('complex types carry their attribute', () => {
    const name = check('name', 'value').type;
    expect(name.kind).toBe('complex');
    expect(name.kind === 'complex' && name.attribute?.name).toBe('name');
    const emails = check('emails', 'value').type;
    expect(emails).toMatchObject({ kind: 'complex', multi: true });
    expect(check('emails[type eq "work"]', 'value').type).toMatchObject({ kind: 'complex', multi: true });
  });
});

describe('resolvePath', () => {
  const path = (source: string) => {
    const { ast } = parseExpression(source, 'path');
    if (ast.kind !== 'Path') throw new Error('not a path');
    return ast;
  };
  test('canonical names, URN and def', () => {
    const r = resolvePath(path('ENTERPRISE.MANAGER.VALUE'), userScope);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.urn).toBe(ENTERPRISE);
    expect(r.steps.map((s) => s.name)).toEqual(['manager', 'value']);
    expect(r.def.name).toBe('value');
  });
  test('core attributes have no URN, also through the core URN', () => {
    const r = resolvePath(path('urn:ietf:params:scim:schemas:core:2.0:User:USERNAME'), userScope);
    expect(r.ok && r.urn === undefined && r.steps[0]!.name).toBe('userName');
  });
  test('failure carries candidates', () => {
    const r = resolvePath(path('acme.costCentre'), userScope);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.candidates).toEqual(['employmentEndDate', 'costCenter']);
    expect(r.diagnostic.help).toBe('did you mean `costCenter`?');
  });
  test(`an ${ACME.length > 0 ? 'extension' : ''} URN path`, () => {
    const r = resolvePath(path(`${ACME}:costCenter`), userScope);
    expect(r.ok && r.urn).toBe(ACME);
  });
});

describe('help for names consultants bring', () => {
  /** The one diagnostic of `source`: [code, the text it points at, message, help]. */
  const one = (source: string, expect_: 'condition' | 'value' = 'value') => {
    const ds = check(source, expect_).diagnostics;
    expect(ds.length, JSON.stringify(ds)).toBe(1);
    return [ds[0]!.code, source.slice(ds[0]!.span.start, ds[0]!.span.end), ds[0]!.message, ds[0]!.help];
  };

  test.each([
    ['objectId', 'objectId', 'unknown attribute `objectId`', 'Entra ID sends its `objectId` as `externalId`: write `externalId`'],
    ['userPrincipalName', 'userPrincipalName', 'unknown attribute `userPrincipalName`', 'Entra ID sends its `userPrincipalName` as `userName`: write `userName`'],
    ['woongoed.costCenter', 'woongoed', 'unknown schema alias or attribute `woongoed`', 'did you mean `acme.costCenter`?'],
    ['nme.givenName', 'nme', 'unknown schema alias or attribute `nme`', 'did you mean `name`?'],
  ])('E201 %s', (source, at, message, help) => {
    expect(one(source)).toEqual(['E201', at, message, help]);
  });

  test('E201 under an extension lists what it has', () => {
    const ds = check('enterprise.startDate', 'value').diagnostics;
    expect(ds.map((d) => [d.code, 'enterprise.startDate'.slice(d.span.start, d.span.end), d.message])).toEqual([
      ['E201', 'startDate', 'the extension `enterprise` has no attribute `startDate`'],
    ]);
    expect(ds[0]!.notes).toEqual([
      `\`${ENTERPRISE}\` has \`department\`, \`employeeNumber\` and \`manager\``,
    ]);
    // How to declare one is tenant-file knowledge: engine/check-config.ts adds it.
    expect(ds[0]!.help).toBeUndefined();
  });

  test.each([
    ['IIF(active, "a", "b")', 'IIF', "`IIF` is Entra ID's; in scimplan write `if(condition, then, else)`"],
    ['ToUpper(title)', 'ToUpper', "`ToUpper` is Entra ID's; in scimplan write `upper(text)`"],
    ['NormalizeDiacritics(title)', 'NormalizeDiacritics', "`NormalizeDiacritics` is Entra ID's; scimplan has no function that removes diacritics; map the value as the directory sends it"],
    ['lowr(title)', 'lowr', 'did you mean `lower`?'],
  ])('E202 %s', (source, at, help) => {
    expect(one(source)).toEqual(['E202', at, `unknown function \`${at}\``, help]);
  });
});

describe('diagnostics', () => {
  test.each<[string, [string, string][]]>([
    // unknown names, with the span on the exact step
    ['titel eq "x"', [['E201', 'titel']]],
    ['name.givnName eq "x"', [['E201', 'givnName']]],
    ['enterprise.departmnt eq "x"', [['E201', 'departmnt']]],
    ['emails[typ eq "work"]', [['E201', 'typ']]],
    ['userName.first eq "x"', [['E201', 'first']]],
    ['urn:ietf:params:scim:schemas:extension:acme:2.0:Usr:costCenter eq "x"', [['E201', 'urn:ietf:params:scim:schemas:extension:acme:2.0:Usr']]],
    ['enterprise eq "x"', [['E201', 'enterprise']]],
    // functions
    ['lowr(title) eq "x"', [['E202', 'lowr']]],
    ['lower(title, userName) eq "x"', [['E203', 'userName']]],
    ['substring(title) eq "x"', [['E203', 'substring(title)']]],
    ['lower(active) eq "x"', [['E204', 'active']]],
    ['addDays(userName, 1) gt now()', [['E204', 'userName']]],
    ['addDays("2026-02-30", 1) gt now()', [['E204', '"2026-02-30"']]],
    ['addDays(now(), "1") gt now()', [['E204', '"1"']]],
    ['lower(emails.value) eq "x"', [['E204', 'emails.value']]],
    // operand types
    ['enterprise.department gt true', [['E204', 'true']]],
    ['score co "1"', [['E204', 'score']]],
    ['active gt false', [['E204', 'active']]],
    ['meta.created gt "yesterday"', [['E204', '"yesterday"']]],
    ['meta.created sw "2020"', [['E204', 'meta.created']]],
    ['employeeNumber eq 12'.replace('employeeNumber', 'enterprise.employeeNumber'), [['E204', '12']]],
    ['name eq "x"', [['E204', 'name']]],
    ['title gt null', [['E204', 'null']]],
    ['title eq ["a"]', [['E204', '["a"]']]],
    ['title in userName', [['E204', 'userName']]],
    ['userName[value eq "x"]', [['E206', 'value eq "x"']]],
    // never holds
    ['active eq "yes"', [['W207', '"yes"']]],
    ['active eq "true"', [['W207', '"true"']]],
    ['active in ["yes"]', [['W207', '"yes"']]],
    // conditions that are not boolean
    ['title', [['E205', 'title']]],
    ['lower(title)', [['E205', 'lower(title)']]],
    ['active and title', [['E205', 'title']]],
    ['emails.value', [['E205', 'emails.value']]],
    // several independent mistakes are all reported, errors once
    ['titel eq "x" or lowr(userName) eq "y" or active gt 1', [['E201', 'titel'], ['E202', 'lowr'], ['E204', '1']]],
    ['titel', [['E201', 'titel']]],
    ['lower(titel) co "x"', [['E201', 'titel']]],
  ])('%s', (source, expected) => {
    expect(problems(source)).toEqual(expected);
  });

  test('valid conditions have no diagnostics', () => {
    for (const source of [
      'active eq true',
      'active',
      'emails[type eq "work"]',
      'emails[type eq "work"] and not (title pr)',
      'acme.employmentEndDate le now()',
      'acme.employmentEndDate lt addDays(today(), -1)',
      'meta.created gt "2015-10-10T14:38:21Z"',
      'score gt 3 and score le "4"',
      'if(active, title, nickName) eq "x"',
      'title in ["a", "b"] or title not in []',
      'title eq null',
      'enterprise.manager eq "123"',
      'emails co "example.com"',
    ]) {
      expect(check(source).diagnostics, source).toEqual([]);
    }
  });

  test('bare filter values: `active eq True` and dates need no quotes', () => {
    const { ast } = parseExpression('active eq True and meta.created gt 2015-10-10T14:38:21Z', 'filter');
    expect(checkExpression(ast, userScope, 'condition').diagnostics).toEqual([]);
  });

  test('messages and help', () => {
    const [unknown] = check('titel eq "x"').diagnostics;
    expect(unknown).toMatchObject({ message: 'unknown attribute `titel`', help: 'did you mean `title`?' });
    const [alias] = check('enterprse.department eq "x"').diagnostics;
    expect(alias?.help).toBe('did you mean `enterprise`?');
    const [fn] = check('lowr(title) eq "x"').diagnostics;
    expect(fn).toMatchObject({ message: 'unknown function `lowr`', help: 'did you mean `lower`?' });
    const [arity] = check('lower(title, userName) eq "x"').diagnostics;
    expect(arity?.message).toBe('`lower` takes 1 argument, got 2');
    const [cond] = check('title').diagnostics;
    expect(cond).toMatchObject({
      message: 'this condition is a `string`, not a boolean',
      help: 'compare it: `title eq "..."`, or test presence: `title pr`',
    });
    for (const d of check('titel eq "x" or lowr(title) eq "y" or name eq "z" or title').diagnostics) {
      expect(d.message).toMatch(/^[a-z`]/);
      expect(d.message).not.toMatch(/\.$/);
    }
  });
});

describe('profile scope', () => {
  test.each<[string, [string, string][]]>([
    ['function eq "Director"', []],
    ['FUNCTION in ["a"]', []],
    ['title eq "Director"', [['E501', 'title']]],
    ['enterprise.department eq "x"', [['E501', 'enterprise.department']]],
    [`${ENTERPRISE}:department eq "x"`, [['E501', `${ENTERPRISE}:department`]]],
    ['name.givenName eq "x"', [['E501', 'name.givenName']]],
    ['functon eq "x"', [['E201', 'functon']]],
    ['function[x eq 1]', [['E206', 'x eq 1']]],
  ])('%s', (source, expected) => {
    expect(problems(source, 'condition', profileScope)).toEqual(expected);
  });

  test('E501 says to map the attribute first', () => {
    const [d] = check('title eq "Director"', 'condition', profileScope).diagnostics;
    expect(d).toMatchObject({
      code: 'E501',
      message: 'only profile fields can be used here, `title` is a SCIM attribute',
      help: 'map it to a profile field first, then use `title`',
    });
    const [unknown] = check('functon eq "x"', 'condition', profileScope).diagnostics;
    expect(unknown).toMatchObject({ message: 'unknown profile field `functon`', help: 'did you mean `function`?' });
  });
});

describe('error nodes', () => {
  test('an Error node is `any` and adds no diagnostics of its own', () => {
    const span = { start: 0, end: 3 };
    const r = checkExpression({ kind: 'Error', span }, userScope, 'condition');
    expect(r).toEqual({ type: { kind: 'any' }, diagnostics: [] });
    const compare = checkExpression(
      {
        kind: 'Compare',
        op: 'gt',
        opText: 'gt',
        opSpan: { start: 7, end: 9 },
        left: { kind: 'Path', steps: [{ name: 'active', span: { start: 0, end: 6 } }], span: { start: 0, end: 6 } },
        right: { kind: 'Error', span: { start: 10, end: 11 } },
        span: { start: 0, end: 11 },
      },
      userScope,
      'condition',
    );
    expect(compare.diagnostics).toEqual([]);
  });
});
