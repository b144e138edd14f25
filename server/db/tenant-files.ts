// Storage: the tenant_files repository: tenant id -> the config file that last served it (and
// its hash), read at start-up and written after every load of the config folder.

import type { Db } from './users.ts';

/** tenant id -> file, as the last process recorded it. */
export async function recordedTenantFiles(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('tenant_files').select(['tenant', 'file']).execute();
  return new Map(rows.map((r) => [r.tenant, r.file]));
}

/** Records the serving file of each tenant (one upsert for all of them). */
export async function recordTenantFiles(db: Db, serving: readonly { tenant: string; file: string; hash: string }[], now: Date = new Date()): Promise<void> {
  if (serving.length === 0) return;
  await db
    .insertInto('tenant_files')
    .values(serving.map((s) => ({ tenant: s.tenant, file: s.file, hash: s.hash, updated_at: now })))
    .onConflict((oc) => oc.column('tenant').doUpdateSet((eb) => ({ file: eb.ref('excluded.file'), hash: eb.ref('excluded.hash'), updated_at: eb.ref('excluded.updated_at') })))
    .execute();
}
