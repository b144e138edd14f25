// CLI start: wall time of `node bin/scimplan.js --help` and of a lint of one example file,
// against a bare `node -e 0` in the same run (median of interleaved runs); prints seconds and ratio.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Target {
  readonly name: string;
  readonly args: readonly string[];
}

const baseline: Target = { name: 'node -e 0', args: ['-e', '0'] };
const targets: readonly Target[] = [
  { name: 'scimplan --help', args: ['bin/scimplan.js', '--help'] },
  { name: 'scimplan lint examples/valid/acme-entra.yaml', args: ['bin/scimplan.js', 'lint', 'examples/valid/acme-entra.yaml'] },
];

/** Seconds one child process takes from spawn to exit; throws unless it exits 0. */
function wallSeconds(target: Target): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, target.args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) throw new Error(`\`node ${target.args.join(' ')}\` exited ${run.status}: ${run.stderr.toString().trim()}`);
  return seconds;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs every target `runs` times, interleaved so that load on the machine hits them alike. */
export async function benchCliStart(runs = 11): Promise<void> {
  const all = [baseline, ...targets];
  const times = new Map(all.map((t) => [t, [] as number[]]));
  for (const t of all) wallSeconds(t); // warm the file cache
  for (let i = 0; i < runs; i++) for (const t of all) times.get(t)!.push(wallSeconds(t));

  const base = median(times.get(baseline)!);
  console.log(`\n## cli-start: wall time, median of ${runs} runs (target: lint within 0.400 s of bare node)`);
  const width = Math.max(...all.map((t) => t.name.length));
  for (const t of all) {
    const m = median(times.get(t)!);
    const over = t === baseline ? '' : `  +${(m - base).toFixed(3)} s  ${(m / base).toFixed(2)}x baseline`;
    console.log(`${t.name.padEnd(width)}  ${m.toFixed(3)} s${over}`);
  }
}
