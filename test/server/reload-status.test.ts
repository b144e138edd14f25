// Server: reload status through serve() on a real port: a broken tenant file keeps its plan
// serving but shows as stale on /readyz and /metrics; a removed file gives its clients a clear
// 404 and keeps the data; a change under load fails no request and switches the config hash;
// close() lets in-flight requests finish. (reload.test.ts covers the plain change and keep.)

import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_HASH_HEADER } from '../../server/app.ts';
import { serve, type Server } from '../../server/main.ts';
import { loadTenantDirectory, TenantRegistry } from '../../server/tenants.ts';
import { openTestDatabase, sha256Hex, uniqueTenant, userBody, until } from './helpers.ts';
import { installResponseValidator } from './validate-responses.ts';

const ADMIN = 'reload-status-admin';
const alpha = uniqueTenant('rs-alpha');
const beta = uniqueTenant('rs-beta');
let server: Server;
let dir: string;
const fileOf = (tenant: string) => join(dir, `${tenant}.yaml`);
// No rate limit to speak of: the load test below creates as fast as the server answers.
const yaml = (tenant: string, profile: string) => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
limits: { requestsPerSecond: 100000 }
profile:
${profile}
`;
const GOOD = yaml(alpha, '  function: title');
const BROKEN = yaml(alpha, '  function: titel\n  costCenter: enterprise.costCentre');
const CHANGED = yaml(alpha, '  jobTitle: title');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-reload-status-'));
  await writeFile(fileOf(alpha), GOOD);
  await writeFile(fileOf(beta), yaml(beta, '  function: title'));
  server = await serve({
    configDir: dir,
    port: 0,
    database: await openTestDatabase(),
    print: () => {},
    logLevel: 'silent', onApp: installResponseValidator,
    adminToken: ADMIN,
    webhook: false,
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function create(tenant: string, token = `secret-${tenant}`): Promise<Response> {
  n++;
  return fetch(`${server.url}/scim/v2/${tenant}/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify(userBody(`k-${n}-${Date.now()}`, `u-${n}-${Date.now()}@example.com`, { title: 'CFO' })),
  });
}
const readyz = async () => (await fetch(`${server.url}/readyz`)).json() as Promise<Record<string, unknown> & { stale: { tenant: string; file: string; codes: string[]; serving: string }[] }>;
const metrics = async () => (await fetch(`${server.url}/metrics`)).text();


