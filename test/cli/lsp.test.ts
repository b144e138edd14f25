// `scimplan lsp` over stdio (the built CLI, bin/scimplan.js): diagnostics on open and on change
// with the ranges `scimplan lint --format json` reports for the same file, completion after
// `enterprise.`, hover and go to definition.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspProcess } from './lsp-client.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Position = { line: number; character: number };
type Range = { start: Position; end: Position };
type PublishedDiagnostics = { uri: string; version?: number; diagnostics: { range: Range; code: string; message: string; severity: number; source: string }[] };

let dir: string;
let file: string;
let uri: string;
let text: string;
let lsp: LspProcess;

/** 0-based position of `delta` characters into the first `needle` of `source`. */
function positionOf(source: string, needle: string, delta = 0): Position {
  const offset = source.indexOf(needle) + delta;
  const before = source.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before.at(-1)!.length };
}

/** What `scimplan lint --format json FILE` reports, with its 1-based spans as 0-based ranges. */
async function lintRanges(path: string): Promise<{ code: string; message: string; range: Range }[]> {
  const run = await promisify(execFile)(process.execPath, ['bin/scimplan.js', 'lint', '--format', 'json', path], { cwd: ROOT }).catch((e: { stdout: string }) => e);
  const json = JSON.parse(run.stdout) as { diagnostics: { code: string; message: string; span: { line: number; column: number; endLine: number; endColumn: number } }[] };
  return json.diagnostics.map((d) => ({
    code: d.code,
    message: d.message,
    range: { start: { line: d.span.line - 1, character: d.span.column - 1 }, end: { line: d.span.endLine - 1, character: d.span.endColumn - 1 } },
  }));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-lsp-'));
  const acme = await readFile(join(ROOT, 'examples/valid/acme-entra.yaml'), 'utf8');
  text = acme.replace('department: enterprise.department', 'department: enterprise.deparment');
  file = join(dir, 'acme.yaml');
  await writeFile(file, text);
  uri = pathToFileURL(file).href;
  lsp = new LspProcess();
  const init = await lsp.request<{ capabilities: Record<string, unknown> }>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, completionProvider: { triggerCharacters: ['.', '['] } });
  lsp.notify('initialized', {});
});

afterAll(async () => {
  const code = await lsp?.stop();
  expect(code).toBe(0);
  await rm(dir, { recursive: true, force: true });
});

describe('scimplan lsp', () => {
  it('publishes on open the diagnostics of `scimplan lint --format json`, at the same ranges', async () => {
    const published = lsp.next<PublishedDiagnostics>('textDocument/publishDiagnostics', (p) => p.uri === uri);
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const { diagnostics } = await published;
    const lint = await lintRanges(file);
    expect(lint.map((d) => d.code)).toContain('E201');
    expect(diagnostics.map((d) => ({ code: d.code, message: d.message, range: d.range }))).toEqual(lint);
    const e201 = diagnostics.find((d) => d.code === 'E201')!;
    expect(e201).toMatchObject({ severity: 1, source: 'scimplan', range: { start: positionOf(text, 'deparment'), end: positionOf(text, 'deparment', 9) } });
  });

  it('publishes again on change: the fix clears the error', async () => {
    const fixed = text.replace('enterprise.deparment', 'enterprise.department');
    const start = positionOf(text, 'deparment', 'depar'.length);
    const published = lsp.next<PublishedDiagnostics>('textDocument/publishDiagnostics', (p) => p.uri === uri && p.version === 2);
    lsp.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start, end: start }, text: 't' }] });
    const { diagnostics } = await published;
    expect(diagnostics.map((d) => d.code)).toEqual(['I601']);
    text = fixed;
  });

  it('completes the enterprise extension attributes after `enterprise.`', async () => {
    const typed = text.replace('department: enterprise.department', 'department: enterprise.');
    lsp.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: typed }] });
    const position = positionOf(typed, 'enterprise.', 'enterprise.'.length);
    const items = await lsp.request<{ label: string; kind: number; detail?: string; textEdit: { range: Range } }[]>('textDocument/completion', { textDocument: { uri }, position });
    expect(items.map((i) => i.label)).toEqual(['employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager']);
    expect(items[0]).toMatchObject({ kind: 5, detail: 'string', textEdit: { range: { start: position, end: position } } });
    lsp.notify('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text }] });
  });

  it('hovers a function with its signature and a profile field with its mapping', async () => {
    const hover = await lsp.request<{ contents: { kind: string; value: string }; range: Range }>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'concat(', 2) });
    expect(hover.contents).toEqual({ kind: 'markdown', value: '`concat(a, ...)`\n\nthe texts joined; `null` arguments count as `""` (at least 1 argument)' });
    expect(hover.range).toEqual({ start: positionOf(text, 'concat('), end: positionOf(text, 'concat(', 6) });
    const field = await lsp.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, 'city eq', 1) });
    expect(field.contents.value).toBe('profile field `city`: string\n\nmapped from `addresses[type eq "work"].locality`');
  });

  it('goes from a profile field in a group rule to its mapping', async () => {
    const location = await lsp.request<{ uri: string; range: Range }>('textDocument/definition', { textDocument: { uri }, position: positionOf(text, 'city eq', 2) });
    expect(location).toEqual({ uri, range: { start: positionOf(text, '  city:', 2), end: positionOf(text, '  city:', 6) } });
  });
});
