// `quoteSource: false` (the server parsing a client's filter or PATCH path): no diagnostic
// message holds text of the client's input, while the code and the span stay those the
// linter's quoting parse reports. A fast-check property over token soups holding a marker value.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpression, type ParseMode } from '../../dsl/parse.ts';

/** A value no template of a message holds: any trace of it in a message is an echo. */
const MARK = 'Qzxjensen';

const pieces = [
  'userName', 'emails', 'value', 'eq', 'ne', 'co', 'pr', 'and', 'or', 'not', 'in', '(', ')', '[', ']', ',', '.', '==', '===', '&&', '||', '!', '$.', '??', '"x"', 'true', '1e999', '#',
  `"${MARK}"`, `'${MARK}'`, MARK, `${MARK}.${MARK}`, `"a\\q${MARK}"`, `${MARK}(`, `[${MARK}]`, `#${MARK}`, `urn:${MARK}:`, `urn:ietf:params:scim:schemas:core:2.0:User:${MARK}`, `${MARK}@example.com`, `"${MARK}`, `2026-01-01T${MARK}`, `-${MARK}`,
];

const soup = fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 9 }).chain((parts) =>
  fc.array(fc.constantFrom(' ', '', '  '), { minLength: parts.length, maxLength: parts.length }).map((gaps) => parts.map((p, i) => p + gaps[i]).join('')),
);

describe('parse without quoting the source', () => {
  it.each(['filter', 'path'] as ParseMode[])('never echoes a value of the input (%s mode), with the same codes and spans', (mode) => {
    fc.assert(
      fc.property(soup, (source) => {
        const quoted = parseExpression(source, mode).diagnostics;
        const plain = parseExpression(source, mode, undefined, { quoteSource: false }).diagnostics;
        expect(plain.map((d) => [d.code, d.span])).toEqual(quoted.map((d) => [d.code, d.span]));
        for (const d of plain) {
          expect(d.message.toLowerCase(), source).not.toContain(MARK.toLowerCase());
          expect(d.help).toBeUndefined();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('says what was expected, naming the token found by its kind', () => {
    const cases: [string, string][] = [
      [`userName eq "a" "${MARK}"`, 'expected an operator or the end of the expression but found a string'],
      [`userName eq ${MARK} ${MARK}`, 'expected an operator or the end of the expression but found an attribute name'],
      ['userName eq "a" and (title pr', 'expected `)` but found the end of the expression'],
      ['emails[value eq "a" and] pr', 'expected an expression but found `]`'],
    ];
    for (const [source, message] of cases) {
      expect(parseExpression(source, 'filter', undefined, { quoteSource: false }).diagnostics[0]?.message).toBe(message);
    }
  });

  it('keeps quoting for the linter: the tenant file is the consultant\'s own text', () => {
    expect(parseExpression(`title eq "a" "${MARK}"`).diagnostics[0]?.message).toContain(`\`"${MARK}"\``);
  });
});
