// Server: tenant files reload on change; a file with errors never replaces the serving plan.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Server } from '../../server/main.ts';
import { openTestDatabase, sha256Hex, userBody, until } from './helpers.ts';
import { installResponseValidator } from './validate-responses.ts';

let server: Server;
let dir: string;
const file = () => join(dir, 'reload.yaml');
const yaml = (field: string) => `tenant: reload
tokens: [{ sha256: ${sha256Hex('secret-reload')} }]
key: externalId
profile:
  ${field}: title
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-reload-'));
  await writeFile(file(), yaml('function'));
  server = await serve({ configDir: dir, port: 0, database: await openTestDatabase(), print: () => {}, logLevel: 'silent', onApp: installResponseValidator });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function profileOf(key: string): Promise<Record<string, unknown>> {
  const res = await server.app.inject({
    method: 'POST',
    url: '/scim/v2/reload/Users',
    headers: { authorization: 'Bearer secret-reload', 'content-type': 'application/scim+json' },
    payload: JSON.stringify(userBody(key, `${key}-${Date.now()}@example.com`, { title: 'CFO' })),
  });
  expect(res.statusCode).toBe(201);
  return res.json()['urn:ietf:params:scim:schemas:extension:scimplan:2.0:User'].profile;
}


it('serves the new plan after a change, and keeps it when the file breaks', async () => {
  expect(await profileOf(`a-${Date.now()}`)).toEqual({ function: 'CFO' });
  await writeFile(file(), yaml('jobTitle'));
  let n = 0;
  await until('the changed plan to serve', async () => 'jobTitle' in (await profileOf(`b-${Date.now()}-${n++}`)));

  await writeFile(file(), 'tenant: reload\nkey: [broken');
  // The broken file has been read once it shows as stale: only then can "kept" be told apart
  // from "not reloaded yet".
  await until('the broken file to show as stale', async () => (await server.app.inject({ method: 'GET', url: '/readyz' })).json().stale.length > 0);
  expect(await profileOf(`c-${Date.now()}`)).toEqual({ jobTitle: 'CFO' });
});
