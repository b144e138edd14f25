// `--format sarif` on lint and test: every log validates against the SARIF 2.1.0 JSON Schema
// (the one @microsoft/jest-sarif ships, checked with ajv, formats included), lists the catalog as
// rules with help in docs/diagnostics.md, and places each diagnostic at its span.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log } from 'sarif';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../engine/catalog.ts';
import { run } from './helpers.ts';

const root = join(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
// strict: false only lets ajv accept the schema's own annotations it has no keyword for; data
// is validated in full, every format (uri, uri-reference, date-time) included. Patterns are
// ECMA 262 regular expressions without the `u` flag, as draft-04 reads them (the schema's
// `language` pattern has a literal `]` that a unicode RegExp refuses).
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function valid(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

async function sarif(argv: readonly string[]): Promise<{ code: number; log: Log }> {
  const r = await run(argv);
  expect(r.err).toBe('');
  return { code: r.code, log: JSON.parse(r.out) as Log };
}

describe('the SARIF schema check', () => {
  it('is the SARIF 2.1.0 schema and refuses a log that breaks it', () => {
    expect(String(schema['title'])).toContain('SARIF) Version 2.1.0');
    expect(valid({ version: '2.1.0', runs: [] })).toEqual([]);
    expect(valid({ version: '2.0.0', runs: [] })).not.toEqual([]);
    const region = { startLine: 0, startColumn: 1 };
    const bad = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a b' }, region } }] }] }] };
    expect(valid(bad).join('\n')).toMatch(/startLine/);
    expect(valid({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'E1', helpUri: 'not a uri' }] } } }] }).join('\n')).toMatch(/helpUri/);
  });
});

