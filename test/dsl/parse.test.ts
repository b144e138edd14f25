// Table tests of the parse stage: RFC 7644 filters, spans, precedence, the expression-mode
// extras, filter-mode unquoted values, path mode, foreign-syntax hints and hostile input.

import { describe, expect, it } from 'vitest';
import type { Expr, PathExpr } from '../../dsl/ast.ts';
import { MAX_CALL_ARGS, MAX_LIST_ITEMS, MAX_NESTING_DEPTH, MAX_SOURCE_LENGTH } from '../../dsl/limits.ts';
import { parseExpression, type ParseMode } from '../../dsl/parse.ts';

/** Compact s-expression of a tree, for precedence and shape assertions. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'Path':
      return (
        (e.urn ? `${e.urn}:` : '') +
        e.steps.map((s) => (s.filter ? `${s.name}[${sx(s.filter)}]` : s.name)).join('.')
      );
    case 'Literal':
      return typeof e.value === 'string' ? (e.bare ? `~${e.value}` : JSON.stringify(e.value)) : String(e.value);
    case 'List':
      return `[${e.items.map(sx).join(' ')}]`;
    case 'Compare':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Present':
      return `(pr ${sx(e.operand)})`;
    case 'Logical':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Not':
      return `(not ${sx(e.operand)})`;
    case 'In':
      return `(${e.negated ? 'notin' : 'in'} ${sx(e.operand)} ${sx(e.list)})`;
    case 'Coalesce':
      return `(?? ${sx(e.left)} ${sx(e.right)})`;
    case 'Call':
      return `(${e.name}${e.args.map((a) => ` ${sx(a)}`).join('')})`;
    case 'Group':
      return `{${sx(e.inner)}}`;
    case 'Error':
      return '<error>';
  }
}

function ok(source: string, mode: ParseMode = 'expression'): Expr {
  const result = parseExpression(source, mode);
  expect(result.diagnostics, `diagnostics of ${source}`).toEqual([]);
  return result.ast;
}

function text(source: string, span: { start: number; end: number }): string {
  return source.slice(span.start, span.end);
}

/** Every node's span lies within its parent's and within the source. */
function spansNest(e: Expr, outer: { start: number; end: number }): void {
  expect(e.span.start).toBeGreaterThanOrEqual(outer.start);
  expect(e.span.end).toBeLessThanOrEqual(outer.end);
  expect(e.span.start).toBeLessThanOrEqual(e.span.end);
  const kids: Expr[] = [];
  switch (e.kind) {
    case 'Compare':
    case 'Logical':
    case 'Coalesce':
      kids.push(e.left, e.right);
      break;
    case 'Not':
    case 'Present':
      kids.push(e.operand);
      break;
    case 'In':
      kids.push(e.operand, e.list);
      break;
    case 'List':
      kids.push(...e.items);
      break;
    case 'Call':
      kids.push(...e.args);
      break;
    case 'Group':
      kids.push(e.inner);
      break;
    case 'Path':
      for (const s of e.steps) if (s.filter) kids.push(s.filter);
      break;
    default:
      break;
  }
  for (const k of kids) spansNest(k, e.span);
}

