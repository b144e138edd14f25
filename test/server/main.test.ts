// Server: serve() on a real port with the example tenant files: prints each tenant's URL and
// a generated demo token, and that token provisions a user over HTTP.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Server } from '../../server/main.ts';
import { installResponseValidator } from './validate-responses.ts';

let server: Server;
const lines: string[] = [];

beforeAll(async () => {
  delete process.env['ACME_SCIM_TOKEN'];
  const url = process.env['TEST_DATABASE_URL'];
  server = await serve({
    configDir: 'examples/valid',
    port: 0,
    host: '127.0.0.1',
    dataDir: 'memory://',
    ...(url ? { databaseUrl: url } : {}),
    print: (line) => lines.push(line),
    logLevel: 'silent', onApp: installResponseValidator,
  });
});
afterAll(async () => {
  await server?.close();
});

it('prints base URLs and a generated token that works', async () => {
  const acme = lines.find((l) => l.includes('/scim/v2/acme'));
  expect(acme).toBeDefined();
  const tokenLine = lines.find((l) => l.includes('$ACME_SCIM_TOKEN'));
  const token = tokenLine?.split(': ').at(-1);
  expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);

  const userName = `demo-${Date.now()}@acme.example`;
  const res = await fetch(`${server.url}/scim/v2/acme/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, externalId: `obj-${Date.now()}`, active: true, title: 'CFO' }),
  });
  expect(res.status).toBe(201);
  expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  const body = (await res.json()) as Record<string, Record<string, unknown>>;
  expect(body['urn:ietf:params:scim:schemas:extension:scimplan:2.0:User']?.['status']).toBe('active');

  const health = await fetch(`${server.url}/readyz`);
  expect(health.status).toBe(200);
});
