// `scimplan approve TENANT`: releases the deactivations the safety limit held for a tenant
// (pending -> deactivated, with events). Exit 0 done (also when nothing was held), 1 error.

import { withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';

export interface ApproveCommandOptions extends DatabaseOptions {
  readonly now?: Date;
}

export async function runApprove(tenant: string, options: ApproveCommandOptions, io: Io): Promise<number> {
  return withCliDatabase(options, io, async (db) => {
    const { approveHeld } = await import('../server/safety.ts');
    const { released } = await approveHeld(db, tenant, options.now ?? new Date());
    io.out(
      released === 0
        ? `no held deactivations for \`${tenant}\`\n`
        : `released ${released} held deactivation${released === 1 ? '' : 's'} of \`${tenant}\`: the accounts are deactivated now\n`,
    );
    return 0;
  });
}