const rfcFilters: readonly [string, string][] = [
  ['userName Eq "john"', '(eq userName "john")'],
  ['Username eq "john"', '(eq Username "john")'],
  ['userName eq "bjensen"', '(eq userName "bjensen")'],
  ['name.familyName co "O\'Malley"', '(co name.familyName "O\'Malley")'],
  ['userName sw "J"', '(sw userName "J")'],
  ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', '(sw urn:ietf:params:scim:schemas:core:2.0:User:userName "J")'],
  ['title pr', '(pr title)'],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', '(gt meta.lastModified "2011-05-13T04:42:34Z")'],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', '(ge meta.lastModified "2011-05-13T04:42:34Z")'],
  ['meta.lastModified lt "2011-05-13T04:42:34Z"', '(lt meta.lastModified "2011-05-13T04:42:34Z")'],
  ['meta.lastModified le "2011-05-13T04:42:34Z"', '(le meta.lastModified "2011-05-13T04:42:34Z")'],
  ['title pr and userType eq "Employee"', '(and (pr title) (eq userType "Employee"))'],
  ['title pr or userType eq "Intern"', '(or (pr title) (eq userType "Intern"))'],
  [
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    '(eq schemas "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")',
  ],
  [
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    '(and (eq userType "Employee") {(or (co emails "example.com") (co emails.value "example.org"))})',
  ],
  [
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    '(and (ne userType "Employee") (not {(or (co emails "example.com") (co emails.value "example.org"))}))',
  ],
  [
    'userType eq "Employee" and (emails.type eq "work")',
    '(and (eq userType "Employee") {(eq emails.type "work")})',
  ],
  [
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    '(and (eq userType "Employee") emails[(and (eq type "work") (co value "@example.com"))])',
  ],
  [
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    '(or emails[(and (eq type "work") (co value "@example.com"))] ims[(and (eq type "xmpp") (co value "@foo.com"))])',
  ],
  [
    'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O\'Malley"',
    '(co urn:ietf:params:scim:schemas:core:2.0:User:name.familyName "O\'Malley")',
  ],
  ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', 'members[(eq value "2819c223-7f76-453a-919d-413861904646")]'],
  ['meta.resourceType eq "User"', '(eq meta.resourceType "User")'],
  ['active eq true', '(eq active true)'],
  ['x eq null', '(eq x null)'],
  ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"', '(eq urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "701984")'],
];

describe('RFC 7644 §3.4.2.2 filters', () => {
  for (const mode of ['expression', 'filter'] as const) {
    it.each(rfcFilters)(`${mode} mode: %s`, (source, tree) => {
      const ast = ok(source, mode);
      expect(sx(ast)).toBe(tree);
      expect(ast.span).toEqual({ start: 0, end: source.length });
      spansNest(ast, { start: 0, end: source.length });
    });
  }

  it('accepts operators and keywords in any case', () => {
    expect(sx(ok('userName EQ "a" AND Title PR OR NOT (x Ne 1)'))).toBe('(or (and (eq userName "a") (pr Title)) (not {(ne x 1)}))');
    expect(sx(ok('a Co "b" aNd b eQ TRUE', 'filter'))).toBe('(and (co a "b") (eq b true))');
    expect(sx(ok('x eq False or y eq NULL'))).toBe('(or (eq x false) (eq y null))');
  });

  it('keeps attribute names as written', () => {
    const ast = ok('Emails[Type eq "work"].VALUE') as PathExpr;
    expect(ast.steps.map((s) => s.name)).toEqual(['Emails', 'VALUE']);
  });

  it('does not take names that start with a keyword for keywords', () => {
    expect(sx(ok('notes pr and order eq 1 or inner eq 2 and prefix eq "x" and equal ne 3'))).toBe(
      '(or (and (pr notes) (eq order 1)) (and (and (eq inner 2) (eq prefix "x")) (ne equal 3)))',
    );
  });
});

describe('spans', () => {
  it('are end-exclusive offsets of each node', () => {
    const source = 'title pr and emails[type eq "work"].value co "@x"';
    const ast = ok(source);
    expect(ast.kind).toBe('Logical');
    if (ast.kind !== 'Logical') return;
    expect(text(source, ast.opSpan)).toBe('and');
    expect(text(source, ast.left.span)).toBe('title pr');
    expect(text(source, ast.right.span)).toBe('emails[type eq "work"].value co "@x"');
    const cmp = ast.right;
    if (cmp.kind !== 'Compare') throw new Error('compare expected');
    expect(text(source, cmp.opSpan)).toBe('co');
    expect(text(source, cmp.right.span)).toBe('"@x"');
    const path = cmp.left as PathExpr;
    expect(text(source, path.span)).toBe('emails[type eq "work"].value');
    expect(path.steps.map((s) => text(source, s.span))).toEqual(['emails', 'value']);
    expect(text(source, path.steps[0]!.filter!.span)).toBe('type eq "work"');
  });

  it('cover a group with its parentheses and a call with its name and arguments', () => {
    const source = 'not (a eq lower( b ))';
    const ast = ok(source);
    if (ast.kind !== 'Not' || ast.operand.kind !== 'Group') throw new Error('shape');
    expect(text(source, ast.operand.span)).toBe('(a eq lower( b ))');
    const cmp = ast.operand.inner;
    if (cmp.kind !== 'Compare' || cmp.right.kind !== 'Call') throw new Error('shape');
    expect(text(source, cmp.right.span)).toBe('lower( b )');
    expect(text(source, cmp.right.nameSpan)).toBe('lower');
  });

  it('split a URN path into the schema URN and attribute steps with their own spans', () => {
    const source = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value';
    const ast = ok(source) as PathExpr;
    expect(ast.urn).toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User');
    expect(ast.steps.map((s) => s.name)).toEqual(['manager', 'value']);
    expect(ast.steps.map((s) => text(source, s.span))).toEqual(['manager', 'value']);
    expect(ast.span).toEqual({ start: 0, end: source.length });
  });

  it('cover a string with its quotes and decode its escapes', () => {
    const source = 'a eq "x\\"y\\u00e9\\n"';
    const ast = ok(source);
    if (ast.kind !== 'Compare' || ast.right.kind !== 'Literal') throw new Error('shape');
    expect(ast.right.value).toBe('x"y\u00e9\n');
    expect(text(source, ast.right.span)).toBe('"x\\"y\\u00e9\\n"');
  });
});

