// Keeps dependencies one way: dsl <- engine <- server <- cli. dsl and engine never import
// fastify, kysely, pg or PGlite, so the linter runs without a server or a database.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, folder, f));
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
}

const forbidden: Record<string, RegExp> = {
  dsl: /^(fastify|kysely|pg|@electric-sql|yaml|ajv)|\.\.\/(engine|server|cli)\//,
  engine: /^(fastify|kysely|pg|@electric-sql)|\.\.\/(server|cli)\//,
  server: /\.\.\/cli\//,
};

describe('dependency direction', () => {
  for (const [folder, pattern] of Object.entries(forbidden)) {
    it(`${folder}/ imports nothing it must not`, () => {
      const files = sources(folder);
      expect(files.length).toBeGreaterThan(0);
      const bad = files.flatMap((f) => imports(f).filter((i) => pattern.test(i)).map((i) => `${relative(root, f)} -> ${i}`));
      expect(bad).toEqual([]);
    });
  }
});
