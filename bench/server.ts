// Server throughput: autocannon on 127.0.0.1 against `scimplan serve` (PGlite, and PostgreSQL when
// BENCH_DATABASE_URL or DATABASE_URL is set) and bare fastify baselines in child processes.
// Reports requests/s per scenario as a ratio to bare fastify on the same storage, and one
// tenant's create throughput with 1, 4 and 10 connections.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, load, rssMb, startChild, stopChild, type CannonRequest, type CannonResult, type Child } from './load.ts';
import { report, type Measurement } from './measure.ts';
import { createDatabase } from './pg-database.ts';
import { tenantYaml, users } from './synthetic.ts';

const tenant = 'bench';
const usersPath = `/scim/v2/${tenant}/Users`;
const userSchema = 'urn:ietf:params:scim:schemas:core:2.0:User';
const patchSchema = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Target {
  readonly name: string;
  readonly server: 'bare' | 'scimplan';
  readonly storage: 'pglite' | 'postgres';
}

interface Scenario {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Answers by HTTP status. */
  readonly statusCounts: readonly (readonly [string, number])[];
  /** Lookups that did not find exactly one user. */
  readonly mismatches: number;
}

interface TargetResult {
  readonly target: Target;
  readonly create: Scenario;
  /** Create requests/s by number of connections (SCALING). */
  readonly createBy: Readonly<Record<number, number>>;
  readonly lookup: Scenario;
  readonly patch: Scenario;
  readonly seedRps: number;
  /** Users created by the seeding requests (the target is `Settings.users`). */
  readonly seeded: number;
  /** RSS in MB after start-up, after 1,000 users, after all seeded users, after the load. */
  readonly rss: readonly [number, number, number, number];
}

function scenario(result: CannonResult, mismatches = 0): Scenario {
  const statusCounts = Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count] as const);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    rps: result.requests.total / Math.max(result.duration, 0.001),
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCounts,
    mismatches,
  };
}

const templates = users(1_000);

function userBody(prefix: string, i: number): string {
  const template = templates[i % templates.length]!;
  return JSON.stringify({ ...template, schemas: [userSchema], userName: `${prefix}${i}@example.com`, externalId: `${prefix}-${i}` });
}

/** A server under test, started and seeded: what its scenarios need and what they found. */
interface Running {
  readonly target: Target;
  readonly child: Child;
  readonly common: { readonly url: string; readonly headers: Record<string, string>; readonly connections: number };
  /** Ids of the seeded users, for PATCH. */
  readonly ids: string[];
  /** Users that surely exist, for lookups. */
  readonly lookupAmong: number;
  readonly seedRps: number;
  readonly rss: number[];
  /** Creates so far: each create request has a new userName. */
  created: number;
  titles: number;
}

/** Seeds the running `child` with `Settings.users` users over HTTP and keeps their ids. */
async function seedTarget(target: Target, child: Child, token: string, settings: Settings, afterSeed?: () => Promise<void>): Promise<Running> {
  const headers = { 'content-type': 'application/scim+json', authorization: `Bearer ${token}` };
  const common = { url: child.url, headers, connections: settings.connections };
  const pid = child.process.pid!;
  const rss = [await rssMb(pid)];

  // Seed: concurrent POSTs of user0..userN-1, keeping the ids for PATCH.
  const ids: string[] = [];
  let next = 0;
  const seedSetup = (request: CannonRequest) => ({ ...request, path: usersPath, body: userBody('user', next++) });
  const collect = (status: number, body: string) => {
    if (status !== 201) return;
    const id = /"id"\s*:\s*"([^"]+)"/.exec(body)?.[1];
    if (id) ids.push(id);
  };
  const seedStart = Date.now();
  const firstBatch = Math.min(1_000, settings.users);
  const seed1 = await load({ ...common, method: 'POST', setup: seedSetup, onResponse: collect, amount: firstBatch, limitSeconds: 60 });
  rss.push(await rssMb(pid));
  const seed2 =
    settings.users > firstBatch
      ? await load({ ...common, method: 'POST', setup: seedSetup, onResponse: collect, amount: settings.users - firstBatch, limitSeconds: 150 })
      : seed1;
  const seedRps = ids.length / ((Date.now() - seedStart) / 1000);
  rss.push(await rssMb(pid));
  // On PostgreSQL, statistics as a database in service has them (bare and scimplan alike).
  await afterSeed?.();
  const seedFailures = seed1.non2xx + seed1.errors + (seed2 === seed1 ? 0 : seed2.non2xx + seed2.errors);
  if (seedFailures > 0 || ids.length < settings.users) {
    const why = seedFailures > 0 ? `${seedFailures} failed requests` : 'the seeding time limit was reached';
    warn(`${target.name}: seeding created ${ids.length} of ${settings.users} users (${why}); lookups ran at that size`, seedFailures > 0 ? child : undefined);
  }
  // If seeding was cut short by its time limit, look up only among the users that surely exist.
  const lookupAmong = ids.length >= settings.users ? settings.users : Math.max(1, ids.length - 2 * settings.connections);
  return { target, child, common, ids, lookupAmong, seedRps, rss, created: 0, titles: 0 };
}