describe('precedence and associativity', () => {
  it.each([
    ['a or b and c', '(or a (and b c))'],
    ['a and b or c', '(or (and a b) c)'],
    ['a or b or c', '(or (or a b) c)'],
    ['a and b and c', '(and (and a b) c)'],
    ['not a and b', '(and (not a) b)'],
    ['not a eq 1', '(not (eq a 1))'],
    ['not not a pr', '(not (not (pr a)))'],
    ['a ?? b eq c', '(eq (?? a b) c)'],
    ['a ?? b ?? c', '(?? a (?? b c))'],
    ['a ?? "x" in ["x", "y"]', '(in (?? a "x") ["x" "y"])'],
    ['a eq 1 or b pr and not c in [1]', '(or (eq a 1) (and (pr b) (not (in c [1]))))'],
    ['(a or b) and c', '(and {(or a b)} c)'],
    ['a not in [1, 2] and b', '(and (notin a [1 2]) b)'],
    ['not (a) not in [1]', '(not (notin {a} [1]))'],
  ])('%s', (source, tree) => {
    expect(sx(ok(source))).toBe(tree);
  });
});

describe('expression-mode extras', () => {
  it.each([
    ['a == "x"', '(eq a "x")'],
    ['a != "x"', '(ne a "x")'],
    ['a < 1', '(lt a 1)'],
    ['a <= 1', '(le a 1)'],
    ['a > 1', '(gt a 1)'],
    ['a >= 1', '(ge a 1)'],
    ['a eq -1.5e3', '(eq a -1500)'],
    ['a eq 0.25', '(eq a 0.25)'],
    ["a eq 'single \\'quoted\\''", '(eq a "single \'quoted\'")'],
    ['[]', '[]'],
    ['[1, "a", true, null, [x, y]]', '[1 "a" true null [x y]]'],
    ['function in ["Director", "CFO"]', '(in function ["Director" "CFO"])'],
    ['x in [a]', '(in x [a])'],
    ['concat(name.givenName, " ", name.familyName)', '(concat name.givenName " " name.familyName)'],
    ['now()', '(now)'],
    ['switch(department, "a", "b", "c")', '(switch department "a" "b" "c")'],
    ['emails[type eq "work"].value ?? userName', '(?? emails[(eq type "work")].value userName)'],
    ['acme.employmentEndDate le now()', '(le acme.employmentEndDate (now))'],
    ['members.$ref pr', '(pr members.$ref)'],
    ['__proto__ eq "x"', '(eq __proto__ "x")'],
    ['constructor.prototype pr', '(pr constructor.prototype)'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:emails[type eq "work"].value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:emails[(eq type "work")].value'],
    ['if(active, "yes", "no")', '(if active "yes" "no")'],
  ])('%s', (source, tree) => {
    expect(sx(ok(source))).toBe(tree);
  });

  it('keeps the operator as written in opText', () => {
    const ast = ok('a == 1');
    expect(ast.kind === 'Compare' && ast.opText).toBe('==');
  });

  it('requires filter syntax inside a value filter', () => {
    const r = parseExpression('emails[type eq work].value');
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'E101', span: { start: 15, end: 19 } });
    expect(r.diagnostics[0]!.help).toContain('"work"');
    expect(parseExpression('emails[lower(type) eq "work"]').diagnostics[0]?.code).toBe('E101');
  });
});

