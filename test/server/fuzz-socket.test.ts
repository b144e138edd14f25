// Server: the fuzz over a real socket. The app listens on 127.0.0.1; the same generated hostile
// requests as fuzz.test.ts go through node:http (keep-alive connections), then raw `net` sockets
// send malformed request lines, headers and framing. Never a 5xx; every error answer with a body
// an RFC 7644 §3.12 body; every connection's bytes well framed (no body after a HEAD answer, no
// second response); another tenant's seeded data unchanged. On PostgreSQL when TEST_DATABASE_URL
// is set (helpers.ts).

import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantRegistry } from '../../server/tenants.ts';
import { FUZZ_SEED, FuzzRun, errorAnswerProblem, fuzzTenantYaml, type Answer, type Send } from './fuzz-harness.ts';
import { bulkRequests, filterRequests, groupBodyRequests, pathRequests, patchRequests, userBodyRequests } from './fuzz-requests.ts';
import { rawCases, rawRequests, type RawCase } from './fuzz-socket-cases.ts';
import { parseAnswers, type RawAnswer } from './fuzz-socket-parse.ts';
import { openTestDatabase, planOf, tenantYaml, uniqueTenant, validatedApp } from './helpers.ts';

/** Requests per kind through node:http: 2,200 in all, a fifth of the inject run. */
const RUNS = { paths: 500, userBodies: 400, groupBodies: 300, patches: 400, bulk: 200, filters: 400 };
/** Generated raw requests, sent RAW_PARALLEL connections at a time. */
const RAW_RUNS = 300;
const RAW_PARALLEL = 10;
/** Short timeouts, so that a raw request that never completes is answered 408 soon. */
const TIMEOUTS = { headersMs: 1_000, requestMs: 3_000, keepAliveMs: 2_000 };

