// The table of Entra ID and Okta function names: every entry names a real scimplan form, and
// a call of it in a tenant expression gets that form in its help (E202, or E102 when dotted).

import { describe, expect, it } from 'vitest';
import { checkExpression } from '../../dsl/check.ts';
import { foreignFunctionHelp, foreignFunctions, scimplanForm } from '../../dsl/foreign-functions.ts';
import { lookupFunction } from '../../dsl/functions.ts';
import { parseExpression } from '../../dsl/parse.ts';
import { userScope } from './reference-interpreter.ts';

const operators = new Set(['pr', 'co', 'sw', 'in']);

describe('the foreign function table', () => {
  it('names each function once', () => {
    const names = foreignFunctions.map((f) => f.name.toLowerCase());
    expect(names.length).toBe(new Set(names).size);
  });

  it.each(foreignFunctions.map((f) => [f.name, f] as const))('%s names a scimplan form that exists', (_name, f) => {
    if (f.scimplan === undefined) {
      expect(f.write).toBeUndefined();
      expect(f.note).toMatch(/scimplan has no|never synced/);
      return;
    }
    if (!operators.has(f.scimplan) && f.scimplan !== 'not') expect(lookupFunction(f.scimplan)?.name).toBe(f.scimplan);
    // The form to write is scimplan syntax (`...` stands for more arguments).
    const written = f.write!.replaceAll(', ...', '');
    expect(parseExpression(written).diagnostics, written).toEqual([]);
    expect(written).toContain(f.scimplan);
  });

  it.each(foreignFunctions.filter((f) => !f.name.includes('.')).map((f) => [f.name, f] as const))(
    '%s(...) gets the scimplan form, or is the scimplan function under another case',
    (name, f) => {
      const source = `${name}(title)`;
      const { ast, diagnostics } = parseExpression(source);
      expect(diagnostics).toEqual([]);
      const known = lookupFunction(name);
      const checked = checkExpression(ast, userScope, 'value').diagnostics;
      if (known) {
        // SCIM names are case-insensitive, and so are function names: `Join` is `join`.
        expect(known.name).toBe(f.scimplan);
        expect(checked.filter((d) => d.code === 'E202')).toEqual([]);
        return;
      }
      const e202 = checked.find((d) => d.code === 'E202');
      expect(e202, source).toBeDefined();
      expect(source.slice(e202!.span.start, e202!.span.end)).toBe(name);
      expect(e202!.help).toBe(foreignFunctionHelp(name));
      expect(e202!.help).toContain(f.language);
      expect(e202!.help).toContain(scimplanForm(f));
    },
  );

  it.each(foreignFunctions.filter((f) => f.name.includes('.')).map((f) => [f.name, f] as const))('%s(...) is E102 with the scimplan form', (name, f) => {
    const source = `${name}(title) eq "x"`;
    const r = parseExpression(source, 'expression', 'condition');
    expect(r.diagnostics.map((d) => [d.code, source.slice(d.span.start, d.span.end), d.help])).toEqual([['E102', name, scimplanForm(f)]]);
  });

  it('says when scimplan has no equivalent', () => {
    expect(foreignFunctionHelp('NormalizeDiacritics')).toBe(
      "`NormalizeDiacritics` is Entra ID's; scimplan has no function that removes diacritics; map the value as the directory sends it",
    );
    expect(foreignFunctionHelp('iif')).toBe("`IIF` is Entra ID's; in scimplan write `if(condition, then, else)`");
    expect(foreignFunctionHelp('Mid')).toBe("`Mid` is Entra ID's; in scimplan write `substring(text, start, length)` (scimplan counts `start` from 0, Entra from 1)");
    expect(foreignFunctionHelp('lowr')).toBeUndefined();
  });
});