type ScenarioName = 'lookup' | 'patch' | 'create';

/** One run of `kind` against `r` for `seconds` (`connections` for the create scaling runs); lookups that did not find exactly one user are counted. */
async function runScenario(r: Running, kind: ScenarioName, seconds: number, connections = r.common.connections): Promise<Scenario> {
  const common = { ...r.common, connections, seconds, limitSeconds: seconds + 20 };
  if (kind === 'lookup') {
    // Lookup by userName among the seeded users; each must find exactly one.
    let mismatches = 0;
    const result = await load({
      ...common,
      method: 'GET',
      setup: (request) => {
        const n = Math.floor(Math.random() * r.lookupAmong);
        return { ...request, path: `${usersPath}?filter=${encodeURIComponent(`userName eq "user${n}@example.com"`)}`, body: undefined };
      },
      onResponse: (status, body) => {
        if (status === 200 && !/"totalResults"\s*:\s*1\s*[,}]/.test(body)) mismatches++;
      },
    });
    return scenario(result, mismatches);
  }
  if (kind === 'patch') {
    // PATCH replace of title on random existing users.
    const result = await load({
      ...common,
      method: 'PATCH',
      setup: (request) => {
        const id = r.ids[Math.floor(Math.random() * r.ids.length)];
        const body = JSON.stringify({ schemas: [patchSchema], Operations: [{ op: 'replace', path: 'title', value: `Title ${r.titles++ % 100}` }] });
        return { ...request, path: `${usersPath}/${id}`, body };
      },
    });
    return scenario(result);
  }
  // Create: a new userName and externalId per request.
  const prefix = connections === r.common.connections ? 'new' : `c${connections}-`;
  const result = await load({ ...common, method: 'POST', setup: (request) => ({ ...request, path: usersPath, body: userBody(prefix, r.created++) }) });
  return scenario(result);
}

/** Runs of one scenario as one: requests over time, the worst p99, every failure. */
function merged(runs: readonly Scenario[]): Scenario {
  const requests = runs.reduce((n, s) => n + s.requests, 0);
  const seconds = runs.reduce((n, s) => n + s.seconds, 0);
  const statuses = new Map<string, number>();
  for (const s of runs) for (const [code, count] of s.statusCounts) statuses.set(code, (statuses.get(code) ?? 0) + count);
  return {
    requests,
    seconds,
    rps: requests / Math.max(seconds, 0.001),
    p99: Math.max(...runs.map((s) => s.p99)),
    non2xx: runs.reduce((n, s) => n + s.non2xx, 0),
    errors: runs.reduce((n, s) => n + s.errors, 0),
    statusCounts: [...statuses],
    mismatches: runs.reduce((n, s) => n + s.mismatches, 0),
  };
}

/**
 * Every scenario against both servers of one storage (`pair`: bare, then scimplan), interleaved:
 * each scenario runs in `ROUNDS` halves per server, in the order A B B A, so that the two sides
 * of a ratio are measured within seconds of each other and a drift of the machine's speed
 * over the run falls on both alike.
 */