const fuzzTenant = uniqueTenant('sfuzz');
let app: FastifyInstance;
let port = 0;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request through node:http: any client or parser error fails the run. */
const send: Send = (r) =>
  new Promise<Answer>((resolve, reject) => {
    const payload = r.payload === undefined ? undefined : Buffer.isBuffer(r.payload) ? r.payload : Buffer.from(r.payload);
    // node:http frames no body of a HEAD, GET or DELETE by itself: it would go out as a second request.
    const headers = { ...r.headers, ...(payload === undefined ? {} : { 'content-length': String(payload.length) }) };
    const req = request({ host: '127.0.0.1', port, method: r.method, path: r.url, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
const fuzz = new FuzzRun(send, fuzzTenant, uniqueTenant('sfuzz-seeded'));

beforeAll(async () => {
  const { db } = await openTestDatabase();
  const tenants = new TenantRegistry([planOf(fuzzTenantYaml(fuzzTenant)), planOf(tenantYaml(fuzz.seededTenant))]);
  app = validatedApp({ db, tenants, adminToken: 'fuzz-admin-token', timeouts: TIMEOUTS });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  await fuzz.setUp();
});
afterAll(async () => {
  agent.destroy();
  await app?.close();
});

/** Writes `c.chunks` on a fresh connection (each after the answers so far) and returns every byte the server sent before it closed. */
function sendRaw(c: RawCase): Promise<{ bytes: Buffer; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let next = 0;
    const deadline = setTimeout(() => (socket.destroy(), resolve({ bytes: Buffer.concat(got), closedByServer: false })), 10_000);
    const writeNext = () => {
      if (next < c.chunks.length && !socket.destroyed) socket.write(c.chunks[next++]!);
    };
    socket.on('connect', writeNext);
    socket.on('data', (d: Buffer) => {
      got.push(d);
      // The next chunk once the answers to the ones before are complete.
      if (next < c.chunks.length && parseAnswers(Buffer.concat(got), c.headAnswers).answers.length >= (c.waitFor?.[next - 1] ?? Infinity)) writeNext();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (clearTimeout(deadline), resolve({ bytes: Buffer.concat(got), closedByServer: true })));
  });
}

/** Why what the server sent on one raw connection is wrong, or undefined. */
function rawProblem(c: RawCase, bytes: Buffer, closedByServer: boolean): string | undefined {
  if (!closedByServer) return 'the server did not close the connection within 10 s';
  const { answers, rest } = parseAnswers(bytes, c.headAnswers);
  if (rest.length > 0) return `${rest.length} bytes after the last complete answer: ${JSON.stringify(rest.toString('latin1').slice(0, 200))}`;
  if (answers.length === 0) return 'no answer before the connection closed';
  for (const a of answers) {
    if (a.status >= 500) return `a ${a.status} answer`;
    if (a.status >= 400 && a.body.length > 0) {
      const problem = errorAnswerProblem(a.status, a.headers['content-type'], a.body.toString());
      if (problem) return `not a SCIM error answer (${a.status}): ${problem}`;
    }
  }
  return c.expect?.(answers);
}

async function runRaw(c: RawCase): Promise<RawAnswer[]> {
  const { bytes, closedByServer } = await sendRaw(c);
  const problem = rawProblem(c, bytes, closedByServer);
  if (problem) throw new Error(`${c.name}: ${problem}\n  sent: ${JSON.stringify(Buffer.concat(c.chunks).toString('latin1').slice(0, 400))}\n  got: ${JSON.stringify(bytes.toString('latin1').slice(0, 400))}`);
  return parseAnswers(bytes, c.headAnswers).answers;
}

describe(`fuzz over a socket: ${Object.values(RUNS).reduce((a, b) => a + b)} requests through node:http, ${RAW_RUNS} generated raw requests (seed ${FUZZ_SEED})`, () => {
  it('HTTP requests of every kind: no 5xx, SCIM error bodies, no client or parser error', async () => {
    await fuzz.run(pathRequests, RUNS.paths);
    await fuzz.refreshTargets('own-users');
    await fuzz.run(userBodyRequests, RUNS.userBodies);
    await fuzz.refreshTargets('own-groups');
    await fuzz.run(groupBodyRequests, RUNS.groupBodies);
    await fuzz.refreshTargets('own-patches');
    await fuzz.run(patchRequests, RUNS.patches);
    await fuzz.refreshTargets('own-bulk');
    await fuzz.run(bulkRequests, RUNS.bulk);
    await fuzz.dropHugeUsers();
    await fuzz.run(filterRequests, RUNS.filters);
    expect(fuzz.count(() => true)).toBe(Object.values(RUNS).reduce((a, b) => a + b));
    expect(fuzz.statuses.get(201) ?? 0).toBeGreaterThan(10);
    expect(fuzz.statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(fuzz.count((s) => s >= 400)).toBeGreaterThan(200);
    expect(fuzz.aimedAtOther).toBeGreaterThan(40);
    if (process.env['FUZZ_REPORT']) console.log(Object.fromEntries([...fuzz.statuses].sort(([a], [b]) => a - b)));
  }, 120_000);

  for (const c of rawCases({ tenant: fuzzTenant, token: `secret-${fuzzTenant}` })) {
    it(`raw: ${c.name}`, async () => {
      await runRaw(c);
    });
  }

  it(`raw: ${RAW_RUNS} generated request lines, headers and bodies, each answered and closed`, async () => {
    const cases = fc.sample(rawRequests({ tenant: fuzzTenant, token: `secret-${fuzzTenant}` }), { numRuns: RAW_RUNS, seed: FUZZ_SEED });
    const statuses = new Map<number, number>();
    for (let i = 0; i < cases.length; i += RAW_PARALLEL) {
      for (const answers of await Promise.all(cases.slice(i, i + RAW_PARALLEL).map(runRaw))) {
        for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      }
    }
    // Both refused and routed: some generated requests are valid HTTP.
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
    expect([...statuses.keys()].some((s) => s < 400 || s === 401 || s === 404)).toBe(true);
    if (process.env['FUZZ_REPORT']) console.log(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));
  }, 120_000);

  it('the server still answers, and the other tenant reads as before', async () => {
    expect((await fuzz.scim(fuzzTenant, 'GET', '/Users?count=1')).statusCode).toBe(200);
    await fuzz.expectSeededUnchanged();
  });

  it('/metrics counts what the parser refused and the timeouts cut off, by status', async () => {
    const metrics = (await send({ method: 'GET', url: '/metrics', headers: {} })).body;
    const counted = (status: number) => Number(new RegExp(`^scimplan_client_errors_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    // At least the crafted cases' answers: 19 of the malformed requests (the others reach fastify
    // or Node's own checks), 2 too large, 2 too slow.
    expect(counted(400)).toBeGreaterThanOrEqual(19);
    expect(counted(431)).toBeGreaterThanOrEqual(2);
    expect(counted(408)).toBeGreaterThanOrEqual(2);
  });
});
