// Storage: errors that mean "the database cannot be reached now" (503) are told apart from the
// rest (a unique violation, bad SQL: never 503), also from a real connection to a closed port.

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../server/db/availability.ts';
import { openDatabase } from '../../server/db/database.ts';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '57P03', message: 'the database system is starting up' }, true],
    [{ code: '08006', message: 'connection failure' }, true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('Query read timeout'), true],
    [new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), true],
    [new Error('wrapped', { cause: { code: '57P01' } }), true],
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }, false],
    [{ code: '42601', message: 'syntax error' }, false],
    [{ code: '22P05', message: 'unsupported Unicode escape sequence' }, false],
    [new TypeError('x is undefined'), false],
    ['a string', false],
    [null, false],
  ])('%o -> %s', (error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });

  it('holds for what pg raises when nothing listens on the port', async () => {
    const error = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:1/postgres' }).then(
      async (db) => {
        await db.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('holds for a PGlite database that was closed', async () => {
    const db = await openDatabase({ dataDir: 'memory://' });
    await db.close();
    const error = await sql`select 1`.execute(db.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
