// Server: `serve` never prints a token taken from the environment; its "try it" line names the
// variable instead (a token generated for this run may be printed: it exists only here).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { serve, type Server } from '../../server/main.ts';
import { installResponseValidator } from './validate-responses.ts';

const secret = `from-the-environment-${Math.random().toString(36).slice(2)}`;
let server: Server;
const lines: string[] = [];
let saved: string | undefined;

beforeAll(async () => {
  saved = process.env['ACME_SCIM_TOKEN'];
  process.env['ACME_SCIM_TOKEN'] = secret;
  const url = process.env['TEST_DATABASE_URL'];
  server = await serve({
    configDir: 'examples/valid',
    port: 0,
    dataDir: 'memory://',
    ...(url ? { databaseUrl: url } : {}),
    print: (line) => lines.push(line),
    logLevel: 'silent', onApp: installResponseValidator,
  });
});
afterAll(async () => {
  await server?.close();
  if (saved === undefined) delete process.env['ACME_SCIM_TOKEN'];
  else process.env['ACME_SCIM_TOKEN'] = saved;
});

it('prints the variable, never the secret, and the secret still works', async () => {
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.filter((l) => l.includes(secret))).toEqual([]);
  expect(lines).toContain('    token: the value of $ACME_SCIM_TOKEN');
  expect(lines.some((l) => l.includes('Bearer $ACME_SCIM_TOKEN'))).toBe(true);
  const res = await fetch(`${server.url}/scim/v2/acme/Users?count=1`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(200);
});
