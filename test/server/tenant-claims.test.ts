// Server: a tenant id is claimed once. A stray file that claims a served tenant id with another
// token neither takes it over nor locks the real client out, also across a restart (the serving
// file is recorded); two files that claim a new id at start-up serve nothing.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type Server } from '../../server/main.ts';
import { openTestDatabase, sha256Hex, uniqueTenant, until } from './helpers.ts';
import { installResponseValidator } from './validate-responses.ts';

const fileFor = (tenant: string, token: string) => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(token)} }]
key: externalId
profile:
  function: title
`;

let dirs: string[] = [];
let servers: Server[] = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  servers = [];
  dirs = [];
});

async function start(dir: string): Promise<Server> {
  const server = await serve({ configDir: dir, port: 0, database: await openTestDatabase(), print: () => {}, logLevel: 'silent', onApp: installResponseValidator, watchPollMs: 100 });
  servers.push(server);
  return server;
}

const status = async (server: Server, tenant: string, token: string) =>
  (await server.app.inject({ method: 'GET', url: `/scim/v2/${tenant}/Users?count=1`, headers: { authorization: `Bearer ${token}` } })).statusCode;

const failedFiles = async (server: Server) =>
  ((await server.app.inject({ method: 'GET', url: '/readyz' })).json() as { failedFiles: { file: string; codes: string[] }[] }).failedFiles;


describe('a tenant id claimed by two files', () => {
  it('keeps the serving file against a stray file, while running and after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-claims-'));
    dirs.push(dir);
    const tenant = uniqueTenant('claim');
    await writeFile(join(dir, 'real.yaml'), fileFor(tenant, 'real-token'));
    const first = await start(dir);
    expect(await status(first, tenant, 'real-token')).toBe(200);

    // "00-" sorts first: file names must not decide who serves.
    await writeFile(join(dir, '00-dup.yaml'), fileFor(tenant, 'stray-token'));
    await until('the stray file to be refused with E008', async () => (await failedFiles(first)).some((f) => f.file.endsWith('00-dup.yaml') && f.codes.includes('E008')));
    expect(await status(first, tenant, 'real-token')).toBe(200);
    expect(await status(first, tenant, 'stray-token')).toBe(401);
    await first.close();

    const second = await start(dir);
    expect(await status(second, tenant, 'real-token')).toBe(200);
    expect(await status(second, tenant, 'stray-token')).toBe(401);
    expect((await failedFiles(second)).map((f) => [f.file.slice(dir.length + 1), f.codes])).toEqual([['00-dup.yaml', ['E008']]]);
  });

  it('serves neither of two files that claim a new tenant id at start-up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-claims-'));
    dirs.push(dir);
    const tenant = uniqueTenant('both');
    await writeFile(join(dir, 'a.yaml'), fileFor(tenant, 'token-a'));
    await writeFile(join(dir, 'b.yaml'), fileFor(tenant, 'token-b'));
    const server = await start(dir);
    expect(await status(server, tenant, 'token-a')).toBe(401);
    expect(await status(server, tenant, 'token-b')).toBe(401);
    expect((await failedFiles(server)).map((f) => [f.file.slice(dir.length + 1), f.codes])).toEqual([
      ['a.yaml', ['E008']],
      ['b.yaml', ['E008']],
    ]);
  });
});
