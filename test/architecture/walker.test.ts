// One shared walker: outside dsl/walk.ts, no code switches over Expr kinds by hand; a
// traversal is an ExprVisitor record (a new kind then fails to compile) or walk/someNode.

import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, sources } from './source-files.ts';

const folders = ['dsl', 'engine', 'server', 'cli'];
const exprCase = /\bcase\s+['"](Path|Literal|List|Compare|Present|Logical|Not|In|Coalesce|Call|Group|Error)['"]/g;

describe('Expr traversal', () => {
  it('matches a hand-written switch over Expr kinds', () => {
    expect("switch (expr.kind) {\n  case 'Compare':".match(exprCase)).toHaveLength(1);
    expect("switch (t.kind) {\n  case 'string':".match(exprCase)).toBeNull();
  });

  it('happens only through dsl/walk.ts', () => {
    const files = folders.flatMap(sources).filter((f) => relative(root, f) !== join('dsl', 'walk.ts'));
    expect(files.length).toBeGreaterThan(10);
    const bad = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(exprCase)].map((m) => `${relative(root, f)}: ${m[0]}`));
    expect(bad).toEqual([]);
  });
});
