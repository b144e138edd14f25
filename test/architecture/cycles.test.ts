// No import circles: the files of dsl/, engine/, server/ and cli/ import each other as a DAG
// (type-only imports included), read from the import statements as imports.test.ts reads them.

import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imports, root, sources } from './source-files.ts';

const folders = ['dsl', 'engine', 'server', 'cli'];

/** The project files each file imports (relative imports only), as paths from the root. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of folders.flatMap(sources)) {
    const targets = imports(file)
      .filter((i) => i.startsWith('.'))
      .map((i) => resolve(dirname(file), i))
      .filter((target) => existsSync(target))
      .map((target) => relative(root, target));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('import circles', () => {
  const graph = importGraph();

  it('reads the imports of every folder', () => {
    for (const folder of folders) expect([...graph.keys()].some((f) => f.startsWith(`${folder}/`))).toBe(true);
    expect([...graph.values()].some((targets) => targets.length > 0)).toBe(true);
  });

  it('finds a circle when there is one', () => {
    const circle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(circle)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('dsl/, engine/, server/ and cli/ have none', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
