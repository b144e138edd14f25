// PGlite's named prepared statements (server/db/pglite-prepared.ts): parsed once, bound per call,
// and the one session stays usable after a failing execution or a rolled-back transaction.

import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { CompiledQuery, Kysely } from 'kysely';
import { PGliteDialect } from '../../server/db/pglite-dialect.ts';
import { preparedStatementsOf } from '../../server/db/pglite-prepared.ts';

const pglite = new PGlite();
afterAll(() => pglite.close());

const INSERT = `/* prepared:t-insert */ insert into t (id, note, at) values ($1::int, $2, $3::timestamptz) returning id, note, at`;

describe('PGlite prepared statements', () => {
  it('binds each call, types parameters and results, and survives errors and rollbacks', async () => {
    await pglite.exec('create table t (id int primary key, note text, at timestamptz)');
    const prepared = preparedStatementsOf(pglite);
    const at = new Date('2026-01-02T03:04:05.000Z');
    const first = await prepared.run<{ id: number; note: string | null; at: Date }>('t-insert', INSERT, [1, 'one', at]);
    expect(first.rows).toEqual([{ id: 1, note: 'one', at }]);
    expect((await prepared.run('t-insert', INSERT, [2, null, null])).rows).toEqual([{ id: 2, note: null, at: null }]);
    // A unique violation is the database's error (code, constraint) and leaves the session usable.
    await expect(prepared.run('t-insert', INSERT, [1, 'again', at])).rejects.toMatchObject({ code: '23505', constraint: 't_pkey' });
    // Statements prepared survive a rolled-back transaction (they are the session's, not its).
    await pglite.query('begin');
    await prepared.run('t-insert', INSERT, [3, 'rolled back', at]);
    await pglite.query('rollback');
    expect((await prepared.run('t-insert', INSERT, [3, 'three', at])).rows[0]).toMatchObject({ id: 3, note: 'three' });
    expect((await pglite.query<{ n: number }>('select count(*)::int as n from t')).rows[0]!.n).toBe(3);
    // One name is one text.
    await expect(prepared.run('t-insert', `${INSERT} `, [4, 'x', at])).rejects.toThrow(/two texts/);
  });

  it('belong to the PGlite instance: two Kysely instances over one PGlite prepare a name once', async () => {
    await pglite.exec('create table u (id int primary key)');
    const text = '/* prepared:u-insert */ insert into u (id) values ($1::int) returning id';
    const first = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    const second = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    expect((await first.executeQuery(CompiledQuery.raw(text, [1]))).rows).toEqual([{ id: 1 }]);
    // A second preparation of the name in the session would fail ("already exists").
    expect((await second.executeQuery(CompiledQuery.raw(text, [2]))).rows).toEqual([{ id: 2 }]);
    expect(preparedStatementsOf(pglite)).toBe(preparedStatementsOf(pglite));
  });
});
