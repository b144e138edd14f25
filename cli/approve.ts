// `scimplan approve TENANT`: releases the deactivations the safety limit held for a tenant
// (pending -> deactivated, with events). Exit 0 done (also when nothing was held), 1 error.

import { describeDbError, openCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';

export interface ApproveCommandOptions extends DatabaseOptions {
  readonly now?: Date;
}

export async function runApprove(tenant: string, options: ApproveCommandOptions, io: Io): Promise<number> {
  let database;
  try {
    database = await openCliDatabase(options);
  } catch (error) {
    io.err(`error: cannot open the database: ${describeDbError(error)}\n`);
    return 1;
  }
  try {
    const { approveHeld } = await import('../server/safety.ts');
    const { released } = await approveHeld(database.db, tenant, options.now ?? new Date());
    io.out(
      released === 0
        ? `no held deactivations for \`${tenant}\`\n`
        : `released ${released} held deactivation${released === 1 ? '' : 's'} of \`${tenant}\`: the accounts are deactivated now\n`,
    );
    return 0;
  } catch (error) {
    io.err(`error: ${describeDbError(error)}\n`);
    return 1;
  } finally {
    await database.close();
  }
}
