// Faults: PostgreSQL hangs (its processes frozen with SIGSTOP: connections stay open, nothing
// answers). /readyz still answers, 503 within its 2 s query timeout with the reason, and 200
// again once the database thaws. Runs on a cluster of its own (TEST_PG_BIN); skipped without one.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster, PG_BIN } from './cluster.ts';
import { until } from '../server/helpers.ts';
import { ServeProcess } from '../server/serve-process.ts';
import { TENANT, TENANT_YAML, TOKEN_ENV } from './tenant.ts';

describe.skipIf(!PG_BIN)('PostgreSQL hangs', () => {
  let cluster: Cluster | undefined;
  let server: ServeProcess | undefined;
  let configDir: string | undefined;

  beforeAll(async () => {
    cluster = await Cluster.create();
    configDir = await mkdtemp(join(tmpdir(), 'scimplan-fault-hang-'));
    await writeFile(join(configDir, `${TENANT}.yaml`), TENANT_YAML);
    server = new ServeProcess({ name: 'serve', configDir, databaseUrl: cluster.url, env: { [TOKEN_ENV]: 'faults-hang-token-0123456789' } });
    await server.url;
  });

  afterAll(async () => {
    await server?.stop();
    await cluster?.destroy();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  test('/readyz answers 503 with the reason within its timeout, and 200 after', async () => {
    const url = await server!.url;
    await until('/readyz 200', async () => (await fetch(`${url}/readyz`)).status === 200, 10_000);
    const frozen = await cluster!.signal('SIGSTOP');
    expect(frozen).toBeGreaterThanOrEqual(2);
    const started = Date.now();
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const tookMs = Date.now() - started;
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', database: false, tenants: 1, reasons: ['database did not answer within 2000 ms'] });
    expect(tookMs).toBeGreaterThanOrEqual(1_900);
    expect(tookMs).toBeLessThan(5_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await cluster!.signal('SIGCONT');
    await until('/readyz 200 after the database thawed', async () => (await fetch(`${url}/readyz`)).status === 200, 10_000);
    expect(server!.alive).toBe(true);
    console.info(`postgres-hang: ${JSON.stringify({ frozenProcesses: frozen, readyzMs: tookMs })}`);
  });
});
