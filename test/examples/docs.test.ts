// Keeps the diagnostic catalog, docs/diagnostics.md and examples/invalid/ in agreement: one
// `## CODE slug` entry per catalog code, its severity, an excerpt of the example folder and
// the folder's expected.txt as the rendered output. UPDATE_DOCS=1 rewrites the output blocks.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog, type Code } from '../../engine/catalog.ts';

const repo = join(import.meta.dirname, '../..');
const examples = join(repo, 'examples');
const docsPath = join(repo, 'docs/diagnostics.md');
const codes = Object.keys(catalog) as Code[];
const folders = readdirSync(join(examples, 'invalid')).filter((d) => /^[EWI]\d{3}-/.test(d)).sort();

interface Entry {
  readonly code: string;
  readonly slug: string;
  readonly line: number;
  /** The entry's text up to the next `## ` heading, fences included. */
  readonly body: string;
  readonly blocks: readonly { readonly lang: string; readonly text: string; readonly start: number; readonly end: number }[];
}

/** `## ` headings outside fenced code blocks, each with its fenced blocks (offsets into the file). */
function parseDocs(text: string): { headings: string[]; entries: Entry[] } {
  const lines = text.split('\n');
  const headings: string[] = [];
  const entries: Entry[] = [];
  let offset = 0;
  let fence: { lang: string; start: number; body: string[] } | undefined;
  let current: { code: string; slug: string; line: number; start: number; blocks: Entry['blocks'][number][] } | undefined;
  const close = (end: number) => {
    if (current) entries.push({ code: current.code, slug: current.slug, line: current.line, body: text.slice(current.start, end), blocks: current.blocks });
  };
  lines.forEach((line, i) => {
    const next = offset + line.length + 1;
    if (fence) {
      if (/^```\s*$/.test(line)) {
        current?.blocks.push({ lang: fence.lang, text: fence.body.join('\n'), start: fence.start, end: offset });
        fence = undefined;
      } else fence.body.push(line);
    } else if (line.startsWith('```')) {
      fence = { lang: line.slice(3).trim(), start: next, body: [] };
    } else if (line.startsWith('## ')) {
      headings.push(line.slice(3).trim());
      close(offset);
      const m = /^## ([EWI]\d{3}) (\S+)\s*$/.exec(line);
      current = m ? { code: m[1]!, slug: m[2]!, line: i + 1, start: offset, blocks: [] } : undefined;
    }
    offset = next;
  });
  close(text.length);
  return { headings, entries };
}

/** The folder's golden with machine paths made relative to examples/, as the golden walker does for file names. */
function golden(folder: string): string | undefined {
  const path = join(examples, 'invalid', folder, 'expected.txt');
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8').split(`${examples}/`).join('').replace(/\n+$/, '');
}

function folderOf(code: string): string {
  return `${code}-${catalog[code as Code].slug}`;
}

if (process.env.UPDATE_DOCS === '1') {
  if (process.env.CI) throw new Error('docs/diagnostics.md is out of date; run UPDATE_DOCS=1 npx vitest run test/examples locally');
  let text = readFileSync(docsPath, 'utf8');
  const { entries } = parseDocs(text);
  // Replace from the end so that earlier offsets stay valid.
  for (const entry of [...entries].reverse()) {
    const output = entry.blocks.find((b) => b.lang === 'text');
    const expected = entry.code in catalog ? golden(folderOf(entry.code)) : undefined;
    if (output && expected !== undefined) text = `${text.slice(0, output.start)}${expected}\n${text.slice(output.end)}`;
  }
  writeFileSync(docsPath, text);
}

const docs = readFileSync(docsPath, 'utf8');
const { headings, entries } = parseDocs(docs);

describe('docs/diagnostics.md', () => {
  it('has one `## CODE slug` entry per catalog code, in catalog order', () => {
    expect(entries.map((e) => `${e.code} ${e.slug}`)).toEqual(codes.map((c) => `${c} ${catalog[c].slug}`));
  });

  it('has no other heading that looks like a code', () => {
    const strays = headings.filter((h) => /^[EWI]\d{3}\b/.test(h) && !entries.some((e) => `${e.code} ${e.slug}` === h));
    expect(strays).toEqual([]);
  });

  it.each(entries.map((e) => [e.code, e] as const))('%s states its severity, an example and its output', (code, entry) => {
    const severity = catalog[code as Code]?.severity;
    expect(entry.body, 'severity line').toContain(`**Severity:** ${severity}`);
    expect(entry.body, 'how to fix it').toMatch(/\*\*Fix:\*\*/);

    const folder = folderOf(code);
    const dir = join(examples, 'invalid', folder);
    const sources = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').map((l) => l.trimEnd()));
    const yaml = entry.blocks.find((b) => b.lang === 'yaml');
    expect(yaml, 'a ```yaml example').toBeDefined();
    // The excerpt is taken from the example folder: every line of it is a line there
    // (comments and `...` elisions aside), so the docs cannot drift from the examples.
    const foreign = yaml!.text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '' && !l.trim().startsWith('#') && l.trim() !== '...')
      .filter((l) => !sources.includes(l));
    expect(foreign, `lines not found in examples/invalid/${folder}`).toEqual([]);

    const output = entry.blocks.find((b) => b.lang === 'text');
    expect(output, 'a ```text block with the rendered output').toBeDefined();
    const expected = golden(folder);
    expect(expected, `examples/invalid/${folder}/expected.txt exists`).toBeDefined();
    expect(output!.text, 'the output is the golden expected.txt (UPDATE_DOCS=1 rewrites it)').toBe(expected);
    expect(output!.text).toContain(`${severity}[${code}]`);
  });
});

describe('examples/invalid', () => {
  it('has exactly one folder per catalog code, named CODE-slug', () => {
    expect(folders).toEqual(codes.map(folderOf).sort());
  });

  it.each(folders)('%s holds a tenant file and uses its own tenant id', (folder) => {
    const dir = join(examples, 'invalid', folder);
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(folder.startsWith('E008-') ? 2 : 1);
    for (const f of files) {
      const tenant = /^tenant:\s*(\S+)/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1];
      // A distinct id per folder keeps E008 from firing across folders when all are linted at once.
      expect(tenant?.toLowerCase().replace(/_/g, '-'), `${folder}/${f}`).toBe(`${folder.slice(0, 4).toLowerCase()}-example`);
    }
  });
});
