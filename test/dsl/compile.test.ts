// Table tests of the compiled semantics (SPEC §3, RFC 7644 §3.4.2.2) over sample users; every
// case is also run through the reference interpreter.

import { describe, expect, test } from 'vitest';
import type { Span } from '../../dsl/ast.ts';
import { checkExpression } from '../../dsl/check.ts';
import { compileExpression } from '../../dsl/compile.ts';
import { parseExpression } from '../../dsl/parse.ts';
import type { Scope } from '../../dsl/types.ts';
import { ACME, ctxFor, ENTERPRISE, interpret, profileScope, userScope } from './reference-interpreter.ts';

function run(source: string, user: Record<string, unknown>, expect_: 'condition' | 'value', scope: Scope = userScope, now?: string, tz?: string): unknown {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  const errors = checkExpression(ast, scope, expect_).diagnostics.filter((d) => d.code.startsWith('E'));
  expect(errors, source).toEqual([]);
  const ctx = ctxFor(user, now, tz);
  const compiled = compileExpression(ast, scope, expect_)(ctx);
  expect(interpret(ast, scope, expect_, ctx), `oracle: ${source}`).toEqual(compiled);
  return compiled;
}
const cond = (source: string, user: Record<string, unknown>, scope?: Scope) => run(source, user, 'condition', scope);
const value = (source: string, user: Record<string, unknown>, now?: string, tz?: string) => run(source, user, 'value', userScope, now, tz);

// RFC 7643 §8.2-style user.
const barbara = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'Bjensen-ID',
  userName: 'bjensen@example.com',
  name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. Barbara J Jensen III' },
  title: 'Tour Guide',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
  meta: { created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z', version: 'W/"3694e05e9dff591"' },
  [ENTERPRISE]: { department: 'Tour Operations', employeeNumber: '701984', manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' } },
  [ACME]: { employmentEndDate: '2026-04-30T22:00:00Z', costCenter: 'CC-12' },
};
const empty = {};

describe('RFC 7644 §3.4.2.2 filters over a user', () => {
  test.each([
    ['userName eq "bjensen@example.com"', true],
    ['USERNAME EQ "BJENSEN@EXAMPLE.COM"', true],
    ['name.familyName co "ens"', true],
    ['name.familyName co "O"', false],
    ['userName sw "BJ"', true],
    ['userName ew ".com"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T06:42:34+02:00"', false],
    ['meta.lastModified le "2011-05-13T06:42:34+02:00"', true],
    ['meta.created lt "2011-01-01"', true],
    ['title pr and userType eq "Employee"'.replace('userType', 'displayName'), false],
    ['title pr or displayName eq "x"', true],
    ['emails co "example.com"', true],
    ['emails.value co "jensen.org"', true],
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "work" and value co "@jensen.org"]', false],
    ['emails[type eq "home"].value ew ".org"', true],
    ['emails[type eq "other"]', false],
    ['emails.type eq "home"', true],
    ['emails.type ne "home"', true],
    ['not (emails.type eq "other")', true],
    ['userName eq "bjensen@example.com" and not (title eq "CEO")', true],
    ['externalId eq "bjensen-id"', false],
    ['externalId eq "Bjensen-ID"', true],
    ['id sw "2819C223"', false],
    ['active eq true', true],
    ['active ne true', false],
    ['active', true],
    ['enterprise.department eq "tour operations"', true],
    ['ENTERPRISE.Department eq "Tour Operations"', true],
    [`${ENTERPRISE}:department sw "tour"`, true],
    [`${ENTERPRISE.toUpperCase()}:DEPARTMENT sw "tour"`, true],
    [`${ENTERPRISE}:manager.displayName eq "john smith"`, true],
    ['enterprise.manager eq "26118915-6090-4610-87e4-49d8ca9f808d"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bjensen"', true],
    ['acme.employmentEndDate le now()', true],
    ['acme.employmentEndDate gt "2026-05-01"', false],
    ['acme.employmentEndDate ge "2026-05-01"', true], // midnight in Amsterdam = 22:00Z
    ['title in ["CEO", "tour guide"]', true],
    ['title not in ["CEO", "tour guide"]', false],
    ['emails.type in ["home"]', true],
    ['userName == "bjensen@example.com" && false'.replace(' && false', ''), true],
    ['score eq null', true],
    ['title ne null', true],
    ['photos[type eq "photo"].value sw "https://"', true],
  ])('%s -> %s', (source, expected) => {
    expect(cond(source, barbara)).toBe(expected);
  });
});

