// Build (`npm run build`; `npm install` and `npm ci` run it through `prepare`): tsc to dist/ with
// tsconfig.build.json, schemas/ copied to dist/schemas, chevrotain imports pointed at its bundle.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  throw new Error('build: TypeScript is not installed; install with dev dependencies (`npm ci`), build, then prune if needed');
}
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

// The engine reads its JSON data relative to its own module (`../schemas/...`).
cpSync(join(root, 'schemas'), join(dist, 'schemas'), { recursive: true });

// chevrotain's package entry loads some 300 lodash-es modules (about 0.5 s of a CLI start);
// the package also ships the same API as one esbuild file, which the compiled code imports instead.
const bundle = join(dirname(require.resolve('chevrotain')), '..', 'chevrotain.mjs');
if (!existsSync(bundle)) throw new Error(`build: chevrotain's bundle ${bundle} is missing; update scripts/build.js`);
for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.js')) continue;
  const path = join(dist, file);
  const text = readFileSync(path, 'utf8');
  const target = relative(dirname(path), bundle).split(sep).join('/').replace(/^(?!\.)/, './');
  const rewritten = text.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])chevrotain\2/g, (_, lead, quote) => `${lead}${quote}${target}${quote}`);
  if (rewritten !== text) writeFileSync(path, rewritten);
}
