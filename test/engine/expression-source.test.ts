import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../engine/load-yaml.ts';

/** Checks every value offset against the file: same character unless produced by an escape or fold. */
function checkAll(text: string, path: (string | number)[], expected: string): void {
  const { loaded, diagnostics } = parseYaml('t.yaml', text);
  expect(diagnostics).toEqual([]);
  const src = loaded.expressionAt(path);
  expect(src, 'expression source').toBeDefined();
  expect(src!.text).toBe(expected);
  for (let i = 0; i < src!.text.length; i++) {
    const c = src!.text[i]!;
    const at = src!.toFileOffset(i);
    const f = text[at];
    if (f === c) continue;
    // produced by an escape (`\`), a doubled quote, or a fold at a line break
    if (f === '\\' || (c === "'" && text.slice(at, at + 2) === "''")) continue;
    if ((c === ' ' || c === '\n') && (f === '\n' || f === '\r')) continue;
    if (c === '\n' && at === text.length) continue;
    throw new Error(`offset ${i} (${JSON.stringify(c)}) maps to ${at} (${JSON.stringify(f)}) in ${JSON.stringify(text)}`);
  }
  // offsets never go backwards
  for (let i = 1; i < src!.text.length; i++) expect(src!.toFileOffset(i)).toBeGreaterThanOrEqual(src!.toFileOffset(i - 1));
}

describe('expression sources map value offsets to file offsets', () => {
  const cases: [string, string, (string | number)[], string][] = [
    ['plain', 'when: active eq false\n', ['when'], 'active eq false'],
    ['plain with comment', 'when: active eq false   # note\n', ['when'], 'active eq false'],
    ['plain multi-line', 'when: active eq false\n  or title eq "x"\n', ['when'], 'active eq false or title eq "x"'],
    ['plain multi-line with trailing blanks', 'when: a eq 1   \n     or b\n', ['when'], 'a eq 1 or b'],
    ['plain with empty line', 'when: a\n\n  b\n', ['when'], 'a\nb'],
    ['plain in a sequence', 'groups:\n  - group: S\n    when: department eq "Sales"\n', ['groups', 0, 'when'], 'department eq "Sales"'],
    ['plain in a flow map', 'x: { a: lower(title), b: c }\n', ['x', 'a'], 'lower(title)'],
    ['single-quoted', "when: 'title eq ''O''Neil'''\n", ['when'], "title eq 'O'Neil'"],
    ['single-quoted multi-line', "when: 'a eq 1\n   or   b'\n", ['when'], 'a eq 1 or   b'],
    ['double-quoted escapes', 'when: "title eq \\"Caf\\u00e9\\" or x eq \\"a\\\\b\\""\n', ['when'], 'title eq "Café" or x eq "a\\b"'],
    ['double-quoted newline escape', 'when: "a\\nb\\tc"\n', ['when'], 'a\nb\tc'],
    ['double-quoted fold', 'when: "a eq 1\n    or b"\n', ['when'], 'a eq 1 or b'],
    ['double-quoted line continuation', 'when: "a eq \\\n    1"\n', ['when'], 'a eq 1'],
    ['double-quoted astral escape', 'when: "x eq \\U0001F600 or y"\n', ['when'], 'x eq \u{1F600} or y'],
    ['literal block', 'when: |\n  active eq false\n  or b\n', ['when'], 'active eq false\nor b\n'],
    ['literal block strip', 'when: |-\n    a eq 1\n    or b\nnext: 1\n', ['when'], 'a eq 1\nor b'],
    ['literal block keep', 'when: |+\n  a\n\n', ['when'], 'a\n\n'],
    ['literal block more indented', 'when: |\n  a\n    b\n  c\n', ['when'], 'a\n  b\nc\n'],
    ['literal block explicit indent', 'when: |2\n   a\n  b\n', ['when'], ' a\nb\n'],
    ['literal block with header comment', 'when: |- # the rule\n  a eq 1\n', ['when'], 'a eq 1'],
    ['folded block', 'when: >\n  active eq false\n  or b\n', ['when'], 'active eq false or b\n'],
    ['folded block empty line', 'when: >-\n  a\n\n  b\n  c\n', ['when'], 'a\nb c'],
    ['folded block more indented', 'when: >\n  a\n    b\n  c\n', ['when'], 'a\n  b\nc\n'],
    ['folded block in a sequence', 'groups:\n  - group: S\n    when: >-\n      a eq 1\n      and b\n', ['groups', 0, 'when'], 'a eq 1 and b'],
    ['crlf plain', 'when: a\r\n  or b\r\n', ['when'], 'a or b'],
    ['crlf literal', 'when: |-\r\n  a\r\n  b\r\n', ['when'], 'a\nb'],
    ['block at end of file without newline', 'when: |\n  a eq 1', ['when'], 'a eq 1\n'],
  ];
  for (const [name, text, path, expected] of cases) {
    it(name, () => checkAll(text, path, expected));
  }

  it('maps escapes to their start and spans cover the whole escape', () => {
    const text = 'when: "x eq \\u00e9t"\n';
    const src = parseYaml('t.yaml', text).loaded.expressionAt(['when'])!;
    const i = src.text.indexOf('é');
    expect(src.toFileOffset(i)).toBe(text.indexOf('\\u00e9'));
    const span = src.fileSpan(i, i + 1);
    expect(text.slice(span.start, span.end)).toBe('\\u00e9');
  });

  it('gives line and column of a token on a later line of a block scalar', () => {
    const text = 'tenant: a\ndeactivate:\n  when: >-\n    active eq false\n    or acme.endDate le now()\n';
    const src = parseYaml('t.yaml', text).loaded.expressionAt(['deactivate', 'when'])!;
    const i = src.text.indexOf('acme');
    const span = src.fileSpan(i, i + 'acme.endDate'.length);
    expect([span.line, span.column, span.endLine, span.endColumn]).toEqual([5, 8, 5, 20]);
  });

  it('maps the end of the value just past its last character', () => {
    const text = "key: 'externalId'  # c\n";
    const src = parseYaml('t.yaml', text).loaded.expressionAt(['key'])!;
    expect(src.toFileOffset(src.text.length)).toBe(text.indexOf("'  #"));
    expect(src.span.start).toBe(5);
    expect(src.span.end).toBe(17);
  });

  it('maps an empty quoted value between its quotes', () => {
    const text = 'key: ""\n';
    const src = parseYaml('t.yaml', text).loaded.expressionAt(['key'])!;
    expect(src.text).toBe('');
    expect(src.toFileOffset(0)).toBe(6);
    expect(src.fileSpan(0, 0).start).toBe(6);
  });

  it('follows an alias to its anchor', () => {
    const text = 'groups:\n  - group: A\n    when: &w title eq "x"\n  - group: B\n    when: *w\n';
    const src = parseYaml('t.yaml', text).loaded.expressionAt(['groups', 1, 'when'])!;
    expect(src.text).toBe('title eq "x"');
    expect(src.span.line).toBe(3);
    expect(src.toFileOffset(0)).toBe(text.indexOf('title'));
  });

  it('is undefined for non-strings and missing paths', () => {
    const { loaded } = parseYaml('t.yaml', 'a: 1\nb: [x]\n');
    expect(loaded.expressionAt(['a'])).toBeUndefined();
    expect(loaded.expressionAt(['b'])).toBeUndefined();
    expect(loaded.expressionAt(['c'])).toBeUndefined();
    expect(loaded.expressionAt(['b', 0])?.text).toBe('x');
  });
});

