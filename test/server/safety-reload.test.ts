// `applyOnChange: now`: a changed tenant file is applied to stored users in the background,
// through the same re-evaluation (and safety limit) as `scimplan apply`; `next-sync` waits.

import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import type { Database } from '../../server/db/tables.ts';
import { createUser } from '../../server/provision.ts';
import { BackgroundApplier } from '../../server/reevaluate.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, userBody } from './helpers.ts';

let database: OpenDatabase;
let db: Kysely<Database>;
beforeAll(async () => {
  database = await openTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.close();
});

describe('applyOnChange', () => {
  it('applies a changed file at once with `now`, and not with the default `next-sync`', async () => {
    const tenant = uniqueTenant('onchange');
    const first = planOf(tenantYaml(tenant));
    expect(first.applyOnChange).toBe('next-sync');
    for (let i = 0; i < 3; i++) {
      await createUser({ db, plan: first, requestId: 'seed' }, userBody(`e${i}`, `u${i}@example.com`, { title: 'Director' }));
    }
    const applier = new BackgroundApplier(db);
    const nextSync = planOf(tenantYaml(tenant, '  - group: Directors\n    when: function eq "Director"\n'));
    expect(applier.schedule(nextSync)).toBeUndefined();

    const now = planOf(tenantYaml(tenant, '  - group: Directors\n    when: function eq "Director"\napplyOnChange: now\n'));
    expect(now.applyOnChange).toBe('now');
    await applier.schedule(now);
    const users = await db.selectFrom('scim_users').select(['config_hash']).where('tenant', '=', tenant).execute();
    expect(users.every((u) => u.config_hash === now.hash)).toBe(true);
    const events = await db.selectFrom('events').select(['type', 'request_id']).where('tenant', '=', tenant).where('request_id', '=', 'apply').execute();
    expect(events.filter((e) => e.type === 'group.member_added')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'config.applied')).toHaveLength(1);
    // The same file again (a reload of an unchanged directory) starts no run.
    expect(applier.schedule(now)).toBeUndefined();
    await applier.close();
  });
});
