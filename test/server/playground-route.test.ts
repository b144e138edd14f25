// Server: the playground's static page (/playground/) under its Content-Security-Policy, and the
// admin API's stored users (GET /api/v1/tenants/{tenant}/users[/{id}]) behind the admin token.

import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatedApp } from './helpers.ts';
import { PLAYGROUND_CSP } from '../../server/routes/playground.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { exampleData, planOf, type ExampleData } from '../cli/helpers.ts';

const ADMIN = 'admin-token-for-playground-route';
let data: ExampleData;
let assets: string;
let app: FastifyInstance;
let unbuilt: FastifyInstance;

beforeAll(async () => {
  data = await exampleData();
  assets = await mkdtemp(join(tmpdir(), 'scimplan-assets-'));
  await writeFile(join(assets, 'index.html'), '<!doctype html><title>p</title>');
  await writeFile(join(assets, 'playground.js'), 'export {};');
  const { db } = await data.open();
  const tenants = new TenantRegistry([planOf(data.yaml)]);
  app = validatedApp({ db, tenants, adminToken: ADMIN, playgroundAssets: assets });
  unbuilt = validatedApp({ db, tenants, adminToken: ADMIN, playgroundAssets: join(assets, 'missing') });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await unbuilt?.close();
  await data?.remove();
  if (assets) await rm(assets, { recursive: true, force: true });
});

const admin = (url: string, token: string | null = ADMIN) => app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('playground page', () => {
  it('serves the page and its script with the strict CSP; /playground redirects to the folder', async () => {
    const redirect = await app.inject({ url: '/playground' });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('/playground/');
    for (const [url, type] of [['/playground/', 'text/html'], ['/playground/playground.js', 'text/javascript'], ['/playground/context.json', 'application/json']] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['content-security-policy']).toBe(PLAYGROUND_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(PLAYGROUND_CSP).not.toMatch(/unsafe-(inline|eval)/);
    // On a server, the page is told so, and is given no tenant file (those are the admin's).
    expect((await app.inject({ url: '/playground/context.json' })).json()).toEqual({ server: true });
  });

  it('answers 404 for other names and says so when the page is not built', async () => {
    expect((await app.inject({ url: '/playground/..%2Fpackage.json' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/playground/playground.css' })).statusCode).toBe(404);
    const res = await unbuilt.inject({ url: '/playground/' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('npm run build');
  });
});

describe('admin API: stored users', () => {
  it('needs the admin token', async () => {
    expect((await admin(`/api/v1/tenants/${data.tenant}/users`, null)).statusCode).toBe(401);
    expect((await admin(`/api/v1/tenants/${data.tenant}/users`, `secret-${data.tenant}`)).statusCode).toBe(401);
  });

  it('lists users by name with the total, and returns one as the client sent it', async () => {
    const res = await admin(`/api/v1/tenants/${data.tenant}/users?count=3`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json() as { users: { id: string; userName: string }[]; total: number };
    expect(body.total).toBe(24);
    expect(body.users).toHaveLength(3); // in the database's order of user names (its collation)
    const all = (await admin(`/api/v1/tenants/${data.tenant}/users?count=1000`)).json() as typeof body;
    expect(new Set(all.users.map((u) => u.userName)).size).toBe(24);
    expect(all.users.slice(0, 3)).toEqual(body.users);
    const first = all.users.find((u) => u.userName === 'user1@acme.example')!;
    const one = await admin(`/api/v1/tenants/${data.tenant}/users/${first.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().resource).toMatchObject({ userName: 'user1@acme.example', externalId: 'ext-1', title: 'Account Manager' });
    expect(one.json().resource).not.toHaveProperty('meta');
  });

  it('refuses a bad tenant, a bad count and an unknown id', async () => {
    expect((await admin('/api/v1/tenants/Bad_Tenant/users')).statusCode).toBe(400);
    expect((await admin(`/api/v1/tenants/${data.tenant}/users?count=0`)).statusCode).toBe(400);
    expect((await admin(`/api/v1/tenants/${data.tenant}/users?count=abc`)).statusCode).toBe(400);
    expect((await admin(`/api/v1/tenants/${data.tenant}/users/00000000-0000-4000-8000-000000000000`)).statusCode).toBe(404);
    expect((await admin(`/api/v1/tenants/other-tenant/users`)).json().total).toBe(0);
  });
});
