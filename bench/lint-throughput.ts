// Lint throughput: 1,000 tenant files through the whole pipeline, against a bare
// `yaml.parse` of the same files in the same run.

import { parse } from 'yaml';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { measure, report } from './measure.ts';
import { tenantYaml } from './synthetic.ts';

export async function benchLint(count = 1_000): Promise<void> {
  const files = Array.from({ length: count }, (_, i) => tenantYaml(`tenant-${i}`, 10 + (i % 40)));
  let sink = 0;
  const baseline = await measure('yaml.parse', files.length, () => {
    for (const f of files) sink += Object.keys(parse(f) as object).length;
  }, 3);
  const lint = await measure('scimplan lint (compileTenantFile)', files.length, () => {
    files.forEach((f, i) => {
      sink += compileTenantFile(`tenant-${i}.yaml`, f).diagnostics.length;
    });
  }, 3);
  report(`lint: ${count.toLocaleString('en-US')} tenant files`, baseline, [lint], 'files');
  if (sink < 0) console.log(sink);
}