describe('missing attributes', () => {
  test.each([
    ['title eq "x"', false],
    ['title ne "x"', true], // documented: `ne` on a missing attribute holds
    ['title co ""', false],
    ['title gt "a"', false],
    ['title pr', false],
    ['title eq null', true],
    ['title ne null', false],
    ['title in ["x"]', false],
    ['title not in ["x"]', true], // documented: `not in` is the negation of `in`
    ['emails.value eq "x"', false],
    ['emails.value ne "x"', true],
    ['emails[type eq "work"]', false],
    ['not (title eq "x")', true],
    ['active', false],
    ['active eq false', false],
    ['enterprise.department eq "x"', false],
    ['acme.employmentEndDate le now()', false],
  ])('%s over {} -> %s', (source, expected) => {
    expect(cond(source, empty)).toBe(expected);
  });
});

describe('hostile and odd data', () => {
  const hostile = JSON.parse('{"__proto__": {"title": "polluted"}, "constructor": "c", "TITLE": "Boss", "emails": "not-a-list", "name": [1, 2], "active": "True"}');
  test.each([
    ['title eq "boss"', true],
    ['emails.value pr', false],
    ['name.givenName pr', false],
    ['active eq true', true], // Entra sends "True"
    ['active', true],
  ])('%s -> %s', (source, expected) => {
    expect(cond(source, hostile)).toBe(expected);
  });

  test('__proto__, constructor and toString are ordinary missing names', () => {
    const scope: Scope = {
      ...userScope,
      attributes: [
        ...userScope.attributes,
        ...['__proto__', 'constructor', 'toString'].map((name) => ({ name, type: 'string' as const, multiValued: false, caseExact: false, mutability: 'readWrite' as const, uniqueness: 'none' as const })),
      ],
    };
    for (const name of ['__proto__', 'constructor', 'toString', 'ToString']) {
      expect(run(`${name} pr`, {}, 'condition', scope)).toBe(false);
      expect(run(name, {}, 'value', scope)).toBe(null);
    }
    expect(run('constructor eq "c"', hostile, 'condition', scope)).toBe(true);
    expect(run('__proto__', JSON.parse('{"__proto__": "own"}'), 'value', scope)).toBe('own');
  });

  test('a polluted Object.prototype is never read', () => {
    const proto = Object.prototype as unknown as Record<string, unknown>;
    proto.title = 'polluted';
    try {
      expect(cond('title pr', {})).toBe(false);
      expect(value('title', {})).toBe(null);
      expect(value('title', { title: 'polluted' })).toBe('polluted');
      expect(cond('title eq "polluted"', Object.create(null) as Record<string, unknown>)).toBe(false);
    } finally {
      delete proto.title;
    }
  });

  test('a canonical key is preferred over other spellings', () => {
    expect(value('userName', { USERNAME: 'upper', userName: 'canonical' })).toBe('canonical');
    expect(value('USERNAME', { USERNAME: 'upper', userName: 'canonical' })).toBe('canonical');
    expect(value('username', { UserName: 'other' })).toBe('other');
  });

  test('the extension URN key is case-insensitive', () => {
    expect(value('enterprise.department', { [ENTERPRISE.toLowerCase()]: { Department: 'Sales' } })).toBe('Sales');
  });
});