describe('filter mode', () => {
  it.each([
    ['userName sw O', '(sw userName ~O)'],
    ['userName eq john@example.com', '(eq userName ~john@example.com)'],
    ['meta.created gt 2015-10-10T14:38:21Z', '(gt meta.created ~2015-10-10T14:38:21Z)'],
    ['externalId eq 5b1f3c2a-6e1d-4c55-9a0b-3f2e1d0c9b8a', '(eq externalId ~5b1f3c2a-6e1d-4c55-9a0b-3f2e1d0c9b8a)'],
    ['externalId eq 42', '(eq externalId 42)'],
    ['externalId eq 007', '(eq externalId ~007)'],
    ['x gt -1.5e3', '(gt x -1500)'],
    ['active eq true', '(eq active true)'],
    ['active eq False', '(eq active false)'],
    ['manager eq null', '(eq manager null)'],
    ['userName eq O\'Malley and title pr', '(and (eq userName ~O\'Malley) (pr title))'],
    ['emails[type eq work and value co @example.com]', 'emails[(and (eq type ~work) (co value ~@example.com))]'],
    ['(userName sw J)', '{(sw userName ~J)}'],
    ['not (userName eq x)', '(not {(eq userName ~x)})'],
    ['displayName eq "Group A"', '(eq displayName "Group A")'],
  ])('%s', (source, tree) => {
    expect(sx(ok(source, 'filter'))).toBe(tree);
  });

  it('gives the bare value its own span', () => {
    const source = 'userName sw O and x pr';
    const ast = ok(source, 'filter');
    if (ast.kind !== 'Logical' || ast.left.kind !== 'Compare') throw new Error('shape');
    expect(ast.left.right).toEqual({ kind: 'Literal', value: 'O', bare: true, span: { start: 12, end: 13 } });
  });

  it.each([
    ['a == "x"', '`==` is not SCIM filter syntax', 'use `eq`'],
    ['a >= 1', '`>=` is not SCIM filter syntax', 'use `ge`'],
    ['a in ["x"]', '`in` is not SCIM filter syntax', undefined],
    ['a ?? b eq "x"', '`??` is not SCIM filter syntax', undefined],
    ['lower(a) eq "x"', 'function call `lower(…)` is not SCIM filter syntax', undefined],
    ['userName', 'expected a filter condition but found the attribute path `userName`', undefined],
    ['"x" eq "x"', 'expected an attribute path on the left of a filter comparison', undefined],
  ])('rejects %s', (source, message, help) => {
    const r = parseExpression(source, 'filter');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics[0]).toMatchObject({ code: 'E101', message });
    if (help) expect(r.diagnostics[0]!.help).toBe(help);
  });

  it('points at the symbolic operator', () => {
    const r = parseExpression('userName == "x"', 'filter');
    expect(r.diagnostics[0]!.span).toEqual({ start: 9, end: 11 });
  });
});

describe('path mode', () => {
  it.each([
    ['members', 'members'],
    ['name.givenName', 'name.givenName'],
    ['members[value eq "2819c223"]', 'members[(eq value "2819c223")]'],
    ['emails[type eq "work"].value', 'emails[(eq type "work")].value'],
    ['emails[type eq work].value', 'emails[(eq type ~work)].value'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value'],
    ['addresses[type eq "work"].streetAddress', 'addresses[(eq type "work")].streetAddress'],
  ])('%s', (source, tree) => {
    expect(sx(ok(source, 'path'))).toBe(tree);
  });

  it.each(['title pr', 'a eq "b"', 'lower(a)', '"x"', 'a or b', '', 'emails[', 'a.'])('rejects %j', (source) => {
    const r = parseExpression(source, 'path');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics[0]!.code).toBe('E101');
  });
});

