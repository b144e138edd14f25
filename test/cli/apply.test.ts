// `scimplan apply` on a copy of the example data: writes what `plan` showed, with events;
// idempotent (a second run changes nothing) and resumable (a stopped run continues).

import { afterEach, describe, expect, it } from 'vitest';
import { reevaluateTenant } from '../../server/reevaluate.ts';
import { edit, exampleData, planOf, run, type ExampleData } from './helpers.ts';

const NOW = ['--now', '2026-05-02T09:00:00Z'];

let data: ExampleData | undefined;
afterEach(async () => {
  await data?.remove();
  data = undefined;
});

/** Events of the tenant by type, and the users' state. */
async function snapshot(d: ExampleData) {
  const db = await d.open();
  try {
    const events = await db.db.selectFrom('events').selectAll().where('tenant', '=', d.tenant).orderBy('id').execute();
    const users = await db.db.selectFrom('scim_users').select(['id', 'status', 'config_hash', 'version', 'profile']).where('tenant', '=', d.tenant).orderBy('id').execute();
    const byType: Record<string, number> = {};
    for (const e of events) if (e.request_id !== 'seed') byType[e.type] = (byType[e.type] ?? 0) + 1;
    return { events, users, byType };
  } finally {
    await db.close();
  }
}

const changedConfig = (yaml: string): string =>
  edit(
    edit(
      edit(yaml, 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n'),
      'when: active eq false or acme.employmentEndDate le now()',
      'when: active eq false or acme.employmentEndDate le now() or enterprise.department eq "Temp"',
    ),
    '  function: title\n',
    '  function: upper(title)\n',
  );

describe('scimplan apply', () => {
  it('writes the changes with events, then a second run changes nothing', async () => {
    data = await exampleData();
    const file = await data.write('changed.yaml', changedConfig(data.yaml));
    const hash = planOf(changedConfig(data.yaml)).hash;

    const first = await data.run(['apply', file, ...data.dbArgs, ...NOW]);
    expect(first.err).toContain('24/24 users evaluated');
    expect(first.code).toBe(0);
    expect(first.out).toContain('applied to 24 users');
    const after = await snapshot(data);
    expect(after.byType).toEqual({ 'user.updated': 24, 'user.deactivated': 4, 'group.member_added': 5, 'config.applied': 1 });
    const applied = after.events.filter((e) => e.request_id === 'apply');
    expect(applied).toHaveLength(34);
    expect(applied.every((e) => e.config_hash === hash)).toBe(true);
    expect(after.events.at(-1)!.type).toBe('config.applied');
    expect(after.users.every((u) => u.config_hash === hash)).toBe(true);
    expect(after.users.filter((u) => u.status === 'deactivated')).toHaveLength(6);
    expect(after.events.filter((e) => e.type === 'user.updated').every((e) => JSON.stringify(e.fields) === '["function"]')).toBe(true);
    // The temps' end date is still ahead: the new clause is what deactivated them, and says so.
    const db = await data.open();
    try {
      const reasons = await db.db.selectFrom('scim_users').select('reason').where('tenant', '=', data.tenant).where('status', '=', 'deactivated').execute();
      expect(reasons.map((r) => r.reason).sort()).toEqual([
        ...Array<string>(2).fill('deactivate.when: active eq false'),
        ...Array<string>(4).fill('deactivate.when: enterprise.department eq "Temp"'),
      ]);
    } finally {
      await db.close();
    }

    const second = await data.run(['apply', file, ...data.dbArgs, ...NOW]);
    expect(second.code).toBe(0);
    expect(second.out).toContain('nothing to apply');
    expect(await snapshot(data)).toEqual(after);
    const plan = await data.run(['plan', file, ...data.dbArgs, ...NOW]);
    expect(plan.code).toBe(0);
  }, 180_000);

  it('resumes a stopped run where it stopped, and each change happens once', async () => {
    data = await exampleData();
    const yaml = changedConfig(data.yaml);
    const plan = planOf(yaml, 'changed.yaml');
    const db = await data.open();
    const controller = new AbortController();
    try {
      const partial = await reevaluateTenant({
        db: db.db,
        plan,
        batchSize: 5,
        now: () => new Date('2026-05-02T09:00:00Z'),
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      expect(partial).toMatchObject({ done: 5, total: 24, completed: false });
      const done = await db.db.selectFrom('scim_users').select('id').where('tenant', '=', data.tenant).where('config_hash', '=', plan.hash).execute();
      expect(done).toHaveLength(5);
    } finally {
      await db.close();
    }
    const file = await data.write('changed.yaml', yaml);
    const rest = await data.run(['apply', file, ...data.dbArgs, ...NOW, '--batch-size', '7']);
    expect(rest.code).toBe(0);
    expect(rest.out).toContain('applied to 19 users');
    const after = await snapshot(data);
    expect(after.byType).toEqual({ 'user.updated': 24, 'user.deactivated': 4, 'group.member_added': 5, 'config.applied': 1 });
    expect(new Set(after.events.filter((e) => e.type === 'user.updated').map((e) => e.account_id)).size).toBe(24);
  }, 180_000);

  it('exits 1 on a file that does not compile and on a missing database', async () => {
    data = await exampleData();
    const broken = await data.write('broken.yaml', edit(data.yaml, '  function: title\n', '  function: title ===\n'));
    expect((await data.run(['apply', broken, ...data.dbArgs])).code).toBe(1);
    const ok = await data.write('ok.yaml', data.yaml);
    expect((await run(['apply', ok, '--data-dir', `${data.dir}/nowhere`])).code).toBe(1);
  }, 120_000);
});