describe('scimplan lint --format sarif', () => {
  it('reports every example diagnostic as a valid result at its span', async () => {
    const { code, log } = await sarif(['lint', '--format', 'sarif', 'examples/invalid']);
    expect(code).toBe(1);
    expect(valid(log)).toEqual([]);
    const json = JSON.parse((await run(['lint', '--format', 'json', 'examples/invalid'])).out) as { diagnostics: { code: string; file: string; span?: { line: number; column: number; endLine: number; endColumn: number } }[] };
    const [only] = log.runs;
    const results = only!.results!;
    expect(results).toHaveLength(json.diagnostics.length);
    const rules = only!.tool.driver.rules!;
    results.forEach((r, i) => {
      const d = json.diagnostics[i]!;
      expect(r.ruleId).toBe(d.code);
      expect(rules[r.ruleIndex!]!.id).toBe(d.code);
      const location = r.locations![0]!.physicalLocation!;
      expect(location.artifactLocation).toEqual({ uri: d.file, uriBaseId: '%SRCROOT%' });
      expect(location.region).toEqual(d.span ? { startLine: d.span.line, startColumn: d.span.column, endLine: d.span.endLine, endColumn: d.span.endColumn } : undefined);
    });
    expect(new Set(results.map((r) => r.ruleId))).toEqual(new Set(Object.keys(catalog)));
  });

  it('places E201 at the misspelt name, with its message, help and rule', async () => {
    const { log } = await sarif(['lint', '--format', 'sarif', 'examples/invalid/E201-unknown-name']);
    expect(valid(log)).toEqual([]);
    const run0 = log.runs[0]!;
    expect(run0.columnKind).toBe('utf16CodeUnits');
    expect(run0.originalUriBaseIds?.['%SRCROOT%']?.uri).toMatch(/^file:\/\/\/.*\/$/);
    const [result] = run0.results!;
    expect(result).toMatchObject({
      ruleId: 'E201',
      level: 'error',
      locations: [{ physicalLocation: { artifactLocation: { uri: 'examples/invalid/E201-unknown-name/tenant.yaml' }, region: { startLine: 11, startColumn: 26, endLine: 11, endColumn: 35 } } }],
    });
    // message, then its note and help lines, as the text renderer shows them
    const text = result!.message.text!.split('\n');
    expect(text[0]).toBe('the extension `enterprise` has no attribute `deparment`');
    expect(text[1]).toMatch(/^note: `urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User` has /);
    expect(text[2]).toMatch(/^help: did you mean `department`\?/);
    expect(text).toHaveLength(3);
    expect(run0.tool.driver.rules![result!.ruleIndex!]).toMatchObject({ id: 'E201', name: 'unknown-name', shortDescription: { text: catalog.E201.title }, defaultConfiguration: { level: 'error' } });
  });

  it('lists the catalog as rules: levels from severities, help in docs/diagnostics.md at existing headings', async () => {
    const { log } = await sarif(['lint', '--format', 'sarif', 'examples/valid/acme-entra.yaml']);
    expect(valid(log)).toEqual([]);
    const driver = log.runs[0]!.tool.driver;
    expect(driver.name).toBe('scimplan');
    expect(driver.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(driver.rules!.map((r) => r.id)).toEqual(Object.keys(catalog));
    const docs = readFileSync(join(root, 'docs/diagnostics.md'), 'utf8');
    const anchors = new Set([...docs.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-')));
    const level = { error: 'error', warning: 'warning', info: 'note' } as const;
    for (const rule of driver.rules!) {
      const entry = catalog[rule.id as keyof typeof catalog];
      expect(rule.defaultConfiguration?.level).toBe(level[entry.severity]);
      const help = new URL(rule.helpUri!);
      expect(fileURLToPath(help)).toBe(join(root, 'docs/diagnostics.md'));
      expect(help.hash, rule.id).toBe(`#${rule.id.toLowerCase()}-${entry.slug}`);
      expect(anchors.has(help.hash.slice(1)), rule.id).toBe(true);
    }
    expect(anchors.has('output-formats')).toBe(true);
    // the acme file has one I601 note
    expect(log.runs[0]!.results!.map((r) => [r.ruleId, r.level])).toEqual([['I601', 'note']]);
  });

  it('keeps labels as related locations', async () => {
    const { log } = await sarif(['lint', '--format', 'sarif', 'examples/invalid/E005-duplicate-key']);
    const [result] = log.runs[0]!.results!;
    expect(result!.relatedLocations?.length).toBeGreaterThan(0);
    expect(result!.relatedLocations![0]).toMatchObject({ id: 0, message: { text: expect.any(String) }, physicalLocation: { region: { startLine: expect.any(Number) } } });
  });
});

describe('scimplan test --format sarif', () => {
  it('reports a failed case at its name, under a rule of its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-sarif-'));
    try {
      const text = readFileSync(join(root, 'examples/valid/acme-entra.yaml'), 'utf8').replace('- name: a director in Amsterdam joins Management and the office group', '- name: a director in Amsterdam joins nothing at all');
      const file = join(dir, 'acme.yaml');
      await writeFile(file, text.replace('groups: [Management, Amsterdam office, Everyone]', 'groups: [Sales]'));
      const { code, log } = await sarif(['test', '--format', 'sarif', file, '--now', '2026-05-01T09:00:00Z']);
      expect(valid(log)).toEqual([]);
      const failed = log.runs[0]!.results!.filter((r) => r.ruleId === 'test-failed');
      expect(code).toBe(1);
      expect(failed).toHaveLength(1);
      const rule = log.runs[0]!.tool.driver.rules![failed[0]!.ruleIndex!]!;
      expect(rule).toMatchObject({ id: 'test-failed', defaultConfiguration: { level: 'error' } });
      expect(new URL(rule.helpUri!).hash).toBe('#output-formats');
      expect(failed[0]!.message.text).toMatch(/^test `a director in Amsterdam joins nothing at all` failed: /);
      const line = text.split('\n').findIndex((l) => l.includes('joins nothing at all')) + 1;
      expect(failed[0]!.locations![0]!.physicalLocation!.region!.startLine).toBe(line);
      expect(failed[0]!.locations![0]!.physicalLocation!.artifactLocation!.uri).toMatch(/^file:\/\/\/.*acme\.yaml$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is not a format of explain', async () => {
    const r = await run(['explain', '--format', 'sarif', 'examples/valid/acme-entra.yaml', '-']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: unknown format `sarif`; use one of text, json, github\n');
  });
});