async function drivePair(pair: readonly Running[], settings: Settings): Promise<TargetResult[]> {
  const runs = new Map<Running, Record<string, Scenario[]>>(pair.map((r) => [r, {}]));
  const interleaved = async (key: string, run: (r: Running) => Promise<Scenario>) => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of round % 2 === 0 ? pair : [...pair].reverse()) (runs.get(r)![key] ??= []).push(await run(r));
    }
  };
  const half = settings.seconds / ROUNDS;
  for (const kind of ['lookup', 'patch', 'create'] as const) await interleaved(kind, (r) => runScenario(r, kind, half));
  // One tenant's create throughput with fewer connections (`settings.connections` is the create above).
  const scaling = SCALING.filter((c) => c !== settings.connections);
  for (const connections of scaling) await interleaved(`create-${connections}`, (r) => runScenario(r, 'create', settings.scalingSeconds / ROUNDS, connections));
  const results: TargetResult[] = [];
  for (const r of pair) {
    const of = runs.get(r)!;
    const create = merged(of['create']!);
    const createBy: Record<number, number> = { [settings.connections]: create.rps };
    for (const connections of scaling) {
      const scaled = merged(of[`create-${connections}`]!);
      if (scaled.non2xx + scaled.errors > 0) warn(`${r.target.name} create with ${connections} connections: ${scaled.non2xx} non-2xx, ${scaled.errors} errors`, r.child);
      createBy[connections] = scaled.rps;
    }
    r.rss.push(await rssMb(r.child.process.pid!));
    const result: TargetResult = {
      target: r.target,
      createBy,
      create,
      lookup: merged(of['lookup']!),
      patch: merged(of['patch']!),
      seedRps: r.seedRps,
      seeded: r.ids.length,
      rss: [r.rss[0]!, r.rss[1]!, r.rss[2]!, r.rss[3]!],
    };
    for (const [name, s] of [['create', result.create], ['lookup', result.lookup], ['patch', result.patch]] as const) {
      if (s.non2xx > 0 || s.errors > 0 || s.mismatches > 0) {
        warn(`${r.target.name} ${name}: ${s.non2xx} non-2xx (${s.statusCounts.map(([code, count]) => `${code}: ${count}`).join(', ')}), ${s.errors} connection errors, ${s.mismatches} lookups without exactly one user`, r.child);
      }
    }
    results.push(result);
  }
  return results;
}

/** Halves per server of each scenario, in the order A B B A. */
const ROUNDS = 2;

let warnings = 0;
function warn(message: string, child?: Child): void {
  warnings++;
  console.log(`\n!!!!!!!! WARNING: ${message}`);
  if (child) console.log(`!!!!!!!! last output of the server:\n${child.tail().trim().split('\n').slice(-15).join('\n')}`);
}

/** Connection counts of the create scaling run. */
const SCALING = [1, 4, 10];

interface Settings {
  readonly seconds: number;
  readonly scalingSeconds: number;
  readonly connections: number;
  readonly users: number;
  /** Group rules in the bench tenant file. */
  readonly rules: number;
}

