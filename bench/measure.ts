// Timing helpers for benchmarks: warm up, then take the best of several rounds, since these
// machines are noisy. Results are reported as ratios against a baseline of the same run.

export interface Measurement {
  readonly name: string;
  readonly perSecond: number;
}

export async function measure(name: string, items: number, run: () => unknown | Promise<unknown>, rounds = 5): Promise<Measurement> {
  await run();
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    await run();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    best = Math.min(best, ms);
  }
  return { name, perSecond: (items / best) * 1000 };
}

export function report(title: string, baseline: Measurement, others: readonly Measurement[], unit: string): void {
  console.log(`\n## ${title}`);
  const rows = [baseline, ...others];
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const ratio = r.perSecond / baseline.perSecond;
    console.log(`${r.name.padEnd(width)}  ${Math.round(r.perSecond).toLocaleString('en-US').padStart(14)} ${unit}/s  ${ratio.toFixed(3)}x baseline`);
  }
}