describe('reload status', () => {
  it('names the serving config in a response header', async () => {
    const res = await create(alpha);
    expect(res.status).toBe(201);
    expect(res.headers.get(CONFIG_HASH_HEADER)).toBe(sha256Hex(GOOD));
    expect(await readyz()).toMatchObject({ status: 'ready', tenants: 2, stale: [], failedFiles: [] });
  });

  it('keeps serving a broken file’s previous plan, and shows the tenant stale with the file and codes', async () => {
    await writeFile(fileOf(alpha), BROKEN);
    await until('the broken file to show as stale', async () => (await readyz()).stale.length > 0);
    const ready = await readyz();
    expect(ready.status).toBe('ready');
    expect(ready.stale).toEqual([{ tenant: alpha, file: fileOf(alpha), codes: ['E201'], serving: sha256Hex(GOOD), since: expect.any(String) }]);
    expect(JSON.stringify(ready)).not.toContain('titel');

    const text = await metrics();
    expect(text).toContain(`scimplan_tenant_config_stale{tenant="${alpha}",file="${fileOf(alpha)}",codes="E201"} 1`);
    expect(text).toContain(`scimplan_tenant_config_stale{tenant="${beta}",file="${fileOf(beta)}",codes=""} 0`);
    expect(text).toContain(`scimplan_tenant_config_info{tenant="${alpha}",file="${fileOf(alpha)}",hash="${sha256Hex(GOOD)}"} 1`);
    expect(text).not.toContain('titel');

    const res = await create(alpha);
    expect(res.status).toBe(201);
    expect(res.headers.get(CONFIG_HASH_HEADER)).toBe(sha256Hex(GOOD));

    await writeFile(fileOf(alpha), GOOD);
    await until('the stale mark to clear', async () => (await readyz()).stale.length === 0);
    expect(await metrics()).toContain(`scimplan_tenant_config_stale{tenant="${alpha}",file="${fileOf(alpha)}",codes=""} 0`);
  });

  it('fails no request while the file changes under load, and switches to the new config hash', async () => {
    const seen: string[][] = [];
    const failures: number[] = [];
    let stop = false;
    const worker = async (w: number) => {
      seen[w] = [];
      while (!stop) {
        const res = await create(alpha);
        if (res.status !== 201) failures.push(res.status);
        const hash = res.headers.get(CONFIG_HASH_HEADER) ?? '';
        const body = (await res.json()) as Record<string, { profile?: Record<string, unknown> }>;
        const profile = body['urn:ietf:params:scim:schemas:extension:scimplan:2.0:User']?.profile ?? {};
        // The profile is the one of the plan the header names: one plan per request.
        if (hash === sha256Hex(CHANGED) ? !('jobTitle' in profile) : !('function' in profile)) failures.push(-1);
        seen[w]!.push(hash);
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    // Every worker is answered under the old file before the change, and several times under
    // the new one after it, so a failure or a switch back would have had its chance to show.
    await until('every worker to get an answer', async () => seen.every((s) => s.length > 0));
    await writeFile(fileOf(alpha), CHANGED);
    await until('3 answers under the new hash per worker', async () => seen.every((s) => s.filter((h) => h === sha256Hex(CHANGED)).length >= 3));
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    for (const hashes of seen) {
      expect(hashes[0]).toBe(sha256Hex(GOOD));
      // Each worker's requests switch once, and never back.
      const firstNew = hashes.indexOf(sha256Hex(CHANGED));
      expect(firstNew).toBeGreaterThan(0);
      expect(hashes.slice(firstNew).every((h) => h === sha256Hex(CHANGED))).toBe(true);
    }
  });

  it('disables a removed tenant with a clear 404 for its clients, and keeps its data', async () => {
    expect((await create(beta)).status).toBe(201);
    await unlink(fileOf(beta));
    await until('one tenant served', async () => (await readyz()).tenants === 1);

    const res = await create(beta);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(await res.json()).toEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: `tenant \`${beta}\` is not configured` });
    // Without its token the tenant cannot be probed.
    expect((await create(beta, 'wrong-token')).status).toBe(401);
    expect((await readyz()).stale).toEqual([]);
    expect(await metrics()).not.toContain(`tenant="${beta}"`.concat(',file'));

    // The feed shows an event once every older write transaction has ended (a shared PostgreSQL may hold one).
    await until('the user.created event in the feed', async () => {
      const events = await fetch(`${server.url}/api/v1/tenants/${beta}/events`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(events.status).toBe(200);
      return ((await events.json()) as { events: { type: string }[] }).events.some((e) => e.type === 'user.created');
    });

    // Restoring the file serves the tenant again, with its data.
    await writeFile(fileOf(beta), yaml(beta, '  function: title'));
    await until('two tenants served', async () => (await readyz()).tenants === 2);
    const list = await fetch(`${server.url}/scim/v2/${beta}/Users`, { headers: { authorization: `Bearer secret-${beta}` } });
    expect(((await list.json()) as { totalResults: number }).totalResults).toBe(1);
  });

  it('lets in-flight requests finish when the server closes', async () => {
    let arrived = 0;
    // Close the moment the eighth request arrives, while the others are still being answered.
    const closed = new Promise<void>((resolve, reject) => {
      server.app.server.on('request', () => {
        if (++arrived === 8) server.close().then(resolve, reject);
      });
    });
    const inFlight = Array.from({ length: 8 }, () => create(alpha));
    await closed;
    const statuses = await Promise.all(inFlight.map(async (p) => (await p).status));
    expect(statuses).toEqual(Array(8).fill(201));
    await expect(create(alpha)).rejects.toThrow();
  });
});

describe('TenantRegistry.applyLoad', () => {
  it('lists new broken files and duplicate tenant ids as failed files, and keeps removed tenants’ tokens', async () => {
    const own = await mkdtemp(join(tmpdir(), 'scimplan-registry-'));
    try {
      const t = uniqueTenant('reg');
      await writeFile(join(own, 'a.yaml'), yaml(t, '  function: title'));
      const registry = new TenantRegistry();
      expect(registry.applyLoad(await loadTenantDirectory(own))).toEqual({ loaded: [t], unchanged: [], stale: [], removed: [], refused: [] });

      await writeFile(join(own, 'b.yaml'), yaml(t, '  jobTitle: title'));
      await writeFile(join(own, 'c.yaml'), 'tenant: [broken');
      const summary = registry.applyLoad(await loadTenantDirectory(own));
      expect(summary).toEqual({
        loaded: [],
        unchanged: [t],
        stale: [],
        removed: [],
        refused: [{ tenant: t, file: join(own, 'b.yaml'), holder: join(own, 'a.yaml'), others: [join(own, 'a.yaml')] }],
      });
      expect(registry.failedFiles()).toEqual([
        { file: join(own, 'b.yaml'), codes: ['E008'] },
        { file: join(own, 'c.yaml'), codes: expect.arrayContaining([expect.stringMatching(/^E00\d$/)]) },
      ]);

      await unlink(join(own, 'a.yaml'));
      // b.yaml now declares the tenant alone: it takes over, nothing is removed.
      expect(registry.applyLoad(await loadTenantDirectory(own))).toEqual({ loaded: [t], unchanged: [], stale: [], removed: [], refused: [] });
      expect(registry.states().map((s) => s.file)).toEqual([join(own, 'b.yaml')]);

      await unlink(join(own, 'b.yaml'));
      expect(registry.applyLoad(await loadTenantDirectory(own)).removed).toEqual([t]);
      expect(registry.get(t)).toBeUndefined();
      expect(registry.removed(t)?.tokenDigests).toHaveLength(1);
      expect(registry.states()).toEqual([]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
