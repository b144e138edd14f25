// `scimplan plan` on a copy of the example data: counts per kind of change, and the exit code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edit, exampleData, run, type ExampleData } from './helpers.ts';

const NOW = ['--now', '2026-05-02T09:00:00Z'];

let data: ExampleData;
beforeAll(async () => {
  data = await exampleData();
}, 60_000);
afterAll(async () => {
  await data?.remove();
});

async function planJson(yaml: string, ...extra: string[]): Promise<{ code: number; json: Record<string, any>; err: string }> {
  const file = await data.write(`v${Math.random().toString(36).slice(2)}.yaml`, yaml);
  const r = await data.run(['plan', file, ...data.dbArgs, ...NOW, '--format', 'json', ...extra]);
  return { code: r.code, json: r.out ? JSON.parse(r.out) : {}, err: r.err };
}

describe('scimplan plan', () => {
  it('reports nothing for the file the users were stored with (exit 0)', async () => {
    const file = await data.write('same.yaml', data.yaml);
    const r = await data.run(['plan', file, ...data.dbArgs, ...NOW]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('24 users stored, 0 would change');
    expect(r.out).toContain('no changes');
  });

  it('counts the group additions of a new rule (exit 2)', async () => {
    const yaml = edit(data.yaml, 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n');
    const { code, json } = await planJson(yaml);
    expect(code).toBe(2);
    expect(json.users).toBe(24);
    expect(json.changedUsers).toBe(5);
    expect(json.groups).toEqual({ users: 5, additions: { Engineering: 5 } });
    expect(json.profile).toEqual({ users: 0, fields: {} });
    expect(json.deactivations).toBe(0);
    expect(json.changes.map((c: { userName: string }) => c.userName)).toHaveLength(5);
  });

  it('counts the profile changes of a changed mapping, by field', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    const { code, json } = await planJson(yaml);
    expect(code).toBe(2);
    expect(json.profile).toEqual({ users: 24, fields: { function: 24 } });
    expect(json.deactivations).toBe(0);
    expect(json.changes[0].fields).toEqual(['function']);
  });

  it('prints values only with --show-values', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    const file = await data.write('upper.yaml', yaml);
    const plain = await data.run(['plan', file, ...data.dbArgs, ...NOW]);
    expect(plain.code).toBe(2);
    expect(plain.out).toMatch(/~ profile changes: +24 users/);
    expect(plain.out).toMatch(/user1@acme\.example \([0-9a-f-]{36}\) +~ function\n/);
    expect(plain.out).not.toContain('Account Manager');
    const shown = await data.run(['plan', file, ...data.dbArgs, ...NOW, '--show-values']);
    expect(shown.out).toContain('function: "Account Manager" -> "ACCOUNT MANAGER"');
  });

  it('counts deactivations and reactivations when the deactivation condition changes', async () => {
    const stricter = edit(data.yaml, 'when: active eq false or acme.employmentEndDate le now()', 'when: active eq false or acme.employmentEndDate le now() or enterprise.department eq "Temp"');
    const a = await planJson(stricter);
    expect(a.code).toBe(2);
    expect(a.json.deactivations).toBe(4);
    expect(a.json.reactivations).toBe(0);
    expect(a.json.changes.every((c: { status: string }) => c.status === 'deactivate')).toBe(true);

    const looser = edit(data.yaml, 'when: active eq false or acme.employmentEndDate le now()', 'when: acme.employmentEndDate le now()');
    const b = await planJson(looser);
    expect(b.code).toBe(2);
    expect(b.json.deactivations).toBe(0);
    expect(b.json.reactivations).toBe(2);
  });

  it('sees deactivations that the clock brings under the same file (--now)', async () => {
    const file = await data.write('same2.yaml', data.yaml);
    const r = await data.run(['plan', file, ...data.dbArgs, '--now', '2026-07-01T00:00:00Z', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).deactivations).toBe(4);
  });

  it('turns more deactivations than --max-deactivations into exit 1', async () => {
    const stricter = edit(data.yaml, 'when: active eq false or acme.employmentEndDate le now()', 'when: active eq false or acme.employmentEndDate le now() or enterprise.department eq "Temp"');
    const over = await planJson(stricter, '--max-deactivations', '3');
    expect(over.code).toBe(1);
    expect(over.err).toContain('deactivates 4 users, more than --max-deactivations 3');
    expect(over.json.exceeded).toBe(true);
    const within = await planJson(stricter, '--max-deactivations', '4');
    expect(within.code).toBe(2);
  });

  it('exits 1 when the file does not compile, the database is missing, or the usage is wrong', async () => {
    const broken = await data.write('broken.yaml', edit(data.yaml, '  function: title\n', '  function: title ===\n'));
    const a = await data.run(['plan', broken, ...data.dbArgs]);
    expect(a.code).toBe(1);
    expect(a.err).toContain('error[');
    expect(a.out).toBe('');
    const file = await data.write('ok.yaml', data.yaml);
    const b = await run(['plan', file, '--data-dir', `${data.dir}/nowhere`]);
    expect(b.code).toBe(1);
    expect(b.err).toContain('no database');
    expect((await run(['plan', file, '--format', 'sarif'])).code).toBe(1);
    expect((await run(['plan', file, '--max-deactivations', 'many'])).code).toBe(1);
  });

  it('changes nothing in the database', async () => {
    const count = async () => {
      const db = await data.open();
      try {
        const events = await db.db.selectFrom('events').select((eb) => eb.fn.countAll<string | number>().as('n')).where('tenant', '=', data.tenant).executeTakeFirstOrThrow();
        const users = await db.db.selectFrom('scim_users').select(['id', 'version', 'config_hash', 'status']).where('tenant', '=', data.tenant).orderBy('id').execute();
        return { events: Number(events.n), users };
      } finally {
        await db.close();
      }
    };
    const before = await count();
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    expect((await planJson(yaml)).code).toBe(2);
    expect(await count()).toEqual(before);
  });
});
