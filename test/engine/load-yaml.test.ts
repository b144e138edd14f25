import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../engine/load-yaml.ts';
import type { FileSpan } from '../../engine/diagnostic.ts';

const pos = (s: FileSpan | undefined): string => (s ? `${s.line}:${s.column}-${s.endLine}:${s.endColumn}` : 'none');

describe('parseYaml', () => {
  it('parses a tenant file without diagnostics', () => {
    const { loaded, diagnostics } = parseYaml('acme.yaml', 'tenant: acme\nprofile:\n  email: userName\n');
    expect(diagnostics).toEqual([]);
    expect(loaded.file).toBe('acme.yaml');
    expect(loaded.doc.toJS()).toEqual({ tenant: 'acme', profile: { email: 'userName' } });
  });

  it('finds key and value spans by path', () => {
    const text = 'tenant: acme\ngroups:\n  - group: Sales\n    when: department eq "Sales"\n';
    const { loaded } = parseYaml('t.yaml', text);
    expect(pos(loaded.spanAt(['tenant'], 'key'))).toBe('1:1-1:7');
    expect(pos(loaded.spanAt(['tenant']))).toBe('1:9-1:13');
    expect(pos(loaded.spanAt(['groups', 0, 'when'], 'key'))).toBe('4:5-4:9');
    expect(pos(loaded.spanAt(['groups', 0, 'when']))).toBe('4:11-4:32');
    expect(loaded.spanAt(['groups', 1])).toBeUndefined();
    expect(loaded.spanAt(['Tenant'])).toBeUndefined(); // keys are case-sensitive
    expect(loaded.spanAt(['tenant', 'x'])).toBeUndefined();
  });

  it('resolves aliases when looking up paths', () => {
    const { loaded } = parseYaml('t.yaml', 'base: &b\n  when: x\ndeactivate: *b\n');
    expect(pos(loaded.spanAt(['deactivate', 'when']))).toBe('2:9-2:10');
  });

  it('reports a YAML syntax error as E001 at its position', () => {
    const { diagnostics } = parseYaml('t.yaml', 'tenant: acme\nkey: @x\n');
    expect(diagnostics.map((d) => d.code)).toEqual(['E001']);
    expect(pos(diagnostics[0]!.span)).toBe('2:6-2:7');
    expect(diagnostics[0]!.message).toMatch(/^[a-z]/);
    expect(diagnostics[0]!.message).not.toMatch(/\.$/);
    expect(diagnostics[0]!.severity).toBe('error');
  });

  it('reports tabs used as indentation', () => {
    const { diagnostics } = parseYaml('t.yaml', 'tenant: a\ntokens:\n\t- env: X\n');
    expect(diagnostics[0]).toMatchObject({ code: 'E001', message: 'tabs cannot indent YAML', help: 'indent with spaces' });
    expect(pos(diagnostics[0]!.span)).toBe('3:1-3:2');
  });

  it('reports an unclosed quote', () => {
    const { diagnostics } = parseYaml('t.yaml', 'tenant: acme\nkey: "x\n');
    expect(diagnostics.map((d) => [d.code, d.message])).toContainEqual(['E001', 'missing closing `"`']);
    const d = diagnostics.find((x) => x.message === 'missing closing `"`')!;
    expect(pos(d.span!)).toBe('2:6-2:7');
    expect(d.labels?.map((l) => l.message)).toEqual(['the value ends here without a closing quote']);
    expect(parseYaml('t.yaml', "key: 'x\n").diagnostics[0]?.message).toBe("missing closing `'`");
  });

  it('reports a second document', () => {
    const { diagnostics } = parseYaml('t.yaml', 'tenant: a\n---\ntenant: b\n');
    expect(diagnostics[0]).toMatchObject({ code: 'E001', message: 'the file holds more than one YAML document' });
  });

  it('reports duplicate keys with both positions', () => {
    const { loaded, diagnostics } = parseYaml('t.yaml', 'tenant: a\nkey: x\ntenant: b\n');
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d).toMatchObject({ code: 'E005', message: 'duplicate key `tenant`', severity: 'error' });
    expect(pos(d.span)).toBe('3:1-3:7');
    expect(d.labels?.map((l) => [pos(l.span), l.message])).toEqual([['1:1-1:7', 'first defined here']]);
    // lookups see the later value, as toJS does
    expect(pos(loaded.spanAt(['tenant']))).toBe('3:9-3:10');
  });

  it('reports duplicate keys in nested and flow mappings', () => {
    const { diagnostics } = parseYaml('t.yaml', 'profile:\n  a: x\n  b: y\n  a: z\nt: { p: 1, p: 2 }\n');
    expect(diagnostics.map((d) => [d.code, pos(d.span), pos(d.labels?.[0]?.span)])).toEqual([
      ['E005', '4:3-4:4', '2:3-2:4'],
      ['E005', '5:12-5:13', '5:6-5:7'],
    ]);
  });

  it('keeps keys case-sensitive (no duplicate for different case)', () => {
    expect(parseYaml('t.yaml', 'a: 1\nA: 2\n').diagnostics).toEqual([]);
  });

  it('turns offsets into 1-based spans, end exclusive', () => {
    const { loaded } = parseYaml('t.yaml', 'ab\ncd\n');
    expect(loaded.fileSpan(3, 5)).toEqual({ start: 3, end: 5, line: 2, column: 1, endLine: 2, endColumn: 3 });
    expect(loaded.fileSpan(0, 0)).toEqual({ start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 });
    // clamped to the file
    expect(loaded.fileSpan(-5, 99).end).toBe(6);
  });

  describe('hostile input never throws', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const prev = String.fromCharCode(96 + i);
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const inputs: Record<string, string> = {
      empty: '',
      'only a comment': '# nothing\n',
      'top-level list': '- a\n- b\n',
      'billion laughs': `${laughs.join('\n')}\n`,
      'deep flow nesting': '['.repeat(4000) + ']'.repeat(4000),
      'deep block nesting': `${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`,
      'binary garbage': '\x00\x01\x02\xff\xfe garbage \x1b[31m\n\t\x7f: {[',
      '__proto__ key': '__proto__: { polluted: true }\ntenant: a\n',
      'self-referencing alias': 'a: &a [*a]\n',
      'unknown tag': 'a: !!js/function "x"\n',
      'bom and crlf': '\ufefftenant: a\r\nkey: b\r\n',
      'huge key': `${'k'.repeat(2000)}: 1\n`,
    };
    for (const [name, text] of Object.entries(inputs)) {
      it(name, () => {
        const { loaded, diagnostics } = parseYaml('t.yaml', text);
        expect(loaded.text).toBe(text);
        for (const d of diagnostics) {
          expect(d.code).toMatch(/^E00[15]$/);
          expect(d.span).toBeDefined();
        }
      });
    }

    it('reports absurd nesting as E001', () => {
      const { diagnostics } = parseYaml('t.yaml', '['.repeat(4000) + ']'.repeat(4000));
      expect(diagnostics[0]).toMatchObject({ code: 'E001', message: 'the file is nested too deeply to read' });
    });

    it('does not pollute Object.prototype', () => {
      const { loaded } = parseYaml('t.yaml', '__proto__: { polluted: true }\n');
      const data = loaded.doc.toJS() as Record<string, unknown>;
      expect(Object.prototype.hasOwnProperty.call(data, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
