// The checker's provenance: which node brings a date, photo, certificate or binary value into
// an expression's value, carried through functions and stopped by comparisons.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { analyzeExpression, checkExpression } from '../../dsl/check.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { isTagged, sources, type Source } from '../../dsl/provenance.ts';
import { exprArb } from './arbitrary.ts';
import { userScope } from './reference-interpreter.ts';

/** The source kinds of `source`'s value, each with the text of the node that brings it in. */
function provenance(source: string): Partial<Record<Source, string>> {
  const { ast, diagnostics } = parseExpression(source);
  expect(diagnostics, source).toEqual([]);
  const a = analyzeExpression(ast, userScope, 'value');
  const p = a.provenance.get(ast)!;
  const out: Partial<Record<Source, string>> = {};
  for (const s of sources) if (p[s]) out[s] = source.slice(p[s]!.span.start, p[s]!.span.end);
  return out;
}

describe('provenance of values', () => {
  test.each<[string, Partial<Record<Source, string>>]>([
    ['meta.created', { date: 'meta.created' }],
    ['concat("", meta.created)', { date: 'meta.created' }],
    ['trim(concat(acme.employmentEndDate))', { date: 'acme.employmentEndDate' }],
    ['addDays(acme.employmentEndDate, 3)', { date: 'acme.employmentEndDate' }],
    ['addDays("2026-01-01", 3)', { date: 'addDays("2026-01-01", 3)' }],
    ['concat(title, now())', { date: 'now()' }],
    ['concat(today(), meta.created)', { date: 'today()' }],
    ['lower(photos[type eq "photo"].value)', { photo: 'photos[type eq "photo"].value' }],
    ['join(",", photos.value)', { photo: 'photos.value' }],
    ['join(",", photos)', { photo: 'photos' }],
    ['join(",", x509Certificates)', { certificate: 'x509Certificates' }],
    ['if(active, meta.created, photos[type eq "photo"].value)', { date: 'meta.created', photo: 'photos[type eq "photo"].value' }],
    ['switch(title, "a", concat(now()), "b")', { date: 'now()' }],
    ['replace(title, concat(now()), "x")', {}],
    ['switch(concat(meta.created), "a", "b")', {}],
    ['if(meta.created le now(), "left", "active")', {}],
    ['meta.created le now()', {}],
    ['photos pr', {}],
    ['join(",", meta)', {}],
    ['concat(name.givenName, " ", name.familyName)', {}],
  ])('%s', (source, want) => {
    expect(provenance(source)).toEqual(want);
  });

  test('every node typed as a date-time or media value has that source (random trees)', () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        const a = analyzeExpression(expr, userScope, 'value');
        for (const [node, type] of a.types) {
          const p = a.provenance.get(node);
          expect(p).toBeDefined();
          const element = type.kind === 'list' ? type.of : type;
          if (element.kind === 'dateTime') expect(p!.date).toBeDefined();
          if ('media' in element && element.media) expect(p![element.media]).toBeDefined();
          if (node.kind === 'Compare' || node.kind === 'Logical' || node.kind === 'Not' || node.kind === 'Present' || node.kind === 'In') {
            expect(isTagged(p!)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('picking one element in a help', () => {
  test('groups are picked by a direct type and their display name', () => {
    const { ast } = parseExpression('lower(groups.display)');
    const [d] = checkExpression(ast, { ...userScope, attributes: [...userScope.attributes, { name: 'groups', type: 'complex', multiValued: true, caseExact: false, mutability: 'readOnly', uniqueness: 'none', subAttributes: [{ name: 'display', type: 'string', multiValued: false, caseExact: false, mutability: 'readOnly', uniqueness: 'none' }] }] }, 'value').diagnostics;
    expect(d).toMatchObject({ code: 'E204', help: 'pick one element, e.g. `groups[type eq "direct"].display`, or use `join`' });
    const [e] = checkExpression(parseExpression('lower(emails.value)').ast, userScope, 'value').diagnostics;
    expect(e).toMatchObject({ code: 'E204', help: 'pick one element, e.g. `emails[type eq "work"].value`, or use `join`' });
  });
});
