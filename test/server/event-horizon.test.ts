// Server: the events feed without a per-tenant lock (server/db/events.ts). Writers of one tenant
// append concurrently; a reader resuming after the last id it got never skips an event that
// commits later, even when a transaction that took a lower id commits after one with a higher
// id. The concurrent cases run on PostgreSQL only (TEST_DATABASE_URL): PGlite runs one
// transaction at a time. The feed over pre-migration events runs on both.

import type { ControlledTransaction } from 'kysely';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { listEvents, recordEvents } from '../../server/db/events.ts';
import type { Database } from '../../server/db/tables.ts';
import { openTestDatabase, uniqueTenant, until, untilEventsSettled } from './helpers.ts';

let database: OpenDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});

const ctxOf = (tenant: string) => ({ tenant, configHash: null, requestId: 'test', now: new Date() });
const ids = async (tenant: string, after = 0, limit = 100) => (await listEvents(database.db, tenant, after, limit)).map((e) => e.id);

/** An open transaction that writes events of `tenant` and commits when told. */
async function writer(tenant: string) {
  const trx: ControlledTransaction<Database> = await database.db.startTransaction().execute();
  // A regression to a lock would make a writer wait: fail fast instead of hanging the test.
  await sql`set local lock_timeout = '5s'`.execute(trx);
  return {
    /** Gives the transaction its id now, as an earlier write in it would. */
    takeTxid: async () => void (await sql`select pg_current_xact_id()`.execute(trx)),
    /** Writes one event; returns its id. */
    write: async (): Promise<number> => {
      await recordEvents(trx, ctxOf(tenant), [{ type: 'user.updated', fields: ['x'] }]);
      const { rows } = await sql<{ id: string | number }>`select max(id) as id from events where tenant = ${tenant} and txid = pg_current_xact_id()`.execute(trx);
      return Number(rows[0]!.id);
    },
    commit: () => trx.commit().execute(),
    rollback: () => trx.rollback().execute(),
  };
}

