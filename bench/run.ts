// `npm run bench`: runs every benchmark; each prints a ratio against its own baseline.
// `npm run bench -- lint` runs only the benchmarks whose name contains "lint".

import { benchLint } from './lint-throughput.ts';
import { benchPlanEvaluation } from './plan-eval.ts';
import { benchServer } from './server.ts';

const benches: Record<string, () => Promise<void>> = {
  'plan-eval': () => benchPlanEvaluation(),
  lint: () => benchLint(),
  // autocannon against `scimplan serve` and bare fastify servers in child processes (~2-4 min).
  server: () => benchServer(),
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  await run();
}
