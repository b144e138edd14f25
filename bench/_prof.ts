import { performance } from 'node:perf_hooks';
import { createCheckCache } from '../engine/check-cache.ts';
import { checkTenantFile } from '../engine/check-tenant-file.ts';
import { planOfCheck } from '../engine/compile-checked.ts';
import { analyse, explainSample, summariseUsers } from '../playground/session.ts';
import { tenantYaml, users } from './synthetic.ts';
import { runTests } from '../engine/run-tests.ts';
const yaml = tenantYaml('bench', 200); const sample = users(1000); const now = new Date('2026-05-01T09:00:00Z');
const t: Record<string, number[]> = {};
const time = <T>(k: string, f: () => T): T => { const s = performance.now(); const r = f(); (t[k] ??= []).push(performance.now() - s); return r; };
const cache = createCheckCache(); const cache2 = createCheckCache();
for (let i = 0; i < 40; i++) {
  const text = i % 2 === 0 ? yaml.replace('eq "Sales"', 'eq "Sales' + 'x'.repeat(i) + '"') : yaml;
  const ck = time('checkTenantFile cached', () => checkTenantFile('b.yaml', text, cache2));
  const plan = time('plan cached', () => planOfCheck('b.yaml', ck, () => 'x', cache2));
  time('runTests', () => runTests(plan!, now));
  const a = time('analyse cached', () => analyse('b.yaml', text, now, cache));
  time('explain', () => explainSample(a, sample[0]!, now));
  time('summary', () => summariseUsers(a.plan!, sample, now));
}
for (const [k, v] of Object.entries(t)) { const s = v.slice(10).sort((a, b) => a - b); console.log(k.padEnd(24), s[Math.floor(s.length / 2)]!.toFixed(2)); }
