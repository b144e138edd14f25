// Server: a request's transaction that PostgreSQL rolls back as a deadlock victim (or a
// serialization failure) runs again, leaving nothing of the failed run; other errors pass. An
// optimistic one-statement write rolled back that way reads as a version that changed meanwhile.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { scimError } from '../../server/errors.ts';
import { transact, unlessConflict, type ProvisionContext } from '../../server/request.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant } from './helpers.ts';

const conflict = (code: string) => Object.assign(new Error(`simulated ${code}`), { code });

async function context(): Promise<ProvisionContext> {
  const { db } = await openTestDatabase();
  await sql`create table if not exists transact_probe (tenant text, n int)`.execute(db);
  return { db, plan: planOf(tenantYaml(uniqueTenant('transact'))), requestId: 'transact-test' };
}

const rows = async (ctx: ProvisionContext) =>
  (await sql<{ n: number }>`select n from transact_probe where tenant = ${ctx.plan.tenant} order by n`.execute(ctx.db)).rows.map((r) => r.n);

describe('transact', () => {
  it.each(['40P01', '40001'])('runs a transaction rolled back with %s again; the failed run leaves nothing', async (code) => {
    const ctx = await context();
    let runs = 0;
    const result = await transact(ctx, async (trx) => {
      runs++;
      await sql`insert into transact_probe values (${ctx.plan.tenant}, ${runs})`.execute(trx);
      if (runs === 1) throw conflict(code);
      return 'done';
    }, () => scimError('USER_EXISTS', { attribute: 'userName' }));
    expect(result).toBe('done');
    expect(runs).toBe(2);
    expect(await rows(ctx)).toEqual([2]);
  });

  it('gives up after three runs, and passes any other error at once', async () => {
    const ctx = await context();
    let runs = 0;
    await expect(transact(ctx, async () => {
      runs++;
      throw conflict('40P01');
    }, () => scimError('USER_EXISTS', { attribute: 'userName' }))).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(3);
    runs = 0;
    await expect(transact(ctx, async () => {
      runs++;
      throw conflict('22P02');
    }, () => scimError('USER_EXISTS', { attribute: 'userName' }))).rejects.toMatchObject({ code: '22P02' });
    expect(runs).toBe(1);
  });
});

describe('unlessConflict', () => {
  it('reads a rolled-back optimistic write as "changed meanwhile" (undefined) and passes values and other errors', async () => {
    await expect(unlessConflict(async () => { throw conflict('40P01'); })).resolves.toBeUndefined();
    await expect(unlessConflict(async () => { throw conflict('40001'); })).resolves.toBeUndefined();
    await expect(unlessConflict(async () => 7)).resolves.toBe(7);
    await expect(unlessConflict(async () => { throw conflict('23505'); })).rejects.toMatchObject({ code: '23505' });
  });
});
