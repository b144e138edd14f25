// `npm run bench`: runs every benchmark; each prints a ratio against its own baseline.
// `npm run bench -- lint` runs only the benchmarks whose name contains "lint".
// `npm run bench -- onboarding --short` runs the onboarding day scaled down.

import { benchBulk } from './bulk.ts';
import { benchCliStart } from './cli-start.ts';
import { benchGroups } from './groups.ts';
import { benchImport } from './import.ts';
import { benchLint } from './lint-throughput.ts';
import { benchLogins } from './logins.ts';
import { benchOnboarding } from './onboarding.ts';
import { benchPlanEvaluation } from './plan-eval.ts';
import { benchPlanCli } from './plan.ts';
import { benchPlayground } from './playground.ts';
import { benchScheduler } from './scheduler.ts';
import { benchServer } from './server.ts';
import { benchStatements } from './statements.ts';

const benches: Record<string, () => Promise<void>> = {
  'plan-eval': () => benchPlanEvaluation(),
  // `scimplan plan` over 100,000 stored users against a bare select of the same rows.
  'plan-cli': () => benchPlanCli(),
  lint: () => benchLint(),
  // `scimplan --help` and `scimplan lint` of one file against a bare `node -e 0` (runs dist/; ~20 s).
  'cli-start': () => benchCliStart(),
  // autocannon against `scimplan serve` and bare fastify servers in child processes: 30 s of load
  // per target plus seeding 10,000 users (capped at 210 s per target); 11 min on a loaded 2-core box.
  server: () => benchServer(),
  // one 1,000-operation /Bulk against 1,000 sequential POSTs over local HTTP (minutes on a busy machine).
  bulk: () => benchBulk(),
  // one-member add and remove on a 100,000-member group against an empty group and a bare INSERT/DELETE (~2 min).
  groups: () => benchGroups(),
  // `scimplan import` of 100,000 csv rows against bare single-row INSERTs of the same users, and the heap at 10k/100k rows (`--short`: 10k).
  import: () => benchImport(),
  // the scheduler deactivating 100,000 due accounts against as many bare UPDATEs (~5 min on PGlite).
  scheduler: () => benchScheduler(),
  // SQL statements per request of each kind, from pg_stat_statements (BENCH_DATABASE_URL; ~10 s).
  statements: () => benchStatements(),
  // 20 tenants syncing at 25 req/s each on PostgreSQL (BENCH_DATABASE_URL) for 2 min; `--short`: 30 s, 10x fewer stored users.
  onboarding: () => benchOnboarding(),
  // keystroke -> updated result in the playground page (headless Chromium; 200 rules, 1,000 sample users; ~30 s).
  playground: () => benchPlayground(),
  // POST /logins (verify, replay record, plan, write) against bare jwtVerify of the same tokens (~1 min).
  logins: () => benchLogins(),
};

// Options (`--short`) are the benchmarks' own; the other arguments select benchmarks by name.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const [name, run] of Object.entries(benches)) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  await run();
}