describe('foreign syntax hints', () => {
  it.each([
    ['department === "Sales"', '===', 'use `eq` (or `==`)'],
    ['department !== "Sales"', '!==', 'use `ne` (or `!=`)'],
    ['a pr && b pr', '&&', 'use `and`'],
    ['a pr || b pr', '||', 'use `or`'],
    ['!active', '!', 'use `not`'],
    ['department = "Sales"', '=', 'use `eq` (or `==`)'],
    ['$.department eq "x"', '$.', 'write the attribute path without `$.`: `department`'],
    ['[department] eq "Sales"', '[department]', 'write the attribute name without brackets: `department`'],
    ['Switch([department], "Sales", "S", "O")', '[department]', 'write the attribute name without brackets: `department`'],
    ['a pr & b pr', '&', 'use `and`'],
  ])('%s', (source, offending, help) => {
    const r = parseExpression(source);
    const hint = r.diagnostics.find((d) => d.code === 'E102');
    expect(hint, JSON.stringify(r.diagnostics)).toBeDefined();
    expect(text(source, hint!.span)).toBe(offending);
    expect(hint!.help).toBe(help);
    expect(r.diagnostics.filter((d) => d.code === 'E101')).toEqual([]);
  });

  it('also hints in filter mode', () => {
    const r = parseExpression('userName eq "a" && title pr', 'filter');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E102']);
  });

  it('still builds the tree it would have been', () => {
    expect(sx(parseExpression('$.a === 1 && !b').ast)).toBe('(and (eq a 1) (not b))');
  });
});

describe('syntax errors', () => {
  it.each([
    ['a eq', 'expected a value but found the end of the expression', 4, 4],
    ['a eq )', 'expected a value but found `)`', 5, 6],
    ['(a eq 1', 'expected `)` but found the end of the expression', 7, 7],
    ['a eq 1)', 'unmatched `)`', 6, 7],
    ['a eq 1 b', 'expected an operator or the end of the expression but found `b`', 7, 8],
    ['a and', 'expected an expression but found the end of the expression', 5, 5],
    ['', 'expected an expression but found the end of the expression', 0, 0],
    ['a eq "abc', 'unterminated string', 5, 9],
    ['a # b', 'unexpected character `#`', 2, 3],
    ['a eq "\\q"', 'invalid escape `\\q` in string', 6, 8],
    ['urn:foo:bar: pr', 'expected an attribute name after the schema URN `urn:foo:bar`', 11, 12],
    ['a eq 1 eq 2', 'unexpected `eq` after a comparison', 7, 9],
    ['a pr pr', 'unexpected `pr` after a comparison', 5, 7],
    ['😀', 'unexpected character `😀`', 0, 2],
  ])('%j', (source, message, start, end) => {
    const r = parseExpression(source);
    expect(r.diagnostics[0]).toMatchObject({ code: 'E101', message, span: { start, end } });
  });

  it('puts Error nodes where parts failed and keeps the rest', () => {
    const r = parseExpression('a eq and b pr');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.ast)).toContain('"Error"');
    expect(r.ast.kind).not.toBe('Error');
  });

  it.each(['2015-10-10T14:38:21Z', '2015-10-10', '2015-10-10T14:38:21.123+02:00'])('asks to quote the date %s in expression mode', (date) => {
    const source = `meta.created gt ${date}`;
    const r = parseExpression(source);
    expect(r.diagnostics).toEqual([
      { code: 'E101', message: `unquoted date \`${date}\``, span: { start: 16, end: source.length }, help: `quote it: \`"${date}"\`` },
    ]);
    expect(sx(r.ast)).toBe(`(gt meta.created "${date}")`);
  });

  it('writes messages lowercase without a trailing period', () => {
    for (const source of ['a eq', '(a', 'a eq 1)', 'a # b', '$.x', '"x', 'x == 1 &&']) {
      for (const d of parseExpression(source).diagnostics) {
        expect(d.message[0]).toBe(d.message[0]!.toLowerCase());
        expect(d.message.endsWith('.')).toBe(false);
      }
    }
  });
});

