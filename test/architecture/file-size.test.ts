// Small files named after what they do: no source file of dsl, engine, server or cli grows past
// about 400 lines (split it by job instead).

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, sources } from './source-files.ts';

const MAX_LINES = 400;

describe('file size', () => {
  it(`no source file is over ${MAX_LINES} lines`, () => {
    const files = ['dsl', 'engine', 'server', 'cli'].flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    const long = files
      .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
