// `scimplan plan`, `apply` and `approve` end to end from their database flags: a PGlite data
// folder (or the PostgreSQL at TEST_DATABASE_URL) that each command opens and closes itself.
// The other CLI tests hand the commands the test worker's database open.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { edit, exampleData, run, type ExampleData } from './helpers.ts';

const NOW = ['--now', '2026-05-02T09:00:00Z'];

let data: ExampleData;
beforeAll(async () => {
  data = await exampleData({ inFolder: true });
}, 60_000);
afterAll(async () => {
  await data?.remove();
});

it('applies a change to the folder, then plans nothing on the reopened folder', async () => {
  expect(data.dbArgs).toHaveLength(2);
  const yaml = edit(data.yaml, 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n');
  const file = await data.write('changed.yaml', yaml);

  const applied = await run(['apply', file, ...data.dbArgs, ...NOW]);
  expect(applied.err).toContain('24/24 users evaluated');
  expect(applied.code).toBe(0);
  expect(applied.out).toContain('applied to 24 users');
  expect(applied.out).toContain('5 group memberships added');

  const after = await run(['plan', file, ...data.dbArgs, ...NOW]);
  expect(after.err).toBe('');
  expect(after.code).toBe(0);
  expect(after.out).toContain('24 users stored, 0 would change');
}, 120_000);

it('approve works on a handed-over database (it opens one through the same path as plan and apply)', async () => {
  const handed = await exampleData();
  try {
    expect(handed.dbArgs).toEqual([]);
    const approved = await handed.run(['approve', handed.tenant, ...NOW]);
    expect(approved.code).toBe(0);
    expect(approved.out).toBe(`no held deactivations for \`${handed.tenant}\`\n`);
  } finally {
    await handed.remove();
  }
});