describe.skipIf(!process.env['TEST_DATABASE_URL'])('event feed under concurrent writers (PostgreSQL)', () => {
  it('lets two transactions of one tenant hold event inserts at once (no per-tenant lock)', async () => {
    const tenant = uniqueTenant('horizon-free');
    const one = await writer(tenant);
    const two = await writer(tenant);
    const first = await one.write();
    // With a tenant lock this insert would wait for `one` to commit (and fail after lock_timeout):
    // it returns while `one` still holds its own insert, uncommitted.
    const second = await two.write();
    await two.commit();
    await one.commit();
    await untilEventsSettled(database.db, tenant);
    expect(await ids(tenant)).toEqual([first, second]);
  });

  it('holds back a higher id while an older transaction with a lower id is still open, then shows both in id order', async () => {
    const tenant = uniqueTenant('horizon-older');
    const older = await writer(tenant);
    const lower = await older.write();
    const younger = await writer(tenant);
    const higher = await younger.write();
    expect(lower).toBeLessThan(higher);
    await younger.commit();
    // `higher` is committed, but a transaction older than it is running: nothing is shown, so
    // no reader can get past `lower` before it is visible.
    expect(await ids(tenant)).toEqual([]);
    await older.commit();
    await untilEventsSettled(database.db, tenant);
    expect(await ids(tenant)).toEqual([lower, higher]);
    expect(await ids(tenant, higher)).toEqual([]);
  });

  it('delivers a lower id that commits after a higher one to a reader resuming after the higher id', async () => {
    const tenant = uniqueTenant('horizon-younger');
    // `early` has its transaction id before `late` begins (it wrote something else first), but
    // takes its event id after `late` did: the lower event id belongs to the younger transaction.
    const early = await writer(tenant);
    await early.takeTxid();
    const late = await writer(tenant);
    const lower = await late.write();
    const higher = await early.write();
    expect(lower).toBeLessThan(higher);
    await early.commit();
    // Every transaction older than `early` has ended (another test's open write on a shared
    // server can delay this, never change it): the page shows `higher`, not the open `lower`.
    await until('the committed higher id in the feed', async () => (await ids(tenant)).length > 0);
    expect(await ids(tenant)).toEqual([higher]);
    expect(await ids(tenant, higher)).toEqual([]);
    await late.commit();
    await untilEventsSettled(database.db, tenant);
    // Resuming after `higher` (the `next` the reader was given) still gets `lower`, once.
    expect(await ids(tenant, higher)).toEqual([lower]);
    expect(await ids(tenant, lower)).toEqual([]);
    expect(await ids(tenant)).toEqual([higher, lower]);
  });

  it('gives a polling reader every committed event exactly once while writers commit and roll back out of order', async () => {
    const tenant = uniqueTenant('horizon-stress');
    // A fixed sequence of choices (xorshift), so a failure repeats.
    let seed = 0x2545f491;
    const next = () => ((seed ^= seed << 13), (seed ^= seed >>> 17), (seed ^= seed << 5), (seed >>> 0) / 2 ** 32);
    const committed: number[] = [];
    const seen: number[] = [];
    let writing = true;
    const reader = (async () => {
      let after = 0;
      for (;;) {
        const done = !writing;
        const page = await listEvents(database.db, tenant, after, 3);
        seen.push(...page.map((e) => e.id));
        after = page.at(-1)?.id ?? after;
        if (done && page.length === 0) {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from events where tenant = ${tenant} and txid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(database.db);
          if (rows[0]!.n === 0 && (await listEvents(database.db, tenant, after, 3)).length === 0) return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // Rounds of six writers at once (the pool has ten connections; the reader needs one).
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          const w = await writer(tenant);
          if (next() < 0.5) await w.takeTxid();
          await new Promise((resolve) => setTimeout(resolve, next() * 20));
          const mine: number[] = [];
          const count = 1 + Math.floor(next() * 3);
          for (let i = 0; i < count; i++) mine.push(await w.write());
          await new Promise((resolve) => setTimeout(resolve, next() * 30));
          if (next() < 0.25) await w.rollback();
          else {
            await w.commit();
            committed.push(...mine);
          }
        }),
      );
    }
    writing = false;
    await reader;
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((x, y) => x - y)).toEqual([...committed].sort((x, y) => x - y));
  });
});

describe('event feed over events written before the horizon column', () => {
  it('shows them first in id order, resumes after any of them, and treats an unknown id as one of them', async () => {
    const tenant = uniqueTenant('horizon-legacy');
    const legacy = async (): Promise<number> => {
      // As migration 0010 leaves them: txid 0.
      const { rows } = await sql<{ id: string | number }>`insert into events (tenant, type, created_at, txid)
        values (${tenant}, 'user.created', now(), '0') returning id`.execute(database.db);
      return Number(rows[0]!.id);
    };
    const a = await legacy();
    await recordEvents(database.db, ctxOf(tenant), [{ type: 'user.updated' }]);
    const b = await legacy();
    await untilEventsSettled(database.db, tenant);
    const all = await ids(tenant);
    expect(all.slice(0, 2)).toEqual([a, b]);
    expect(all).toHaveLength(3);
    const fresh = all[2]!;
    expect(fresh).toBeLessThan(b);
    expect(await ids(tenant, a)).toEqual([b, fresh]);
    expect(await ids(tenant, b)).toEqual([fresh]);
    expect(await ids(tenant, fresh)).toEqual([]);
    // Not an event of this tenant: events before the column with a larger id, then all later ones.
    expect(await ids(tenant, b + 1_000_000)).toEqual([fresh]);
  });

  it('never shows a transaction its own uncommitted events', async () => {
    const tenant = uniqueTenant('horizon-own');
    await database.db.transaction().execute(async (trx) => {
      await recordEvents(trx, ctxOf(tenant), [{ type: 'user.created' }]);
      expect(await listEvents(trx, tenant)).toEqual([]);
    });
    await untilEventsSettled(database.db, tenant);
    expect(await ids(tenant)).toHaveLength(1);
  });
});
