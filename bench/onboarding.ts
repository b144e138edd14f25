// Onboarding day: one tenant of 100,000 users and 19 tenants of 10,000 users each sync at once
// against one `scimplan serve` on PostgreSQL, each tenant at 25 requests/s in Entra's order per
// user (query by userName, create, and later a PATCH), for 2 minutes. Prints errors, latency
// percentiles and statements per request (pg_stat_statements). `--short` (or
// BENCH_ONBOARDING_SHORT=1) scales the stored users down 10x and the run to 30 s.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { killAll, startChild, stopChild, type Child } from './load.ts';
import { createDatabase, statementCounter } from './pg-database.ts';
import { tenantYaml, users } from './synthetic.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** A user is patched this many users after it was created (Entra's later update). */
const PATCH_LAG = 5;

interface Settings {
  readonly large: number;
  readonly small: number;
  readonly smallTenants: number;
  readonly perSecond: number;
  readonly seconds: number;
}

type Kind = 'query' | 'create' | 'patch';

interface Sample {
  readonly kind: Kind;
  readonly ms: number;
  readonly ok: boolean;
}

const templates = users(1_000);

/** The first few failures, printed with the report (statuses and messages, never attribute values). */
const failures: string[] = [];
const note = (what: string) => {
  if (failures.length < 5) failures.push(what);
};

