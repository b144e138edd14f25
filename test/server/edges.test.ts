// Server: input the routes never see, or that PostgreSQL cannot hold, still answers a SCIM error:
// malformed URLs, long path segments, huge headers, NUL and lone surrogates, slow clients, and a
// database that cannot be reached (503 with Retry-After). Nothing is stored by such a request.

import { connect } from 'node:net';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/tables.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { planOf, tenantYaml, uniqueTenant, useTestApp, userBody, validatedApp } from './helpers.ts';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const tenant = uniqueTenant('edges');
const t = useTestApp(() => [tenantYaml(tenant)]);

describe('malformed requests answer SCIM errors', () => {
  it('a malformed percent-encoding: 400 invalidSyntax, the URL not echoed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/scim/v2/%ZZ/Users' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidSyntax', detail: 'the request URL is not valid (a malformed percent-encoding)' });
  });

  it('a path segment over the limit: 414, the URL not echoed', async () => {
    const res = await t.scim(tenant, 'GET', `/Users/${'a'.repeat(300)}`);
    expect(res.statusCode).toBe(414);
    expect(res.json()).toMatchObject({ schemas: [ERROR], status: '414' });
    expect(res.body).not.toContain('aaaa');
  });

  it.each([
    ['a NUL in a value', { userName: 'nul\u0000@example.com' }, '`userName` holds a NUL character, which cannot be stored'],
    ['a lone surrogate in a value', { name: { givenName: 'x\ud800y' } }, '`name.givenName` holds a lone UTF-16 surrogate, which cannot be stored'],
    ['a lone surrogate in a name', { 'titlex\ud800y': 'x' }, 'a top-level name holds a lone UTF-16 surrogate, which cannot be stored'],
  ])('%s in a create: 400 invalidValue naming where, and nothing stored', async (_name, extra, detail) => {
    const key = `edge-${Math.random().toString(36).slice(2)}`;
    const res = await t.scim(tenant, 'POST', '/Users', { ...userBody(key, `${key}@example.com`), ...extra });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidValue', detail });
    const found = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent(`externalId eq "${key}"`)}`);
    expect(found.json().totalResults).toBe(0);
  });

  it('a NUL in a filter: 400 invalidFilter', async () => {
    const res = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('userName eq "\u0000"')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ scimType: 'invalidFilter', detail: 'the filter holds a NUL character' });
  });

  it('a lone surrogate in a PATCH value and a NUL in a group name: 400', async () => {
    const key = `edge-${Math.random().toString(36).slice(2)}`;
    const created = await t.scim(tenant, 'POST', '/Users', userBody(key, `${key}@example.com`));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const patch = await t.scim(tenant, 'PATCH', `/Users/${id}`, '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x\\ud800y"}]}');
    expect(patch.statusCode).toBe(400);
    expect(patch.json()).toMatchObject({ scimType: 'invalidValue', detail: '`Operations[0].value` holds a lone UTF-16 surrogate, which cannot be stored' });
    expect((await t.scim(tenant, 'GET', `/Users/${id}`)).json().title).toBeUndefined();
    const group = await t.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g\u0000' });
    expect(group.statusCode).toBe(400);
    expect(group.json()).toMatchObject({ scimType: 'invalidValue', detail: '`displayName` holds a NUL character, which cannot be stored' });
  });
});

describe('on a real socket', () => {
  const yaml = tenantYaml(uniqueTenant('sock'));
  const app = validatedApp({ db: undefined as unknown as Kysely<Database>, tenants: new TenantRegistry([planOf(yaml)]), timeouts: { headersMs: 300, requestMs: 600 } });
  let port = 0;
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await app.close();
  });

  /** Sends `chunks` (a pause between them) and resolves with what the server wrote before closing. */
  function raw(chunks: readonly string[], pauseMs = 0): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let got = '';
      const deadline = setTimeout(() => (socket.destroy(), reject(new Error(`still open after 5 s; got ${got.slice(0, 80)}`))), 5_000);
      socket.on('data', (d) => (got += d.toString()));
      socket.on('close', () => (clearTimeout(deadline), resolve(got)));
      socket.on('error', () => undefined);
      socket.on('connect', async () => {
        for (const chunk of chunks) {
          if (socket.destroyed) return;
          socket.write(chunk);
          if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
        }
      });
    });
  }

  it('headers over the limit: 431 with a SCIM body', async () => {
    const answer = await raw([`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ schemas: [ERROR], status: '431', detail: 'the request headers are too large' });
  });

  it('a client that sends its headers a byte at a time is cut off with 408', async () => {
    const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(40);
    const answer = await raw([...request], 100);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"detail":"the request was not received in time"');
  });

  it('a client that sends its body a byte at a time is cut off', async () => {
    const head = 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const answer = await raw([head, ...'{"a":"' + 'b'.repeat(30)], 100);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('200 slow clients at once are all cut off, and the server still answers', async () => {
    const slow = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? raw([...'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa'], 100)
        : raw(['POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n', ...'{"a":"bbbbbbbbbbbbbbbbbbbbbbbbb'], 100),
    );
    const answers = await Promise.all(slow);
    expect(answers.filter((a) => /^HTTP\/1\.1 408 /.test(a))).toHaveLength(200);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('a database that cannot be reached', () => {
  const name = uniqueTenant('down');
  // Nothing listens on port 1: every query fails to connect.
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', connectionTimeoutMillis: 2_000 }) }) });
  const app = validatedApp({ db, tenants: new TenantRegistry([planOf(tenantYaml(name))]) });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  it.each([
    ['GET', '/Users', undefined],
    ['POST', '/Users', userBody('k-down', 'down@example.com')],
  ])('%s %s answers 503 with Retry-After and a SCIM body', async (method, path, body) => {
    const res = await app.inject({
      method: method as 'GET' | 'POST',
      url: `/scim/v2/${name}${path}`,
      headers: { authorization: `Bearer secret-${name}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ schemas: [ERROR], status: '503', detail: 'the database is not reachable; retry later' });
  });
});
