// The command line's dispatch (cli/main.ts): commands load their modules on first use, exit
// codes and error lines stay as they were, and only commander and output load up front.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers.ts';

const root = join(import.meta.dirname, '../..');

describe('scimplan commands through main', () => {
  it('lints one example file: exit 0 and the summary line', async () => {
    const r = await run(['lint', 'examples/valid/acme-entra.yaml']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('info[I601]');
    expect(r.out.endsWith('0 errors, 0 warnings, 1 note in 1 file\n')).toBe(true);
    expect(r.err).toBe('');
  });

  it('reports a missing path as a usage error (exit 2), for lint and for test', async () => {
    for (const command of ['lint', 'test']) {
      const r = await run([command, 'no-such-file.yaml']);
      expect(r.code).toBe(2);
      expect(r.err).toBe('error: cannot read `no-such-file.yaml`: no such file or folder\n');
    }
  });

  it('prints a token whose sha256 line matches it', async () => {
    const r = await run(['token']);
    expect(r.code).toBe(0);
    const match = /^ {2}(\S+)\n[\s\S]*- sha256: ([0-9a-f]{64})\n$/m.exec(r.out);
    expect(match).not.toBeNull();
    expect(createHash('sha256').update(match![1]!).digest('hex')).toBe(match![2]);
  });

  it('prints help (exit 0) and refuses an unknown command (exit 2)', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^\s+lint \[options\] <paths\.\.\.>/m);
    const unknown = await run(['lnit']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'lnit'");
  });
});

describe('start-up cost', () => {
  it('cli/main.ts imports only commander and ./output.ts up front; commands load in their action', () => {
    const text = readFileSync(join(root, 'cli/main.ts'), 'utf8');
    // type-only imports are erased from the compiled module and load nothing
    const staticImports = [...text.matchAll(/^import\s(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(staticImports).toEqual(['commander', './output.ts']);
    const lazy = [...text.matchAll(/await import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
    expect(lazy).toEqual(expect.arrayContaining(['./lint.ts', './test.ts', './explain.ts', './token.ts', '../server/main.ts']));
  });
});
