// `scimplan approve TENANT`: releases the deactivations the safety limit held for a tenant
// (pending -> deactivated, with events). Exit 0 done (also when nothing was held), 1 error.

import { withCliDatabase, type DatabaseOptions } from './database.ts';
import type { Io } from './output.ts';
import { callAdmin, type ServerTarget } from './server-client.ts';

export interface ApproveCommandOptions extends DatabaseOptions {
  readonly now?: Date;
  /** Act through this running server's admin API (`POST /api/v1/tenants/{tenant}/approve`); its clock. */
  readonly server?: ServerTarget;
}

export async function runApprove(tenant: string, options: ApproveCommandOptions, io: Io): Promise<number> {
  if (options.server) {
    const { server } = options;
    const answer = await callAdmin(server, `api/v1/tenants/${encodeURIComponent(tenant)}/approve`, io);
    if (answer === undefined) return 1;
    io.out(releasedText(tenant, (answer as { released: number }).released));
    return 0;
  }
  return withCliDatabase(options, io, async (db) => {
    const { approveHeld } = await import('../server/safety.ts');
    const { released } = await approveHeld(db, tenant, options.now ?? new Date());
    io.out(releasedText(tenant, released));
    return 0;
  });
}

function releasedText(tenant: string, released: number): string {
  return released === 0
    ? `no held deactivations for \`${tenant}\`\n`
    : `released ${released} held deactivation${released === 1 ? '' : 's'} of \`${tenant}\`: the accounts are deactivated now\n`;
}
