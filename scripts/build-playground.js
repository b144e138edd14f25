// The playground's static files (`npm run build` -> dist/playground; tests build a copy of their
// own): playground/main.ts and the engine bundled for the browser by esbuild, next to the page and
// its style sheet. The tenant-file validator is ajv's standalone code, as in dist/, so that the
// page needs no `eval` under its Content-Security-Policy.

import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The files of the page, copied as they are. */
export const PAGE_FILES = ['index.html', 'playground.css'];

/**
 * Builds the page into `outDir`. `validatorSource`: ajv's standalone code of the tenant-file schema
 * (CommonJS), which replaces engine/tenant-validator.ts in the bundle. Returns the bundle's size.
 */
export async function buildPlayground(outDir, validatorSource) {
  const esbuild = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [join(root, 'playground', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    outfile: join(outDir, 'playground.js'),
    metafile: true,
    loader: { '.yaml': 'text' },
    logLevel: 'warning',
    // chevrotain's package entry is some 300 lodash-es modules; its own single-file build is the same API.
    alias: { chevrotain: join(require.resolve('chevrotain'), '..', '..', 'chevrotain.mjs') },
    plugins: [
      {
        name: 'tenant-validator',
        setup(build) {
          // engine/tenant-validator.ts -> the same export over ajv's standalone code (CommonJS).
          build.onResolve({ filter: /\/tenant-validator\.ts$/ }, () => ({ path: 'tenant-validator.js', namespace: 'standalone' }));
          build.onResolve({ filter: /^standalone-validator$/ }, () => ({ path: 'tenant-validator.cjs', namespace: 'standalone' }));
          build.onLoad({ filter: /\.js$/, namespace: 'standalone' }, () => ({
            contents: "import validate from 'standalone-validator';\nexport const validateTenant = validate;\n",
            loader: 'js',
            resolveDir: root,
          }));
          build.onLoad({ filter: /\.cjs$/, namespace: 'standalone' }, () => ({ contents: validatorSource, loader: 'js', resolveDir: root }));
        },
      },
    ],
  });
  for (const file of PAGE_FILES) copyFileSync(join(root, 'playground', file), join(outDir, file));
  return Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
}

/** ajv's standalone code of the tenant-file schema, compiled from the sources (tsx) or dist/. */
export async function tenantValidatorSource(schemaModule) {
  const { default: Ajv } = await import('ajv');
  const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');
  const { ajvOptions, tenantSchema } = await import(schemaModule);
  const ajv = new Ajv({ ...ajvOptions, code: { source: true } });
  return standaloneCode(ajv, ajv.compile(tenantSchema));
}
