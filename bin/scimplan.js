#!/usr/bin/env node
// Entry point of the `scimplan` command: runs the compiled CLI in dist/ (built by `npm install`
// through `prepare`, or `npm run build`); without a build, prints how to make one and exits.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('scimplan: no build in dist/; run `npm run build` (npm install runs it too)\n');
  // The usage exit of cli/main.ts: 2, but 1 for `plan`, whose 2 means "changes".
  process.exit(process.argv[2] === 'plan' ? 1 : 2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