describe('limits and hostile input', () => {
  it('rejects 10,000-deep parentheses quickly with E103', () => {
    const sources = [
      '('.repeat(10_000),
      '('.repeat(4_000) + 'a' + ')'.repeat(4_000),
      'not ('.repeat(1_900) + 'a pr' + ')'.repeat(1_900),
      'not ('.repeat(10_000) + 'a pr' + ')'.repeat(10_000),
      '['.repeat(10_000),
    ];
    for (const source of sources) {
      for (const mode of ['expression', 'filter', 'path'] as const) {
        const r = parseExpression(source, mode);
        expect(r.diagnostics.map((d) => d.code)).toContain('E103');
        expect(r.ast.kind).toBe('Error');
      }
    }
  });

  it('points the depth diagnostic at the first token past the limit', () => {
    const source = '('.repeat(MAX_NESTING_DEPTH + 1) + 'a' + ')'.repeat(MAX_NESTING_DEPTH + 1);
    const r = parseExpression(source);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'E103', span: { start: MAX_NESTING_DEPTH, end: MAX_NESTING_DEPTH + 1 } })]);
  });

  it('accepts nesting up to the limit', () => {
    const d = MAX_NESTING_DEPTH;
    expect(parseExpression('('.repeat(d) + 'a pr' + ')'.repeat(d)).diagnostics).toEqual([]);
    expect(parseExpression('not '.repeat(d) + 'a pr').diagnostics).toEqual([]);
    expect(parseExpression('f('.repeat(d) + ')'.repeat(d)).diagnostics).toEqual([]);
    expect(parseExpression('['.repeat(d) + ']'.repeat(d)).diagnostics).toEqual([]);
    expect(parseExpression('not a pr and '.repeat(200) + 'b pr').diagnostics).toEqual([]);
  });

  it('rejects deep prefix negation and deep value filters', () => {
    expect(parseExpression('not '.repeat(2_000) + 'a pr', 'filter').diagnostics[0]!.code).toBe('E103');
    expect(parseExpression('!'.repeat(5_000) + 'a').diagnostics.map((d) => d.code)).toContain('E103');
    expect(parseExpression('a['.repeat(3_000) + 'b pr' + ']'.repeat(3_000)).diagnostics[0]!.code).toBe('E103');
  });

  it('rejects sources over the length limit', () => {
    const source = `a eq "${'x'.repeat(100_000)}"`;
    const r = parseExpression(source);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'E103', span: { start: MAX_SOURCE_LENGTH, end: source.length } })]);
    expect(r.ast.kind).toBe('Error');
  });

  it('rejects calls over the argument limit', () => {
    const args = Array.from({ length: MAX_CALL_ARGS + 1 }, () => 'a');
    const r = parseExpression(`concat(${args.join(', ')})`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E103']);
  });

  it('rejects lists over the item limit', () => {
    const items = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => String(i));
    const r = parseExpression(`x in [${items.join(',')}]`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E103']);
  });

  it.each([
    '__proto__',
    '__proto__.polluted eq "x"',
    'constructor',
    'toString()',
    '"\\u0000"',
    '"\\ud800"',
    '\u0000',
    '\uFEFFa pr',
    'a eq "\\',
    "a eq '",
    '"',
    '[',
    ']',
    ')',
    ',',
    '.',
    '$',
    'urn:',
    'urn:::::',
    'a..b',
    'a[',
    'a[]',
    'a[b pr',
    'f(,)',
    'f(a,)',
    '[1,,2]',
    '1e999',
    'a eq 1e999',
    '-',
    'not',
    'not in',
    'a not',
    'a in',
    '??',
    'a ??',
    'pr',
    'eq eq eq',
    '\\',
    '😀 eq "😀"',
    '\ud83d',
  ])('does not throw on %j', (source) => {
    for (const mode of ['expression', 'filter', 'path'] as const) {
      const r = parseExpression(source, mode);
      expect(r.ast).toBeDefined();
      expect(Array.isArray(r.diagnostics)).toBe(true);
    }
  });

  it('treats __proto__ as an ordinary name', () => {
    expect(sx(ok('__proto__.x eq "y"'))).toBe('(eq __proto__.x "y")');
  });

  it('survives random bytes', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 200; n++) {
      let s = '';
      const len = next() % 60;
      for (let i = 0; i < len; i++) s += String.fromCharCode(next() % 256);
      for (const mode of ['expression', 'filter', 'path'] as const) {
        const r = parseExpression(s, mode);
        expect(r.ast).toBeDefined();
      }
    }
  });

  it('reuses its parser safely across calls', () => {
    expect(parseExpression('a eq').diagnostics.length).toBe(1);
    expect(parseExpression('a eq 1').diagnostics).toEqual([]);
    expect(parseExpression('userName sw O', 'filter').diagnostics).toEqual([]);
    expect(sx(ok('userName sw "O"'))).toBe('(sw userName "O")');
  });
});
