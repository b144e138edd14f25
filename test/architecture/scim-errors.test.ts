// Every SCIM error the server sends comes from the catalogue: no `new ScimError(` outside
// server/errors.ts, and no ScimError subclass that could carry a detail of its own.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const catalogue = 'server/errors.ts';

const serverSources = (): string[] =>
  readdirSync(join(root, 'server'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => relative(root, join(root, 'server', f)));

describe('SCIM errors come from the catalogue', () => {
  it(`no file under server/ but ${catalogue} constructs a ScimError`, () => {
    const files = serverSources();
    expect(files).toContain(catalogue);
    const offenders = files.filter((f) => f !== catalogue && /new\s+ScimError\s*\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('no file under server/ extends ScimError', () => {
    const offenders = serverSources().filter((f) => /extends\s+ScimError\b/.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
