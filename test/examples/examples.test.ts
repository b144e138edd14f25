// Walks examples/: valid tenants lint without errors and their `tests:` pass; every
// examples/invalid/<CODE>-<slug>/ reports its code, and its rendered text matches expected.txt.
// Run with UPDATE_GOLDEN=1 to write expected.txt files (never in CI); a missing one fails.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../engine/catalog.ts';
import { lintPaths } from '../../engine/lint.ts';
import { renderText } from '../../engine/render-text.ts';
import { runTests } from '../../engine/run-tests.ts';

const root = join(import.meta.dirname, '../../examples');
const invalid = readdirSync(join(root, 'invalid')).filter((d) => /^[EWI]\d{3}-/.test(d)).sort();

describe('examples/valid', () => {
  it('lints without errors and every tests: case passes', async () => {
    const result = await lintPaths([join(root, 'valid')]);
    expect(result.files.length).toBeGreaterThanOrEqual(3);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const file of result.files) {
      expect(file.result.plan, file.file).toBeDefined();
      const results = runTests(file.result.plan!, new Date('2026-01-01T00:00:00Z'));
      expect(results.length, `${file.file} has tests`).toBeGreaterThan(0);
      expect(results.filter((r) => !r.passed)).toEqual([]);
    }
  });
});

describe('examples/invalid', () => {
  it('has a folder for every catalog code', () => {
    const codes = new Set(invalid.map((d) => d.slice(0, 4)));
    expect(Object.keys(catalog).filter((c) => !codes.has(c))).toEqual([]);
  });

  it.each(invalid)('%s', async (folder) => {
    const code = folder.slice(0, 4);
    const slug = folder.slice(5);
    expect(catalog[code as keyof typeof catalog]?.slug, 'folder slug matches the catalog').toBe(slug);
    const dir = join(root, 'invalid', folder);
    const result = await lintPaths([dir]);
    expect(result.diagnostics.map((d) => d.code)).toContain(code);
    const sources = new Map(result.files.map((f) => [f.file, f.text]));
    const relative = result.diagnostics.map((d) => ({ ...d, file: d.file.slice(root.length + 1) }));
    // Messages and notes may name other files (E008): keep goldens free of this checkout's path.
    const text = renderText(relative, {
      sources: new Map([...sources].map(([k, v]) => [k.slice(root.length + 1), v])),
    }).replaceAll(`${root}/`, '');
    const golden = join(dir, 'expected.txt');
    // Only an explicit UPDATE_GOLDEN=1 writes: a missing golden fails like a wrong one.
    if (process.env.UPDATE_GOLDEN === '1') {
      if (process.env.CI) throw new Error('goldens are never rewritten in CI; run UPDATE_GOLDEN=1 npx vitest run test/examples locally');
      writeFileSync(golden, text);
    }
    expect(existsSync(golden), `${golden} is missing; run UPDATE_GOLDEN=1 npx vitest run test/examples locally`).toBe(true);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });
});
