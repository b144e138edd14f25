// Two `scimplan serve` PROCESSES on one PostgreSQL (TEST_DATABASE_URL; skipped otherwise, as
// PGlite is single-process): users created through both, whose end dates pass a few seconds
// later, are each deactivated exactly once (one `user.deactivated` event each) by the schedulers,
// and both processes stay up. Each run uses its own fresh database, dropped afterwards.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServeProcess } from './serve-process.ts';
import { scimFetch } from './validated-fetch.ts';

const BASE_URL = process.env['TEST_DATABASE_URL'];
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const TENANT = 'procs';
const TOKEN = `procs-token-${Math.random().toString(36).slice(2)}-0123456789`;
const USERS = 60;

const TENANT_YAML = `tenant: ${TENANT}
tokens:
  - env: PROCS_SCIM_TOKEN
timezone: Europe/Amsterdam
key: externalId
schemas:
  - urn: ${ACME}
    alias: acme
    attributes:
      employmentEndDate: dateTime
profile:
  function: title
deactivate:
  when: acme.employmentEndDate le now()
safety: { maxDeactivations: 10000, per: 1h }
`;

const serveProcess = (name: string, configDir: string, databaseUrl: string): ServeProcess =>
  new ServeProcess({ name, configDir, databaseUrl, env: { PROCS_SCIM_TOKEN: TOKEN } });

async function admin<T>(run: (client: pg.Client) => Promise<T>, url = BASE_URL!): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function ready(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url}/readyz not ready within ${timeoutMs} ms: ${last}`);
}

describe.skipIf(!BASE_URL)('two scimplan serve processes on one PostgreSQL', () => {
  const dbName = `scimplan_procs_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  let dbUrl: string;
  let configDir: string | undefined;
  let created = false;
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
    created = true;
    const url = new URL(BASE_URL!);
    url.pathname = `/${dbName}`;
    dbUrl = url.toString();
    configDir = await mkdtemp(join(tmpdir(), 'scimplan-procs-'));
    await writeFile(join(configDir, `${TENANT}.yaml`), TENANT_YAML);
    // Both start at once, as two replicas of a deployment would (migrations race too).
    servers.push(serveProcess('A', configDir, dbUrl), serveProcess('B', configDir, dbUrl));
    try {
      const urls = await Promise.all(servers.map((s) => s.url));
      await Promise.all(urls.map((u) => ready(u, 30_000)));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${servers.map((s) => s.output()).join('\n')}`);
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (configDir) await rm(configDir, { recursive: true, force: true });
    if (created) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
  }, 30_000);

  test('each due account is deactivated exactly once (one event each), and both processes stay up', async () => {
    const [a, b] = [servers[0]!, servers[1]!];
    const urls = [await a.url, await b.url];
    expect(urls[0]).not.toBe(urls[1]);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };

    // Most end dates share one moment (both schedulers wake for the same due rows); the rest
    // are spread over the following 2 s. All lie ahead of the creation of every user.
    const moment = Date.now() + 5_000;
    const endOf = (i: number) => (i % 3 === 0 ? moment + (i % 20) * 100 : moment);
    const ids: string[] = [];
    for (let start = 0; start < USERS; start += 10) {
      const chunk = Array.from({ length: Math.min(10, USERS - start) }, (_, k) => start + k);
      const made = await Promise.all(
        chunk.map(async (i) => {
          const res = await scimFetch(`${urls[i % 2]}/scim/v2/${TENANT}/Users`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ACME],
              userName: `leaver-${i}@procs.example`,
              externalId: `leaver-${i}`,
              active: true,
              [ACME]: { employmentEndDate: new Date(endOf(i)).toISOString() },
            }),
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          expect(res.status, text).toBe(201);
          return (JSON.parse(text) as { id: string }).id;
        }),
      );
      ids.push(...made);
    }
    // Otherwise a request, not a scheduler, could have deactivated some: not what is tested.
    expect(Date.now(), 'all users created before their end dates').toBeLessThan(moment);

    const statuses = () =>
      admin(
        async (c) =>
          (await c.query<{ id: string; status: string; deactivated_at: Date | null }>('select id, status, deactivated_at from scim_users where tenant = $1', [TENANT])).rows,
        dbUrl,
      );
    expect((await statuses()).map((r) => r.status).sort()).toEqual(ids.map(() => 'active'));

    const deadline = Date.now() + 60_000;
    let rows = await statuses();
    while (Date.now() < deadline && rows.filter((r) => r.status === 'deactivated').length < USERS) {
      await new Promise((r) => setTimeout(r, 250));
      rows = await statuses();
    }
    // Each process logs a batch's deactivations after it committed: wait until the logs account
    // for every user, so no batch (a late double one included) is still on its way.
    const done = (s: ServeProcess) =>
      s.logs().filter((l) => l['msg'] === 'scheduler re-checked due accounts').reduce((n, l) => n + Number(l['deactivated'] ?? 0), 0);
    while (Date.now() < deadline && done(a) + done(b) < USERS) await new Promise((r) => setTimeout(r, 100));
    rows = await statuses();

    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(rows.filter((r) => r.status !== 'deactivated'), `${a.output()}\n${b.output()}`).toEqual([]);

    const events = await admin(
      async (c) =>
        (await c.query<{ account_id: string; type: string; request_id: string | null }>(
          `select account_id, type, request_id from events where tenant = $1 and type in ('user.deactivated', 'user.reactivated', 'user.deactivation_held') order by id`,
          [TENANT],
        )).rows,
      dbUrl,
    );
    const perAccount = new Map<string, number>();
    for (const e of events) if (e.type === 'user.deactivated') perAccount.set(e.account_id, (perAccount.get(e.account_id) ?? 0) + 1);
    const doubles = [...perAccount].filter(([, n]) => n !== 1);
    expect(doubles, 'accounts with more than one user.deactivated event').toEqual([]);
    expect([...perAccount.keys()].sort()).toEqual([...ids].sort());
    expect(events.filter((e) => e.type !== 'user.deactivated'), 'no reactivation or held deactivation').toEqual([]);
    expect(new Set(events.map((e) => e.request_id))).toEqual(new Set(['scheduler']));

    // What each process reports having done adds up to one deactivation per account.
    const failed = (s: ServeProcess) => s.logs().filter((l) => l['msg'] === 'scheduler batch failed; retrying').length;
    const endById = new Map(ids.map((id, i) => [id, endOf(i)]));
    const lateness = rows.map((r) => (r.deactivated_at?.getTime() ?? NaN) - endById.get(r.id)!).sort((x, y) => x - y);
    // Diagnostics only: which process did how much, and how late (a scheduler that finds due rows
    // locked by the other backs off for its retry pause, 1 s).
    console.info(
      `scheduler deactivations: A ${done(a)}, B ${done(b)}; failed batches: A ${failed(a)}, B ${failed(b)}; ` +
        `after the end date: median ${lateness[lateness.length >> 1]} ms, max ${lateness[lateness.length - 1]} ms`,
    );
    expect(done(a) + done(b)).toBe(USERS);

    // Both processes are still up and answering.
    expect(a.alive, a.output()).toBe(true);
    expect(b.alive, b.output()).toBe(true);
    for (const url of urls) expect((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);
  }, 120_000);
});
