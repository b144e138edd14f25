// serve() runs the scheduler: a user of the example tenant acme (`acme.employmentEndDate le now()`)
// whose end date is 2 s ahead is deactivated without a request, and close() stops it cleanly.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Server } from '../../server/main.ts';
import { openTestDatabase } from './helpers.ts';
import { installResponseValidator } from './validate-responses.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const token = 'scheduler-serve-token-0123456789';
let server: Server;

beforeAll(async () => {
  process.env['ACME_SCIM_TOKEN'] = token;
  server = await serve({
    configDir: 'examples/valid',
    port: 0,
    host: '127.0.0.1',
    database: await openTestDatabase(),
    print: () => {},
    logLevel: 'silent', onApp: installResponseValidator,
    webhook: false,
  });
});
afterAll(async () => {
  await server?.close();
});

it('deactivates when the end date passes, within seconds, without a request', async () => {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const res = await fetch(`${server.url}/scim/v2/acme/Users`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ACME],
      userName: `leaver-${stamp}@acme.example`,
      externalId: `leaver-${stamp}`,
      active: true,
      [ACME]: { employmentEndDate: new Date(Date.now() + 2000).toISOString() },
    }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const status = async () => {
    const r = await fetch(`${server.url}/scim/v2/acme/Users/${id}`, { headers });
    return ((await r.json()) as Record<string, Record<string, unknown>>)['urn:ietf:params:scim:schemas:extension:scimplan:2.0:User']?.['status'];
  };
  expect(await status()).toBe('active');
  const end = Date.now() + 15_000;
  while (Date.now() < end && (await status()) !== 'deactivated') await new Promise((r) => setTimeout(r, 200));
  expect(await status()).toBe('deactivated');
}, 20_000);
