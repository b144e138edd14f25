// Keeps dependencies one way: dsl <- engine <- server <- cli. dsl and engine never import
// fastify, kysely, pg or PGlite, so the linter runs without a server or a database.

import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imports, root, sources } from './source-files.ts';

const forbidden: Record<string, RegExp> = {
  dsl: /^(fastify|kysely|pg|@electric-sql|yaml|ajv)|\.\.\/(engine|server|cli)\//,
  engine: /^(fastify|kysely|pg|@electric-sql)|\.\.\/(server|cli)\//,
  server: /\.\.\/cli\//,
  // Bundled for the browser playground: no Node built-ins, no editor protocol.
  'engine/assist': /^(node:|vscode-)|^(fs|path|crypto|url)$/,
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
