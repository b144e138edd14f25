// Build (`npm run build`, run by `npm install` and `npm ci` through `prepare`): compiles dsl/,
// engine/, server/ and cli/ to dist/ (tsconfig.build.json) and copies schemas/ to dist/schemas.
// Returns nothing; exits non-zero when tsc fails or chevrotain's bundle is missing.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });

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
  const target = relative(dirname(path), bundle).split(sep).join('/');
  const rewritten = text.replace(/(\bfrom\s*|\bimport\s*\(\s*)(['"])chevrotain\2/g, (_, lead, quote) => `${lead}${quote}${target}${quote}`);
  if (rewritten !== text) writeFileSync(path, rewritten);
}
