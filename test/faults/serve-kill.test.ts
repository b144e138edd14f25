// Faults: `kill -9` of `scimplan serve` under load, twice, each time restarted on the same
// PostgreSQL: no acknowledged write is lost and no transaction is half-written (events without
// accounts, memberships without users, accounts without their create event or rule groups).
// Runs on a cluster of its own (TEST_PG_BIN); skipped without one.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster, PG_BIN } from './cluster.ts';
import { halfWritten, lostWrites } from './ledger.ts';
import { Load, ok } from './load.ts';
import { until } from '../server/helpers.ts';
import { ServeProcess } from '../server/serve-process.ts';
import { TENANT, TENANT_YAML, TOKEN_ENV } from './tenant.ts';

const TOKEN = `faults-kill-${Math.random().toString(36).slice(2)}-0123456789`;
const KILLS = 2;
const OK_PER_SERVER = 80;

describe.skipIf(!PG_BIN)('kill -9 of scimplan serve under load, then a restart', () => {
  let cluster: Cluster | undefined;
  let load: Load | undefined;
  let configDir: string | undefined;
  const servers: ServeProcess[] = [];

  beforeAll(async () => {
    cluster = await Cluster.create();
    configDir = await mkdtemp(join(tmpdir(), 'scimplan-fault-kill-'));
    await writeFile(join(configDir, `${TENANT}.yaml`), TENANT_YAML);
  });

  afterAll(async () => {
    await load?.stop();
    for (const server of servers) await server.stop();
    await cluster?.destroy();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  test(`${KILLS} kills under load lose no acknowledged write and leave no half-written state`, async () => {
    const start = async (): Promise<string> => {
      const server = new ServeProcess({ name: `serve-${servers.length}`, configDir: configDir!, databaseUrl: cluster!.url, env: { [TOKEN_ENV]: TOKEN } });
      servers.push(server);
      return server.url;
    };
    let target: string | undefined = await start();
    const live = new Load({ target: () => target, tenant: TENANT, token: TOKEN, runId: `kill-${Date.now().toString(36)}`, workers: 4, maxRequests: 1_500, deadlineMs: 120_000 });
    load = live;
    const state = () => `${live.summary()}\n${servers.at(-1)!.output()}`;
    live.phase = 'serve-0';
    live.start();
    const killedWith: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const phase = `serve-${kill}`;
      await until(`${OK_PER_SERVER} acknowledged writes on ${phase}`, () => live.count(ok, phase) >= OK_PER_SERVER, 30_000, state);
      // Killed with requests in flight: some of their transactions are open in PostgreSQL.
      await until('requests in flight', () => live.inFlight >= 2, 10_000, state);
      const victim = servers.at(-1)!;
      killedWith.push(live.inFlight);
      await victim.kill9();
      expect(victim.exited?.signal).toBe('SIGKILL');
      live.phase = `killed-${kill}`;
      target = undefined;
      const next = await start();
      live.phase = `serve-${kill + 1}`;
      target = next;
    }
    await until(`${OK_PER_SERVER} acknowledged writes on serve-${KILLS}`, () => live.count(ok, `serve-${KILLS}`) >= OK_PER_SERVER, 30_000, state);
    await live.stop();
    const last = servers.at(-1)!;
    expect(last.alive).toBe(true);
    await last.stop();

    // Only the killed requests lack an answer; the rest are 2xx (nothing else failed).
    expect(live.unexpected).toEqual([]);
    expect(live.count((s) => s === 503)).toBe(0);
    const lost = await lostWrites(cluster!.url, TENANT, live);
    expect(lost.creates).toEqual([]);
    expect(lost.titles).toEqual([]);
    const half = await halfWritten(cluster!.url, TENANT);
    expect(half).toEqual({
      eventsWithoutAccount: 0,
      membershipsWithoutUser: 0,
      membershipsWithoutGroup: 0,
      accountsWithoutCreateEvent: 0,
      accountsWithoutEveryone: 0,
      leadsWithoutLeads: 0,
    });
    // An unanswered create either committed whole or left nothing: the accounts are the
    // acknowledged ones plus some of the unanswered ones.
    const unansweredStored = lost.accounts - live.created.size;
    expect(unansweredStored).toBeGreaterThanOrEqual(0);
    expect(unansweredStored).toBeLessThanOrEqual(live.unknownCreates.length);

    console.info(
      `serve-kill: ${JSON.stringify({
        kills: KILLS,
        inFlightAtKill: killedWith,
        requests: live.answers.length,
        ok: live.count(ok),
        unanswered: live.count((s) => s === 'network'),
        ackedCreates: live.created.size,
        unansweredCreates: live.unknownCreates.length,
        unansweredCreatesStored: unansweredStored,
        accounts: lost.accounts,
        lostCreates: lost.creates.length,
        lostTitles: lost.titles.length,
        half,
      })}`,
    );
  });
});
