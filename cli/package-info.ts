// CLI plumbing: the scimplan install this command runs from -> its version and the `file:` URI
// of its docs/ folder, for SARIF's tool and rule help (`--format sarif`).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SarifOptions } from '../engine/render-sarif.ts';

/**
 * The SARIF options of this run: scimplan's version and docs/ (found by walking up from this
 * module to scimplan's package.json, in the sources and in dist/ alike), and the working
 * directory as the root of relative file paths.
 */
export function sarifOptions(cwd: string = process.cwd()): SarifOptions {
  const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
  const version = root ? (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version : undefined;
  return {
    ...(typeof version === 'string' ? { version } : {}),
    ...(root && existsSync(join(root, 'docs')) ? { docsRoot: pathToFileURL(join(root, 'docs/')).href } : {}),
    sourceRoot: pathToFileURL(join(cwd, '/')).href,
  };
}

function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'scimplan') return dir;
    if (dirname(dir) === dir) return undefined;
  }
}
