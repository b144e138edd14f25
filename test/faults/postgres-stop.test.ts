// Faults: PostgreSQL stops (`pg_ctl stop -m fast`) under load while `scimplan serve` holds pooled
// connections, and starts again. The process stays up, answers 503 (SCIM body, Retry-After) and
// /readyz 503 with the reason while the database is down, 2xx after, and loses no acknowledged
// write. Runs on a cluster of its own (TEST_PG_BIN); skipped without one.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster, PG_BIN, URL_PASSWORD } from './cluster.ts';
import { halfWritten, lostWrites } from './ledger.ts';
import { Load, ok, SCIM_ERROR } from './load.ts';
import { until } from '../server/helpers.ts';
import { ServeProcess } from '../server/serve-process.ts';
import { TENANT, TENANT_YAML, TOKEN_ENV } from './tenant.ts';

const TOKEN = `faults-stop-${Math.random().toString(36).slice(2)}-0123456789`;
const APP_NAME = 'scimplan-fault-stop';

if (!PG_BIN) console.info('test/faults: skipped; set TEST_PG_BIN to the directory of pg_ctl and initdb (.ci/run does) to run the database fault suites');

describe.skipIf(!PG_BIN)('PostgreSQL stops under load and starts again', () => {
  let cluster: Cluster | undefined;
  let server: ServeProcess | undefined;
  let load: Load | undefined;
  let configDir: string | undefined;
  let databaseUrl: string;

  beforeAll(async () => {
    cluster = await Cluster.create();
    databaseUrl = `${cluster.url}?application_name=${APP_NAME}`;
    configDir = await mkdtemp(join(tmpdir(), 'scimplan-fault-stop-'));
    await writeFile(join(configDir, `${TENANT}.yaml`), TENANT_YAML);
    server = new ServeProcess({ name: 'serve', configDir, databaseUrl, env: { [TOKEN_ENV]: TOKEN } });
    await server.url;
  });

  afterAll(async () => {
    await load?.stop();
    await server?.stop();
    await cluster?.destroy();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  test('the server stays up, answers 503 while PostgreSQL is down and 2xx after, and loses no acknowledged write', async () => {
    const url = await server!.url;
    const live = new Load({ target: () => url, tenant: TENANT, token: TOKEN, runId: `stop-${Date.now().toString(36)}`, workers: 4, maxRequests: 1_000, deadlineMs: 90_000 });
    load = live;
    live.start();
    await until('100 acknowledged writes before the fault', () => live.count(ok) >= 100, 30_000, () => `${live.summary()}\n${server!.output()}`);
    // The fault of the issue: PostgreSQL ends the server's pooled connections under it.
    const pooled = await backends(cluster!.url, APP_NAME);
    expect(pooled).toBeGreaterThanOrEqual(1);

    live.phase = 'stopping';
    const stoppingAt = Date.now();
    await cluster!.stop('fast');
    const downAt = Date.now();
    live.phase = 'down';
    await until('20 answers of 503 while PostgreSQL is down', () => live.count((s) => s === 503, 'down') >= 20, 30_000, () => `${live.summary()}\n${server!.output()}`);
    const firstDown503 = live.answers.find((a) => a.phase === 'down' && a.status === 503)!.at - downAt;

    const ready = await fetch(`${url}/readyz`);
    const readyText = await ready.text();
    expect(ready.status).toBe(503);
    const readyBody = JSON.parse(readyText) as { status: string; database: boolean; reasons: string[]; databaseError: { name: string; code?: string } };
    expect(readyBody).toMatchObject({ status: 'unavailable', database: false, tenants: 1 });
    expect(readyBody.reasons).toEqual([expect.stringMatching(/^database not reachable \(ECONNREFUSED\)$/)]);
    expect(readyBody.databaseError).toEqual({ name: expect.any(String), code: 'ECONNREFUSED' });
    expect(readyText).not.toContain(URL_PASSWORD);
    expect(readyText).not.toContain('postgres://');
    const metricsDown = await fetch(`${url}/metrics`);
    const metricsDownText = await metricsDown.text();
    expect(server!.alive).toBe(true);

    live.phase = 'starting';
    await cluster!.start();
    const upAt = Date.now();
    live.phase = 'up';
    await until('100 acknowledged writes after PostgreSQL is back', () => live.count(ok, 'up') >= 100, 30_000, () => `${live.summary()}\n${server!.output()}`);
    const firstUp2xx = live.answers.find((a) => a.phase === 'up' && ok(a.status))!.at - upAt;
    await until('/readyz 200 after PostgreSQL is back', async () => (await fetch(`${url}/readyz`)).status === 200, 10_000);
    await live.stop();

    // The process never went away: every request got an HTTP answer.
    expect(server!.alive).toBe(true);
    expect(live.count((s) => s === 'network')).toBe(0);
    expect(live.unexpected).toEqual([]);
    // Phases are stamped when a request is sent; one answered before the stop began is never a 503.
    expect(live.answers.filter((a) => a.at < stoppingAt && a.status === 503)).toEqual([]);
    expect(live.count(ok, 'down')).toBe(0);
    expect(server!.stderr).not.toMatch(/Unhandled|uncaught/i);
    // Every 503 is a SCIM error body with Retry-After.
    expect(live.unavailable.length).toBeGreaterThanOrEqual(20);
    for (const u of live.unavailable) {
      expect(u.retryAfter).toBe('5');
      expect(u.contentType).toMatch(/^application\/scim\+json/);
      expect(u.body).toMatchObject({ schemas: [SCIM_ERROR], status: '503' });
    }

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const http503 = sumSamples(metrics, /^scimplan_http_requests_total\{[^}]*status="503"[^}]*\}/);
    expect(http503).toBeGreaterThanOrEqual(live.count((s) => s === 503));
    const logs = { unreachable: server!.logCount('database not reachable'), pooledFailed: server!.logCount('a pooled database connection failed; it is replaced on the next query') };
    expect(logs.unreachable).toBeGreaterThanOrEqual(live.count((s) => s === 503, 'down'));
    expect(server!.stdout + server!.stderr).not.toContain(URL_PASSWORD);

    await server!.stop();
    const lost = await lostWrites(cluster!.url, TENANT, live);
    expect(lost.creates).toEqual([]);
    expect(lost.titles).toEqual([]);
    expect(lost.accounts).toBeGreaterThanOrEqual(live.created.size);
    const half = await halfWritten(cluster!.url, TENANT);
    expect(Object.values(half).every((n) => n === 0), JSON.stringify(half)).toBe(true);

    const byPhase = Object.fromEntries(
      ['before', 'stopping', 'down', 'starting', 'up'].map((p) => [p, { sent: live.count(() => true, p), ok: live.count(ok, p), unavailable: live.count((s) => s === 503, p) }]),
    );
    console.info(
      `postgres-stop: ${JSON.stringify({
        requests: live.answers.length,
        ok: live.count(ok),
        unavailable: live.count((s) => s === 503),
        network: live.count((s) => s === 'network'),
        byPhase,
        pooledConnectionsAtStop: pooled,
        first503AfterStopMs: firstDown503,
        first2xxAfterStartMs: firstUp2xx,
        ackedCreates: live.created.size,
        lostCreates: lost.creates.length,
        lostTitles: lost.titles.length,
        readyz: readyBody,
        metricsWhileDown: { status: metricsDown.status, body: metricsDownText.slice(0, 200) },
        metrics503: http503,
        logs,
        half,
      })}`,
    );
  });
});

/** Backends of the cluster opened by `application`. */
async function backends(databaseUrl: string, application: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from pg_stat_activity where application_name = $1', [application]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** The sum of the Prometheus samples whose line starts with `series`. */
function sumSamples(text: string, series: RegExp): number {
  return text
    .split('\n')
    .filter((line) => series.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}
