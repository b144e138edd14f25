// Editor assistance over a tenant file (engine/assist): completion, hover and definition at
// offsets of real tenant files, and diagnostics with the ranges `scimplan lint` reports.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { functionNames, lookupFunction } from '../../../dsl/functions.ts';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completionsAt, definitionAt, diagnosticsOf, hoverAt, rangeOf } from '../../../engine/assist/index.ts';
import { parseYaml } from '../../../engine/load-yaml.ts';
import { functionDocs } from '../../../engine/assist/function-docs.ts';
import { compileTenantFile } from '../../../engine/compile-plan.ts';

const acme = readFileSync(new URL('../../../examples/valid/acme-entra.yaml', import.meta.url), 'utf8');

/** The offset `delta` characters into the first occurrence of `needle` (after `after`, if given). */
function at(text: string, needle: string, delta = 0, after = ''): number {
  const from = after ? text.indexOf(after) : 0;
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`no ${needle}`);
  return i + delta;
}

const labels = (items: readonly { label: string }[]) => items.map((i) => i.label);

describe('completionsAt', () => {
  it('lists the enterprise extension attributes after `enterprise.`, with their types', () => {
    const text = acme.replace('  department: enterprise.department', '  department: enterprise.');
    const items = completionsAt(text, at(text, 'enterprise.', 'enterprise.'.length));
    expect(labels(items)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(items.every((i) => i.kind === 'attribute')).toBe(true);
    expect(items.find((i) => i.label === 'manager')?.detail).toBe('complex value');
    // The item replaces nothing yet: an empty range at the cursor.
    expect(items[0]!.range.startOffset).toBe(items[0]!.range.endOffset);
  });

  it('filters by the partial name and replaces it', () => {
    const offset = at(acme, 'enterprise.department', 'enterprise.dep'.length);
    const items = completionsAt(acme, offset);
    expect(labels(items)).toEqual(['department']);
    expect(items[0]!.range.startOffset).toBe(at(acme, 'enterprise.department', 'enterprise.'.length));
    expect(items[0]!.range.endOffset).toBe(offset);
  });

  it("lists a declared extension's attributes after its alias", () => {
    expect(labels(completionsAt(acme, at(acme, 'acme.costCenter', 'acme.'.length)))).toEqual(['employmentEndDate', 'costCenter']);
  });

  it('offers core attributes, aliases, functions and keywords at the start of a mapping', () => {
    const text = acme.replace('  language: lower(preferredLanguage)', '  language: x');
    const items = completionsAt(text, at(text, 'language: x', 'language: '.length));
    const kinds = new Map(items.map((i) => [i.label, i.kind]));
    expect(kinds.get('userName')).toBe('attribute');
    expect(kinds.get('enterprise')).toBe('alias');
    expect(kinds.get('acme')).toBe('alias');
    expect(kinds.get('concat')).toBe('function');
    expect(items.find((i) => i.label === 'substring')?.detail).toBe('substring(s, start, length?)');
    expect(kinds.get('null')).toBe('keyword');
    // A mapping is a value, not a condition: no `and`.
    expect(kinds.has('and')).toBe(false);
    expect(kinds.has('department')).toBe(false);
  });

  it('offers sub-attributes after a filtered path and inside a filter', () => {
    expect(labels(completionsAt(acme, at(acme, '"work"].value', '"work"].'.length)))).toEqual(['value', 'display', 'type', 'primary']);
    expect(labels(completionsAt(acme, at(acme, 'emails[type', 'emails[ty'.length)))).toEqual(['type']);
  });

  it('offers profile fields (with their mapping) in group rules, not SCIM attributes', () => {
    const text = acme.replace('when: city eq "Amsterdam"', 'when: c');
    const items = completionsAt(text, at(text, 'when: c', 'when: c'.length));
    expect(labels(items)).toEqual(['costCenter', 'city', 'concat', 'coalesce', 'co']);
    const city = items[1]!;
    expect(city.kind).toBe('field');
    expect(city.documentation).toBe('mapped from `addresses[type eq "work"].locality`');
  });

  it('offers names at an empty value, where no expression is written yet', () => {
    const rule = acme.replace('when: city eq "Amsterdam"', 'when: ');
    const fields = completionsAt(rule, at(rule, 'when: \n', 'when: '.length));
    expect(fields.filter((i) => i.kind === 'field').map((i) => i.label)).toEqual(['firstName', 'lastName', 'displayName', 'email', 'phone', 'function', 'department', 'employeeNumber', 'manager', 'costCenter', 'city', 'language']);
    expect(fields[0]!.range.startOffset).toBe(at(rule, 'when: \n', 'when: '.length));
    const mapping = acme.replace('  language: lower(preferredLanguage)', '  language: ');
    expect(labels(completionsAt(mapping, at(mapping, 'language: \n', 'language: '.length)))).toContain('userName');
  });

  it('offers nothing inside a string literal or outside expressions', () => {
    expect(completionsAt(acme, at(acme, '"Sales"', 3))).toEqual([]);
    expect(completionsAt(acme, at(acme, 'tenant: acme', 3))).toEqual([]);
  });
});

describe('hoverAt', () => {
  it("shows a diagnostic's code, catalogue title, message and help where it is", () => {
    const text = acme.replace('enterprise.department', 'enterprise.deparment');
    const hover = hoverAt(text, at(text, 'deparment', 3));
    expect(hover?.markdown).toContain('**error[E201]** unknown-name: an unknown attribute or profile field');
    expect(hover?.markdown).toContain('the extension `enterprise` has no attribute `deparment`');
    expect(hover?.markdown).toContain('help: did you mean `department`?');
    const lint = compileTenantFile('tenant.yaml', text).diagnostics.find((d) => d.code === 'E201')!;
    expect(hover?.range.startOffset).toBe(lint.span!.start);
    expect(hover?.range.endOffset).toBe(lint.span!.end);
  });

  it("shows a function's signature and doc", () => {
    const hover = hoverAt(acme, at(acme, 'concat(name', 2));
    expect(hover?.markdown).toBe('`concat(a, ...)`\n\nthe texts joined; `null` arguments count as `""` (at least 1 argument)');
    expect(hover?.range.startOffset).toBe(at(acme, 'concat(name'));
    expect(hover?.range.endOffset).toBe(at(acme, 'concat(name', 'concat'.length));
  });

  it("shows an attribute's type and extension, and a profile field's mapping", () => {
    expect(hoverAt(acme, at(acme, 'acme.employmentEndDate', 'acme.e'.length))?.markdown).toBe(
      '`acme.employmentEndDate`: dateTime\n\nin `urn:ietf:params:scim:schemas:extension:acme:2.0:User`',
    );
    expect(hoverAt(acme, at(acme, 'name.givenName', 'name.g'.length))?.markdown).toMatch(/^`name\.givenName`: string\n\n/);
    expect(hoverAt(acme, at(acme, 'department eq "Sales"', 2))?.markdown).toBe('profile field `department`: string\n\nmapped from `enterprise.department`');
  });
});

/** The assist range of an offset, and the offset of a position as editors count them (vscode's TextDocument). */
const positionAt = (text: string, offset: number) => rangeOf(parseYaml('t.yaml', text).loaded, offset, offset).start;
const offsetAt = (text: string, position: { line: number; character: number }) => TextDocument.create('file:///t.yaml', 'yaml', 1, text).offsetAt(position);

describe('definitionAt', () => {
  it('goes from a profile field in a group rule to its mapping', () => {
    const range = definitionAt(acme, at(acme, 'department eq "Finance"', 3));
    expect(range?.startOffset).toBe(at(acme, '  department: enterprise', 2));
    expect(range?.endOffset).toBe(at(acme, '  department: enterprise', 2 + 'department'.length));
    expect(range?.start).toEqual(positionAt(acme, range!.startOffset));
  });

  it("goes from a declared extension's alias and attribute to their declarations", () => {
    expect(definitionAt(acme, at(acme, 'acme.costCenter', 1))?.startOffset).toBe(at(acme, 'alias: acme', 'alias: '.length));
    expect(definitionAt(acme, at(acme, 'acme.costCenter', 'acme.c'.length))?.startOffset).toBe(at(acme, 'costCenter: string'));
  });

  it("goes from a test case's expected profile field and group to the mapping and the rule", () => {
    const tests = acme.indexOf('tests:');
    expect(definitionAt(acme, at(acme, 'displayName: Ada', 2, 'tests:'))?.startOffset).toBe(at(acme, '  displayName: displayName', 2));
    expect(at(acme, 'displayName: Ada', 2, 'tests:')).toBeGreaterThan(tests);
    expect(definitionAt(acme, at(acme, 'Amsterdam office, Everyone', 3, 'tests:'))?.startOffset).toBe(at(acme, 'group: Amsterdam office', 'group: '.length));
  });

  it('goes to the rule of an expected group in a file whose group list holds something else too', () => {
    // `groups:` with a null item is a shape error; the rule after it is still a target.
    const text = acme.replace(/^groups:\n/m, 'groups:\n  - null\n');
    expect(text).toContain('  - null');
    const range = definitionAt(text, at(text, 'Amsterdam office, Everyone', 3, 'tests:'));
    expect(range?.startOffset).toBe(at(text, 'group: Amsterdam office', 'group: '.length));
  });

  it('has none for SCIM attributes of the core schema', () => {
    expect(definitionAt(acme, at(acme, 'name.givenName', 2))).toBeUndefined();
  });
});

describe('diagnosticsOf', () => {
  it('gives the lint diagnostics of the file with 0-based ranges of their spans', () => {
    const text = acme.replace('enterprise.department', 'enterprise.deparment');
    const lint = compileTenantFile('tenant.yaml', text).diagnostics;
    const ranged = diagnosticsOf(text);
    expect(ranged.map((r) => r.diagnostic)).toEqual(lint);
    for (const { diagnostic, range } of ranged) {
      expect(range.start).toEqual({ line: diagnostic.span!.line - 1, character: diagnostic.span!.column - 1 });
      expect(offsetAt(text, range.start)).toBe(diagnostic.span!.start);
      expect(offsetAt(text, range.end)).toBe(diagnostic.span!.end);
    }
  });
});

describe('function docs', () => {
  it('document every function of the table, with as many arguments as it takes', () => {
    expect(Object.keys(functionDocs).sort()).toEqual([...functionNames].sort());
    for (const name of functionNames) {
      const def = lookupFunction(name)!;
      const args = functionDocs[name]!.signature.slice(name.length + 1, -1);
      const written = args === '' ? [] : args.split(', ');
      expect(written.filter((a) => !a.endsWith('?') && a !== '...').length, name).toBe(def.minArgs);
      if (def.maxArgs !== Infinity) expect(written.length, name).toBe(def.maxArgs);
      else expect(written, name).toContain('...');
    }
  });
});

describe('positions', () => {
  it("are the editor's positions of the file's offsets, through lines ending in \\n and \\r\\n", () => {
    const text = 'a: 1\r\nbb: "é 2"\nc: 😀x\n';
    for (let i = 0; i <= text.length; i++) {
      if (text[i - 1] === '\r' && text[i] === '\n') continue;
      expect(offsetAt(text, positionAt(text, i))).toBe(i);
    }
    expect(positionAt(text, text.indexOf('c'))).toEqual({ line: 2, character: 0 });
  });
});
