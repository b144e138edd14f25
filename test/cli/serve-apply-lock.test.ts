// `scimplan apply --data-dir D` while `scimplan serve` runs on the same PGlite folder (issue 10):
// apply stops, naming the server's process and `--server`; through `--server` it writes, and the
// write is in the folder after the server stops. Two real processes (bin/scimplan.js runs dist/).

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import { openDatabase } from '../../server/db/database.ts';
import { ServeProcess } from '../server/serve-process.ts';
import { tenantYaml, uniqueTenant, userBody } from '../server/helpers.ts';
import { run } from './helpers.ts';
import { scimFetch } from '../server/validated-fetch.ts';

const ADMIN = 'admin-token-for-the-lock-test';
let dir: string | undefined;
let server: ServeProcess | undefined;
afterEach(() => vi.unstubAllEnvs());
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('apply on the folder a server holds fails naming it; through --server it writes, and the write stays', async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-serve-apply-'));
  const tenant = uniqueTenant('lock');
  const configDir = join(dir, 'config');
  const dataDir = join(dir, 'data');
  await mkdir(configDir);
  await writeFile(join(configDir, `${tenant}.yaml`), tenantYaml(tenant));
  // A folder made (and migrated) here first: a new PGlite folder's set-up would eat the banner's 30 s on a busy machine.
  await (await openDatabase({ dataDir })).close();
  server = new ServeProcess({ name: 'serve', configDir, databaseUrl: '', env: { SCIMPLAN_ADMIN_TOKEN: ADMIN }, args: ['--data-dir', dataDir] });
  const url = await server.url;
  for (const i of [1, 2, 3]) {
    const res = await scimFetch(`${url}/scim/v2/${tenant}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer secret-${tenant}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(userBody(`u${i}`, `u${i}@example.com`, { title: 'Engineer' })),
    });
    expect(res.status).toBe(201);
  }
  const changed = join(dir, 'changed.yaml');
  await writeFile(changed, tenantYaml(tenant).replace('  function: title\n', '  function: upper(title)\n'));

  vi.stubEnv('DATABASE_URL', '');
  const local = await run(['apply', changed, '--data-dir', dataDir]);
  expect(local.code).toBe(1);
  expect(local.err).toContain(`the data folder \`${dataDir}\` is in use by process ${server.child.pid}`);
  expect(local.err).toContain('--server URL');
  expect(local.out).toBe('');

  vi.stubEnv('SCIMPLAN_ADMIN_TOKEN', ADMIN);
  const through = await run(['apply', changed, '--server', url]);
  expect(through.code).toBe(0);
  expect(through.out).toMatch(new RegExp(`^applied to 3 users of \`${tenant}\` in \\d+\\.\\ds: 3 changed\n`));
  expect(through.err).toContain(`apply ${tenant}: 3/3 users evaluated, 3 changed`);

  // Once the server is gone, the folder is free and holds the write: nothing left to plan.
  await server.stop();
  const after = await run(['plan', changed, '--data-dir', dataDir]);
  expect(after.err).toBe('');
  expect(after.code).toBe(0);
  expect(after.out).toContain('3 users stored, 0 would change');
}, 120_000);