describe('expression sources round-trip whatever YAML writes', () => {
  // yaml.stringify picks folds, escapes and indentation; every style must map exactly
  const styles = ['PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'] as const;
  const alphabet = ['a', 'b', ' ', ' ', '\n', "'", '"', '\\', 'é', '\t', '#', ':', '-', '😀', 'x'];
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const samples: string[] = ['a eq 1', 'x  y', 'line one\nline two', 'trailing\n', 'a\n\n\nb', ' lead', 'a\n  b\nc'];
  for (let k = 0; k < 150; k++) {
    const len = 1 + random(40);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[random(alphabet.length)];
    samples.push(s);
  }

  for (const style of styles) {
    it(`style ${style}`, async () => {
      const { Document, Scalar } = await import('yaml');
      const { mapScalar } = await import('../../engine/expression-source.ts');
      const { isScalar } = await import('yaml');
      let checked = 0;
      for (const value of samples) {
        for (const nested of [false, true]) {
          const doc = new Document(nested ? { groups: [{ group: 'g', when: value }] } : { when: value });
          const path = nested ? ['groups', 0, 'when'] : ['when'];
          const node = doc.getIn(path, true);
          if (!isScalar(node)) throw new Error('no scalar');
          (node as InstanceType<typeof Scalar>).type = Scalar[style];
          const text = `${doc.toString({ lineWidth: 20, minContentWidth: 0 })}# trailing comment\n`;
          const { loaded, diagnostics } = parseYaml('t.yaml', text);
          if (diagnostics.length > 0) continue;
          const src = loaded.expressionAt(path);
          if (!src || src.text !== value) continue;
          const scalar = loaded.doc.getIn(path, true);
          expect(mapScalar(scalar as InstanceType<typeof Scalar>, text).exact, JSON.stringify(text)).toBe(true);
          for (let i = 0; i < value.length; i++) {
            const c = value[i]!;
            const at = src.toFileOffset(i);
            const f = text[at];
            const ok = f === c || f === '\\' || (c === "'" && text.slice(at, at + 2) === "''")
              || ((c === ' ' || c === '\n') && (f === '\n' || f === '\r')) || (c === '\n' && at === text.length)
              || (c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff && (f === c || f === '\\'));
            if (!ok) throw new Error(`${style}: offset ${i} ${JSON.stringify(c)} -> ${at} ${JSON.stringify(f)} in ${JSON.stringify(text)}`);
          }
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(50);
    });
  }
});