describe('values', () => {
  test.each([
    ['emails[type eq "work"].value', 'bjensen@example.com'],
    ['emails[type eq "other"].value', null],
    ['emails.value', ['bjensen@example.com', 'babs@jensen.org']],
    ['emails[type eq "other"].value ?? userName', 'bjensen@example.com'],
    ['nickName ?? title', 'Tour Guide'],
    ['name.givenName', 'Barbara'],
    ['enterprise.manager.value', '26118915-6090-4610-87e4-49d8ca9f808d'],
    ['acme.costCenter', 'CC-12'],
    ['concat(name.givenName, " ", name.familyName)', 'Barbara Jensen'],
    ['lower(emails[type eq "work"].value)', 'bjensen@example.com'],
    ['upper(title)', 'TOUR GUIDE'],
    ['join(", ", emails.value)', 'bjensen@example.com, babs@jensen.org'],
    ['switch(title, "CEO", "exec", "Tour Guide", "guide", "other")', 'guide'],
    ['switch(title, "tour guide", "guide", "other")', 'other'],
    ['switch(title, "CEO", "exec")', null],
    ['if(active, "yes", "no")', 'yes'],
    ['if(title eq "CEO", "exec")', null],
    ['coalesce(nickName, displayName, title)', 'Tour Guide'],
    ['substring(userName, 0, 7)', 'bjensen'],
    ['replace(userName, "example.com", "acme.example")', 'bjensen@acme.example'],
    ['split(enterprise.manager.displayName, " ")', ['John', 'Smith']],
    ['title eq "tour guide"', true],
  ])('%s -> %j', (source, expected) => {
    expect(value(source, barbara)).toEqual(expected);
  });

  test('a first match whose value is missing is skipped', () => {
    const user = { emails: [{ type: 'work' }, { type: 'work', value: 'second@x' }] };
    expect(value('emails[type eq "work"].value', user)).toBe('second@x');
  });

  test('?? skips empty strings and empty lists', () => {
    expect(value('nickName ?? title', { nickName: '', title: 't' })).toBe('t');
    expect(value('emails.value ?? title', { emails: [], title: 't' })).toBe('t');
    expect(value('nickName ?? title', { nickName: '' })).toBe(null);
  });

  test('today() is midnight in the tenant zone, across DST', () => {
    // 2026-03-29 is the spring-forward day in Europe/Amsterdam: midnight is still +01:00.
    expect(value('today()', {}, '2026-03-29T12:00:00Z', 'Europe/Amsterdam')).toEqual(new Date('2026-03-28T23:00:00Z'));
    expect(value('today()', {}, '2026-03-30T12:00:00Z', 'Europe/Amsterdam')).toEqual(new Date('2026-03-29T22:00:00Z'));
    // 23:30Z on 2026-10-24 is already the 25th in Amsterdam (+02:00).
    expect(value('today()', {}, '2026-10-24T23:30:00Z', 'Europe/Amsterdam')).toEqual(new Date('2026-10-24T22:00:00Z'));
    expect(value('today()', {}, '2026-10-24T23:30:00Z', 'UTC')).toEqual(new Date('2026-10-24T00:00:00Z'));
    // addDays keeps the wall-clock time: midnight of the 24th (+02:00) plus 2 days is midnight of the 26th (+01:00).
    expect(value('addDays(today(), 2)', {}, '2026-10-24T12:00:00Z', 'Europe/Amsterdam')).toEqual(new Date('2026-10-25T23:00:00Z'));
  });

  test('deactivation on an end date that has passed, in the tenant zone', () => {
    const user = { [ACME]: { employmentEndDate: '2026-05-01' } };
    expect(run('acme.employmentEndDate le now()', user, 'condition', userScope, '2026-04-30T21:59:59Z')).toBe(false);
    expect(run('acme.employmentEndDate le now()', user, 'condition', userScope, '2026-04-30T22:00:00Z')).toBe(true);
    expect(run('acme.employmentEndDate lt today()', user, 'condition', userScope, '2026-05-01T22:00:00Z')).toBe(true);
  });
});

describe('profile scope (group rules)', () => {
  test.each([
    ['department eq "Sales"', { department: 'sales' }, true],
    ['function in ["Director", "CFO"]', { function: 'cfo' }, true],
    ['function in ["Director", "CFO"]', { function: null }, false],
    ['level ge 3', { level: 4 }, true],
    ['manager', { manager: true }, true],
  ])('%s over %j -> %s', (source, profile, expected) => {
    expect(cond(source, profile as Record<string, unknown>, profileScope)).toBe(expected);
  });
});

describe('traced evaluation', () => {
  test('reports each clause value with its span', () => {
    const source = 'title eq "Tour Guide" and (active eq false or lower(userName) co "jensen")';
    const { ast } = parseExpression(source);
    const run = compileExpression(ast, userScope, 'condition', { traced: true });
    const seen: [string, unknown][] = [];
    const trace = (span: Span, v: unknown) => seen.push([source.slice(span.start, span.end), v]);
    expect(run({ ...ctxFor(barbara), trace })).toBe(true);
    expect(seen).toEqual([
      ['title eq "Tour Guide"', true],
      ['active eq false', false],
      ['lower(userName)', 'bjensen@example.com'],
      ['lower(userName) co "jensen"', true],
      ['(active eq false or lower(userName) co "jensen")'.slice(1, -1), true],
      [source, true],
    ]);
  });

  test('untraced closures never call trace', () => {
    const { ast } = parseExpression('title eq "x"');
    const run = compileExpression(ast, userScope, 'condition');
    let calls = 0;
    run({ ...ctxFor(barbara), trace: () => calls++ });
    expect(calls).toBe(0);
  });
});

describe('strict booleans', () => {
  test('conditions return true or false, never null', () => {
    for (const source of ['title pr', 'active', 'emails[type eq "work"]', 'if(active, true, false)', 'title eq null']) {
      const { ast } = parseExpression(source);
      const r = compileExpression(ast, userScope, 'condition')(ctxFor({}));
      expect(typeof r).toBe('boolean');
    }
  });
});