/** A server of `target` started on its own fresh storage; `stop` stops it and drops that storage. */
async function startTarget(target: Target, settings: Settings, databaseUrl: string | undefined, work: string): Promise<{ child: Child; token: string; analyze?: () => Promise<void>; stop: () => Promise<void> }> {
  const token = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_SCIM_TOKEN: token, LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn' };
  delete env['DATABASE_URL'];
  const dir = mkdtempSync(join(work, `${target.server}-${target.storage}-`));
  const database = target.storage === 'postgres' ? await createDatabase(databaseUrl!, target.server) : undefined;
  if (database) env['DATABASE_URL'] = database.url;
  let child: Child | undefined;
  const stop = async () => {
    if (child) {
      if (child.process.exitCode !== null || child.process.signalCode !== null) warn(`${target.name} exited during the run`, child);
      await stopChild(child.process);
    }
    await database?.drop().catch((e: unknown) => warn(`could not drop the bench database: ${(e as Error).message}`));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (target.server === 'bare') {
      child = await startChild(target.name, ['--import', 'tsx', 'bench/bare-server.ts', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'data')], env);
    } else {
      const config = join(dir, 'tenants');
      // No rate limit: the run measures throughput against a baseline that has none.
      const yaml = `${tenantYaml(tenant, settings.rules).replace('env: BENCH_TOKEN', 'env: BENCH_SCIM_TOKEN')}limits:\n  requestsPerSecond: 100000\n`;
      mkdirSync(config);
      writeFileSync(join(config, `${tenant}.yaml`), yaml);
      child = await startChild(
        target.name,
        ['bin/scimplan.js', 'serve', '--config', config, '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'data')],
        env,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, token, ...(database ? { analyze: () => database.analyze() } : {}), stop };
}

/** Both servers of one storage (bare, then scimplan): started, seeded one after the other, then loaded interleaved (`drivePair`). */
async function runStorage(pair: readonly Target[], settings: Settings, databaseUrl: string | undefined, work: string): Promise<TargetResult[]> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const seeded: Running[] = [];
    for (const target of pair) {
      const started = Date.now();
      process.stdout.write(`${target.name}: `);
      const server = await startTarget(target, settings, databaseUrl, work);
      stops.push(server.stop);
      const running = await seedTarget(target, server.child, server.token, settings, server.analyze);
      seeded.push(running);
      console.log(`started and seeded ${running.ids.length.toLocaleString('en-US')} users at ${Math.round(running.seedRps)} users/s in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    const started = Date.now();
    const results = await drivePair(seeded, settings);
    console.log(`${pair.map((t) => t.name).join(' and ')}: loaded, interleaved, in ${Math.round((Date.now() - started) / 1000)} s`);
    return results;
  } finally {
    for (const stop of stops) await stop();
  }
}

export async function benchServer(): Promise<void> {
  const settings: Settings = {
    seconds: Number(process.env['BENCH_SERVER_SECONDS'] ?? 10),
    scalingSeconds: Number(process.env['BENCH_SERVER_SCALING_SECONDS'] ?? 5),
    connections: Number(process.env['BENCH_SERVER_CONNECTIONS'] ?? 10),
    users: Number(process.env['BENCH_SERVER_USERS'] ?? 10_000),
    // A mid-sized customer tenant; the examples have 5 group rules, plan-eval's bench tenant 50.
    rules: Number(process.env['BENCH_SERVER_RULES'] ?? 10),
  };
  const databaseUrl = process.env['BENCH_DATABASE_URL'] || process.env['DATABASE_URL'] || undefined;
  // Each scimplan target beside its baseline, their scenarios interleaved (drivePair): this
  // machine's speed drifts over minutes (the same bare baseline measured 4,549 and 6,672
  // creates/s 90 minutes apart), so the two of a ratio are measured as close together as they can be.
  const targets: Target[] = [
    ...(databaseUrl
      ? ([
          { name: 'bare fastify + PostgreSQL', server: 'bare', storage: 'postgres' },
          { name: 'scimplan + PostgreSQL', server: 'scimplan', storage: 'postgres' },
        ] as const)
      : []),
    { name: 'bare fastify + PGlite', server: 'bare', storage: 'pglite' },
    { name: 'scimplan + PGlite', server: 'scimplan', storage: 'pglite' },
  ];
  console.log(
    `\n# server: autocannon on 127.0.0.1, ${settings.connections} connections, ${settings.seconds} s per scenario and server ` +
      `(in ${ROUNDS} halves, interleaved with the baseline's: A B B A), ` +
      `lookups and patches among ${settings.users.toLocaleString('en-US')} seeded users; ` +
      `scimplan tenant: bench/synthetic.ts tenantYaml with ${settings.rules} group rules (BENCH_SERVER_RULES)`,
  );
  if (!databaseUrl) console.log('PostgreSQL skipped: set BENCH_DATABASE_URL (or DATABASE_URL) to include bare fastify + PostgreSQL and scimplan + PostgreSQL');

  const work = mkdtempSync(join(tmpdir(), 'scimplan-bench-'));
  const onSignal = () => {
    killAll();
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('exit', killAll);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: TargetResult[] = [];
  try {
    for (const storage of ['postgres', 'pglite'] as const) {
      const pair = targets.filter((t) => t.storage === storage);
      if (pair.length === 0) continue;
      try {
        results.push(...(await runStorage(pair, settings, databaseUrl, work)));
      } catch (error) {
        warn(`${pair.map((t) => t.name).join(' and ')} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    killAll();
    process.off('exit', killAll);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(work, { recursive: true, force: true });
  }
  printResults(results, settings);
  if (warnings > 0) {
    console.log(`\n!!!!!!!! ${warnings} warning(s) above: read them before trusting these numbers`);
    process.exitCode = 1;
  }
}

function printResults(results: readonly TargetResult[], settings: Settings): void {
  const bareOf = (storage: Target['storage']) => results.find((r) => r.target.server === 'bare' && r.target.storage === storage);
  const scenarios = [
    ['create', `server create: POST /Users, a new user per request`],
    ['lookup', `server lookup: GET /Users?filter=userName eq "userN" at ${settings.users.toLocaleString('en-US')} users`],
    ['patch', 'server patch: PATCH /Users/{id} replace title'],
  ] as const;
  for (const [key, title] of scenarios) {
    const m = (r: TargetResult): Measurement => ({ name: r.target.name, perSecond: r[key].rps });
    // Each storage against bare fastify on the same storage.
    for (const storage of ['postgres', 'pglite'] as const) {
      const baseline = bareOf(storage);
      const others = results.filter((r) => r.target.server === 'scimplan' && r.target.storage === storage);
      if (baseline) report(`${title} (${storage})`, m(baseline), others.map(m), 'req');
      else for (const r of others) console.log(`\n## ${title}\n(no bare baseline measured) ${r.target.name}  ${Math.round(r[key].rps)} req/s`);
    }
    const width = Math.max(...results.map((r) => r.target.name.length));
    for (const r of results) {
      const s = r[key];
      const bad =
        (s.non2xx + s.errors + s.mismatches > 0 ? '   <-- !!! FAILED REQUESTS' : '') +
        (r.seeded < settings.users ? `   (only ${r.seeded.toLocaleString('en-US')} users seeded)` : '');
      console.log(`  ${r.target.name.padEnd(width)}  p99 ${String(s.p99).padStart(5)} ms   non-2xx ${s.non2xx}   errors ${s.errors}${bad}`);
    }
  }
  console.log(`\n## one tenant's create throughput by connections (req/s; ratio to 1 connection)`);
  const nameWidth = Math.max(...results.map((r) => r.target.name.length));
  for (const r of results) {
    const one = r.createBy[1] ?? NaN;
    const cells = SCALING.map((c) => `${c}: ${Math.round(r.createBy[c] ?? NaN)} (${((r.createBy[c] ?? NaN) / one).toFixed(2)}x)`.padStart(20));
    console.log(`  ${r.target.name.padEnd(nameWidth)}  ${cells.join('')}`);
  }
  console.log('\n## server memory: RSS of the server process (MB); scimplan holds no user cache');
  const width = Math.max(...results.map((r) => r.target.name.length));
  console.log(`  ${''.padEnd(width)}  ${['after start', '1,000 users', `${settings.users.toLocaleString('en-US')} users`, 'after load'].map((h) => h.padStart(14)).join('')}`);
  for (const r of results) {
    const short = r.seeded < settings.users ? `   (only ${r.seeded.toLocaleString('en-US')} users seeded)` : '';
    console.log(`  ${r.target.name.padEnd(width)}  ${r.rss.map((v) => v.toFixed(0).padStart(14)).join('')}${short}`);
  }
  for (const r of results.filter((x) => x.target.server === 'scimplan')) {
    const bare = results.find((x) => x.target.server === 'bare' && x.target.storage === r.target.storage);
    const growth = r.rss[2] - r.rss[1];
    const bareGrowth = bare ? ` (bare fastify on the same storage: ${signed(bare.rss[2] - bare.rss[1])} MB)` : '';
    console.log(`  ${r.target.name}: ${signed(growth)} MB from 1,000 to ${settings.users.toLocaleString('en-US')} users${bareGrowth}`);
  }
}

function signed(mb: number): string {
  return `${mb >= 0 ? '+' : ''}${mb.toFixed(0)}`;
}
