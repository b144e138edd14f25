// Scheduler: 100,000 due accounts deactivated by the scheduler (claim with SKIP LOCKED, evaluate,
// batch write, events), as accounts/second against the same number of bare single-row UPDATEs.
// PGlite in memory; PostgreSQL when BENCH_DATABASE_URL is set.

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { openDatabase } from '../server/db/database.ts';
import { Scheduler } from '../server/scheduler.ts';
import { report, type Measurement } from './measure.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

export async function benchScheduler(count = Number(process.env['BENCH_SCHEDULER_ACCOUNTS'] ?? 100_000), rounds = 1): Promise<void> {
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  const db = database.db;
  const tenant = `bench-sched-${Math.random().toString(36).slice(2, 8)}`;
  const { plan, diagnostics } = compileTenantFile(
    'bench.yaml',
    `tenant: ${tenant}
tokens: [{ env: BENCH_TOKEN }]
timezone: Europe/Amsterdam
key: externalId
schemas:
  - urn: ${ACME}
    alias: acme
    attributes: { employmentEndDate: dateTime }
profile: { function: title, email: userName }
deactivate: { when: active eq false or acme.employmentEndDate le now() }
safety: { maxDeactivations: 10000000, per: 1h }
`,
  );
  if (!plan) throw new Error(`bench tenant does not compile: ${JSON.stringify(diagnostics)}`);

  const now = new Date('2026-06-01T00:00:00Z');
  const past = new Date('2026-05-01T00:00:00Z');
  const ids: string[] = [];
  try {
    for (let start = 0; start < count; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(start + 1000, count); i++) {
        const id = randomUUID();
        ids.push(id);
        const resource = { userName: `u${i}@example.com`, externalId: `e${i}`, active: true, title: 'Engineer', [ACME]: { employmentEndDate: past.toISOString() } };
        rows.push({
          id,
          tenant,
          key_value: `e${i}`,
          user_name: `u${i}@example.com`,
          external_id: `e${i}`,
          work_email: null,
          resource: JSON.stringify(resource),
          profile: JSON.stringify({ function: 'Engineer', email: `u${i}@example.com` }),
          status: 'active' as const,
          deactivated_at: null,
          reason: null,
          next_check_at: past,
          config_hash: plan.hash,
          created_at: past,
          updated_at: past,
          deleted_at: null,
        });
      }
      await db.insertInto('scim_users').values(rows).execute();
    }
    const reset = async () => {
      await db
        .updateTable('scim_users')
        .set({ status: 'active', deactivated_at: null, reason: null, next_check_at: past })
        .where('tenant', '=', tenant)
        .execute();
      await db.deleteFrom('events').where('tenant', '=', tenant).execute();
    };

    const scheduler = new Scheduler({ db, plans: () => [plan], now: () => now });
    const bare = async () => {
      const reason = `deactivate.when: ${plan.deactivate!.source}`;
      for (let start = 0; start < ids.length; start += 500) {
        const chunk = ids.slice(start, start + 500);
        await db.transaction().execute(async (trx) => {
          for (const id of chunk) {
            await sql`update scim_users set status = 'deactivated', deactivated_at = ${now.toISOString()}::timestamptz, reason = ${reason}, next_check_at = null where id = ${id}`.execute(trx);
          }
        });
      }
    };
    const timed = async (name: string, run: () => Promise<void>): Promise<Measurement> => {
      let best = Infinity;
      for (let r = 0; r < rounds; r++) {
        await reset();
        const start = process.hrtime.bigint();
        await run();
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
      }
      return { name, perSecond: (count / best) * 1000 };
    };

    const baseline = await timed(`${count.toLocaleString('en-US')} bare UPDATEs (500 per transaction)`, bare);
    let checked = 0;
    const measured = await timed('scheduler (claim, evaluate, write, events)', async () => {
      checked = (await scheduler.runDue()).deactivated;
    });
    if (checked !== count) throw new Error(`scheduler deactivated ${checked} of ${count}`);
    const events = await db.selectFrom('events').select(sql<string>`count(*)`.as('n')).where('tenant', '=', tenant).executeTakeFirstOrThrow();
    if (Number(events.n) !== count) throw new Error(`expected ${count} events, found ${events.n}`);
    report(`scheduler: ${count.toLocaleString('en-US')} due accounts deactivated (${database.kind})`, baseline, [measured], 'accounts');
  } finally {
    await db.deleteFrom('events').where('tenant', '=', tenant).execute();
    await db.deleteFrom('scim_users').where('tenant', '=', tenant).execute();
    await database.close();
  }
}