export async function benchOnboarding(short = process.argv.includes('--short') || process.env['BENCH_ONBOARDING_SHORT'] === '1'): Promise<void> {
  const baseUrl = process.env['BENCH_DATABASE_URL'] || process.env['DATABASE_URL'];
  const scale: Settings = short
    ? { large: 10_000, small: 1_000, smallTenants: 19, perSecond: 25, seconds: 30 }
    : { large: 100_000, small: 10_000, smallTenants: 19, perSecond: 25, seconds: 120 };
  // Overrides, for a look at one part: BENCH_ONBOARDING_TENANTS (small ones), _RATE, _SECONDS.
  const env = (name: string, fallback: number) => Number(process.env[`BENCH_ONBOARDING_${name}`] ?? fallback);
  const settings: Settings = { ...scale, smallTenants: env('TENANTS', scale.smallTenants), perSecond: env('RATE', scale.perSecond), seconds: env('SECONDS', scale.seconds) };
  const title = `onboarding day${short ? ' (--short)' : ''}: 1 tenant of ${settings.large.toLocaleString('en-US')} users + ${settings.smallTenants} of ${settings.small.toLocaleString('en-US')}, ${settings.perSecond} req/s each, ${settings.seconds} s`;
  if (!baseUrl) {
    console.log(`\n## ${title}\nskipped: set BENCH_DATABASE_URL (PostgreSQL)`);
    return;
  }
  const tenants = Array.from({ length: settings.smallTenants + 1 }, (_, i) => ({
    name: `onboard${i}`,
    token: randomBytes(24).toString('base64url'),
    stored: i === 0 ? settings.large : settings.small,
  }));
  const work = mkdtempSync(join(tmpdir(), 'scimplan-onboarding-'));
  const database = await createDatabase(baseUrl, 'onboard');
  const counter = await statementCounter(baseUrl, database.name);
  let child: Child | undefined;
  try {
    const config = join(work, 'tenants');
    mkdirSync(config);
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const hashes = new Map<string, string>();
    tenants.forEach((t, i) => {
      const yaml = tenantYaml(t.name, 10).replace('env: BENCH_TOKEN', `env: BENCH_TOKEN_${i}`);
      writeFileSync(join(config, `${t.name}.yaml`), yaml);
      env[`BENCH_TOKEN_${i}`] = t.token;
      hashes.set(t.name, compileTenantFile(`${t.name}.yaml`, yaml).plan?.hash ?? 'seed');
    });
    child = await startChild('scimplan serve', ['bin/scimplan.js', 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1'], env);
    // Seeded with the served config's hash, so the server does not re-evaluate them meanwhile.
    await seed(database.url, tenants.map((t) => ({ ...t, hash: hashes.get(t.name)! })));

    const samples: Sample[] = [];
    const before = await counter?.count();
    const started = Date.now();
    await Promise.all(tenants.map((t) => syncTenant(child!.url, t, settings, samples)));
    const elapsed = (Date.now() - started) / 1000;
    const statements = counter && before !== undefined ? ((await counter.count()) - before) / samples.length : undefined;
    printReport(title, samples, elapsed, statements, settings, tenants.length);
  } finally {
    if (child) await stopChild(child.process);
    killAll();
    await counter?.close();
    await database.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Stored users of each tenant, written in SQL (the run is about the sync on top of them). */
async function seed(url: string, tenants: readonly { name: string; stored: number; hash: string }[]): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const t of tenants) {
      await client.query(
        `insert into scim_users (id, tenant, key_value, user_name, resource, profile, status, config_hash, created_at, updated_at)
         select gen_random_uuid(), $1, 'stored-' || i, 'stored' || i || '@example.com', '{}'::jsonb, '{}'::jsonb, 'active', $3, now(), now()
         from generate_series(1, $2::int) as i`,
        [t.name, t.stored, t.hash],
      );
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** One tenant's sync: a request every 1/perSecond s (open loop, as a connector's scheduler sends). */
async function syncTenant(url: string, t: { name: string; token: string }, settings: Settings, samples: Sample[]): Promise<void> {
  const base = `${url}/scim/v2/${t.name}/Users`;
  const headers = { authorization: `Bearer ${t.token}`, 'content-type': 'application/scim+json' };
  const ids: string[] = [];
  let user = 0;
  let step = 0;
  const timed = async (kind: Kind, expect: number, run: () => Promise<Response>, then?: (body: string) => void) => {
    const start = performance.now();
    try {
      const res = await run();
      const body = await res.text();
      samples.push({ kind, ms: performance.now() - start, ok: res.status === expect });
      if (res.status === expect) then?.(body);
      else note(`${kind}: ${res.status} ${body.slice(0, 120)}`);
    } catch (error) {
      samples.push({ kind, ms: performance.now() - start, ok: false });
      note(`${kind}: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`);
    }
  };
  const next = (): Promise<void> => {
    // Per user: the query, the create, then a PATCH of a user created PATCH_LAG users before.
    const phase = step++ % 3;
    if (phase === 0) {
      const filter = encodeURIComponent(`userName eq "${t.name}-${user}@example.com"`);
      return timed('query', 200, () => fetch(`${base}?filter=${filter}`, { headers }));
    }
    if (phase === 1) {
      const i = user++;
      const body = JSON.stringify({ ...templates[i % templates.length], userName: `${t.name}-${i}@example.com`, externalId: `${t.name}-${i}` });
      return timed('create', 201, () => fetch(base, { method: 'POST', headers, body }), (text) => ids.push(JSON.parse(text).id as string));
    }
    const id = ids[ids.length - PATCH_LAG];
    if (!id) return Promise.resolve();
    const body = JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `Title ${step % 50}` }] });
    return timed('patch', 200, () => fetch(`${base}/${id}`, { method: 'PATCH', headers, body }));
  };
  const pending: Promise<void>[] = [];
  const interval = 1000 / settings.perSecond;
  const start = performance.now();
  for (let n = 0; performance.now() - start < settings.seconds * 1000; n++) {
    const due = start + n * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(next());
  }
  await Promise.all(pending);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function printReport(title: string, samples: readonly Sample[], elapsed: number, statements: number | undefined, settings: Settings, tenantCount: number): void {
  console.log(`\n## ${title}`);
  const row = (label: string, list: readonly Sample[]) => {
    const ms = list.map((s) => s.ms).sort((a, b) => a - b);
    const errors = list.filter((s) => !s.ok).length;
    console.log(
      `${label.padEnd(8)} ${String(list.length).padStart(7)} requests  ${(list.length / elapsed).toFixed(0).padStart(5)} req/s  errors ${errors}  ` +
        `p50 ${percentile(ms, 50).toFixed(1)} ms  p99 ${percentile(ms, 99).toFixed(1)} ms  max ${percentile(ms, 100).toFixed(1)} ms`,
    );
  };
  for (const kind of ['query', 'create', 'patch'] as const) row(kind, samples.filter((s) => s.kind === kind));
  row('all', samples);
  const errors = samples.filter((s) => !s.ok).length;
  const p99 = percentile(samples.map((s) => s.ms).sort((a, b) => a - b), 99);
  console.log(`target rate ${settings.perSecond * tenantCount} req/s; achieved ${(samples.length / elapsed).toFixed(0)} req/s over ${elapsed.toFixed(0)} s`);
  console.log(`statements per request (pg_stat_statements): ${statements === undefined ? 'not available (preload pg_stat_statements)' : statements.toFixed(2)}`);
  console.log(`0 errors: ${errors === 0 ? 'yes' : `NO (${errors})`}; p99 under 100 ms: ${p99 < 100 ? 'yes' : `NO (${p99.toFixed(0)} ms)`}`);
  for (const f of failures) console.log(`  first failures: ${f}`);
  if (errors > 0 || !(p99 < 100)) process.exitCode = 1;
}
