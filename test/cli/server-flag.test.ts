// `scimplan plan|apply|approve --server URL` against a real listening app: the same output and
// exit codes as the local commands on the same database, the admin token from the environment only.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TenantRegistry } from '../../server/tenants.ts';
import { lockFolder } from '../../server/db/folder-lock.ts';
import { runApply } from '../../cli/apply.ts';
import type { Io } from '../../cli/output.ts';
import { postAdmin, serverTarget } from '../../cli/server-client.ts';
import { edit, exampleData, planOf, run, type ExampleData } from './helpers.ts';
import { validatedApp } from '../server/helpers.ts';

const ADMIN = 'admin-token-for-cli-tests';
const NOW = ['--now', '2026-05-02T09:00:00Z'];
let data: ExampleData;
let app: FastifyInstance;
let url: string;
/** The admin API requests the server answered: proof that a command went through it. */
const seen: string[] = [];
/** Hear the server's log lines (counts only). */
const logListeners = new Set<(line: { msg?: string; completed?: boolean }) => void>();

beforeAll(async () => {
  data = await exampleData();
  const { db } = await data.open();
  const logger = pino({ level: 'info' }, { write: (line: string) => logListeners.forEach((listener) => listener(JSON.parse(line))) });
  app = validatedApp({ db, tenants: new TenantRegistry([planOf(data.yaml)]), adminToken: ADMIN, logger });
  app.addHook('onResponse', async (request, reply) => {
    seen.push(`${request.method} ${request.url} ${reply.statusCode}`);
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await data?.remove();
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const withToken = () => vi.stubEnv('SCIMPLAN_ADMIN_TOKEN', ADMIN);

/** How the server's next apply run ends, from its log line: stopped (completed false) or not. */
function applyEnded(): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const listener = (line: { msg?: string; completed?: boolean }) => {
      if (line.msg !== 'tenant file applied through the admin API') return;
      logListeners.delete(listener);
      resolve(line.completed);
    };
    logListeners.add(listener);
  });
}

describe('--server', () => {
  it('needs the admin token in SCIMPLAN_ADMIN_TOKEN, never takes it as a flag, and says so', async () => {
    vi.stubEnv('SCIMPLAN_ADMIN_TOKEN', '');
    const file = await data.write('same.yaml', data.yaml);
    const r = await data.run(['plan', file, '--server', url, ...NOW]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: --server needs the server\'s admin token in SCIMPLAN_ADMIN_TOKEN\n');
    vi.stubEnv('SCIMPLAN_ADMIN_TOKEN', 'not-the-admin-token');
    const wrong = await data.run(['approve', data.tenant, '--server', url]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe('error: the server answered 401: missing or invalid admin bearer token\n');
    expect(wrong.err + wrong.out).not.toContain('not-the-admin-token');
  });

  it('plan prints the same JSON and text as the local plan on the same database, with exit code 2', async () => {
    withToken();
    const yaml = edit(data.yaml, 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n');
    const file = await data.write('engineering.yaml', yaml);
    for (const format of ['json', 'text']) {
      const local = await data.run(['plan', file, ...NOW, '--format', format]);
      const remote = await data.run(['plan', file, '--server', url, ...NOW, '--format', format]);
      expect(local.code).toBe(2);
      expect(remote).toEqual(local);
    }
    expect(seen.filter((r) => r === `POST /api/v1/tenants/${data.tenant}/plan 200`)).toHaveLength(2);
    const limited = await data.run(['plan', file, '--server', url, ...NOW, '--max-deactivations', '0', '--format', 'json']);
    expect(limited.code).toBe(2);
    expect(JSON.parse(limited.out)).toMatchObject({ changedUsers: 5, maxDeactivations: 0, exceeded: false });
  });

  it('takes the server from SCIMPLAN_SERVER; a broken file fails locally first, exit 1, with the full diagnostics', async () => {
    withToken();
    vi.stubEnv('SCIMPLAN_SERVER', url);
    const file = await data.write('broken.yaml', edit(data.yaml, '  function: title\n', '  function: titel\n'));
    const r = await data.run(['plan', file, ...NOW]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error\[E\d{3}\]/);
    const same = await data.write('same-env.yaml', data.yaml);
    const ok = await data.run(['plan', same, ...NOW]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('24 users stored, 0 would change');
  });

  it('says when the server cannot be reached', async () => {
    withToken();
    const file = await data.write('same-unreachable.yaml', data.yaml);
    const r = await data.run(['apply', file, '--server', 'http://127.0.0.1:1', ...NOW]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error: cannot reach the server at http:\/\/127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('apply writes through the server, then plan exits 0; approve releases what the safety limit held', async () => {
    withToken();
    const yaml = edit(
      edit(data.yaml, '  when: active eq false or acme.employmentEndDate le now()\n', '  when: active eq false or enterprise.department eq "Sales"\n'),
      'onDelete: keep\n',
      'onDelete: keep\nsafety: { maxDeactivations: 1, per: 1h }\n',
    );
    const file = await data.write('sales-out.yaml', yaml);
    const applied = await data.run(['apply', file, '--server', url, ...NOW]);
    expect(applied.err).toContain(`to the stored users of \`${data.tenant}\` through ${url}`);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(new RegExp(`^applied to 24 users of \`${data.tenant}\` in \\d+\\.\\ds: 10 changed\n`));
    expect(applied.out).toContain('  9 deactivations held by the safety limit');
    const after = await data.run(['plan', file, '--server', url, ...NOW]);
    expect(after.code).toBe(0);
    expect(after.out).toContain('no changes');
    const { db } = await data.open();
    const pending = () => db.selectFrom('scim_users').select('id').where('tenant', '=', data.tenant).where('status', '=', 'pending').execute();
    expect(await pending()).toHaveLength(9);
    const approved = await data.run(['approve', data.tenant, '--server', url]);
    expect(approved).toEqual({ code: 0, out: `released 9 held deactivations of \`${data.tenant}\`: the accounts are deactivated now\n`, err: '' });
    expect(await pending()).toHaveLength(0);
    expect(seen).toContain(`POST /api/v1/tenants/${data.tenant}/apply 200`);
    expect(seen).toContain(`POST /api/v1/tenants/${data.tenant}/approve 200`);
    const refused = await data.run(['approve', data.tenant, '--server', url, ...NOW]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--now cannot be given with --server');
  });

  it('a PGlite folder held by another process: the local command fails and names --server', async () => {
    vi.stubEnv('DATABASE_URL', '');
    const folder = await mkdtemp(join(tmpdir(), 'scimplan-held-'));
    await writeFile(join(folder, 'PG_VERSION'), '17\n');
    const lock = lockFolder(folder, 'scimplan serve');
    try {
      const file = await data.write('held.yaml', data.yaml);
      for (const argv of [['plan', file], ['apply', file], ['approve', data.tenant]]) {
        const r = await run([...argv, '--data-dir', folder, ...NOW]);
        expect(r.code).toBe(1);
        expect(r.err).toContain(`the data folder \`${folder}\` is in use by process ${process.pid}`);
        expect(r.err).toContain('take `--server URL` with SCIMPLAN_ADMIN_TOKEN');
      }
    } finally {
      lock.release();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('apply stops at its next batch boundary when the client goes away (Ctrl-C), and a rerun continues', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: lower(title)\n');
    const hash = planOf(yaml).hash;
    const controller = new AbortController();
    const stop = app.signals.observeEvents(() => controller.abort());
    const ended = applyEnded();
    const target = { url: new URL(url), token: ADMIN };
    try {
      await expect(postAdmin(target, `api/v1/tenants/${data.tenant}/apply`, { config: yaml, now: '2026-05-02T09:00:00Z', batchSize: 1 }, controller.signal)).rejects.toThrow();
      expect(await ended).toBe(false);
    } finally {
      stop();
    }
    const { db } = await data.open();
    const applied = await db.selectFrom('scim_users').select('id').where('tenant', '=', data.tenant).where('config_hash', '=', hash).execute();
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.length).toBeLessThan(24);
    const rerun = await postAdmin(target, `api/v1/tenants/${data.tenant}/apply`, { config: yaml, now: '2026-05-02T09:00:00Z' });
    expect(rerun.body).toMatchObject({ done: 24 - applied.length, completed: true });
  });
});

/** `runApply` with captured output (the progress bar on or off, as a terminal would have it). */
async function applyCaptured(file: string, server: string, progressBar: boolean): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', color: false };
  const target = serverTarget(server, { SCIMPLAN_ADMIN_TOKEN: ADMIN });
  const code = await runApply(file, { now: new Date('2026-05-02T09:00:00Z'), batchSize: 5, progressBar, server: target! }, io);
  return { code, out, err };
}

describe('apply --server: progress', () => {
  it('the server streams one progress line per batch, then the result the JSON answer has', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    const progress: unknown[] = [];
    const target = { url: new URL(url), token: ADMIN };
    const answer = await postAdmin(target, `api/v1/tenants/${data.tenant}/apply`, { config: yaml, now: '2026-05-02T09:00:00Z', batchSize: 5 }, undefined, (p) => progress.push(p));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ tenant: data.tenant, configHash: planOf(yaml).hash, done: 24, total: 24, changed: 24, completed: true });
    // 24 users in batches of 5: five batches, the counts growing to the total.
    expect(progress).toEqual([5, 10, 15, 20, 24].map((done) => ({ done, total: 24, changed: done })));
    // A client that does not ask gets the JSON answer, as before: here nothing is left to do.
    const again = await postAdmin(target, `api/v1/tenants/${data.tenant}/apply`, { config: yaml, now: '2026-05-02T09:00:00Z' });
    expect(again).toEqual({ status: 200, body: expect.objectContaining({ done: 0, completed: true }) });
  });

  it('on a terminal the CLI draws the bar as a local apply does; otherwise it logs the same lines', async () => {
    withToken();
    const yaml = edit(data.yaml, '  function: title\n', '  function: lower(title)\n');
    const file = await data.write('lower.yaml', yaml);
    const tty = await applyCaptured(file, url, true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain(`through ${url}\n`);
    expect(tty.err).toContain('\r[######------------------------] 20% 5/24 users, 5 changed');
    expect(tty.err).toMatch(/\r\[#{30}\] 100% 24\/24 users, 24 changed\n$/);
    expect(tty.out).toMatch(new RegExp(`^applied to 24 users of \`${data.tenant}\` in \\d+\\.\\ds: 24 changed\n`));
    // Not a terminal: the log lines of a local run (the last one always), the same summary.
    const file2 = await data.write('lower-again.yaml', edit(yaml, '  function: lower(title)\n', '  function: trim(title)\n'));
    const logged = await applyCaptured(file2, url, false);
    expect(logged.code).toBe(0);
    expect(logged.err).not.toContain('\r');
    expect(logged.err).toContain(`apply ${data.tenant}: 24/24 users evaluated`);
    expect(logged.out).toMatch(/^applied to 24 users/);
  });

  it('an error line ends the stream: the CLI ends the bar and prints the error, exit 1', async () => {
    // A server whose database fails after the first batch (a stand-in speaking the same lines).
    let accept: string | undefined;
    const fake = createServer((req, res) => {
      accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ progress: { done: 5, total: 24, changed: 5 } })}\n`);
      res.end(`${JSON.stringify({ error: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'the database is not reachable' } })}\n`);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const address = fake.address();
      const file = await data.write('fails.yaml', edit(data.yaml, '  function: title\n', '  function: upper(trim(title))\n'));
      const r = await applyCaptured(file, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, true);
      expect(accept).toBe('application/x-ndjson, application/json');
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toContain('\r[######------------------------] 20% 5/24 users, 5 changed\nerror: apply failed: the server answered 503: the database is not reachable; committed batches stay applied');
    } finally {
      fake.close();
    }
  });

  it('a streaming client that goes away stops the run at its next batch boundary', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(lower(title))\n');
    const controller = new AbortController();
    const ended = applyEnded();
    const target = { url: new URL(url), token: ADMIN };
    // Gone when the first progress line arrives.
    await expect(postAdmin(target, `api/v1/tenants/${data.tenant}/apply`, { config: yaml, now: '2026-05-02T09:00:00Z', batchSize: 1 }, controller.signal, () => controller.abort())).rejects.toThrow();
    expect(await ended).toBe(false);
    const { db } = await data.open();
    const applied = await db.selectFrom('scim_users').select('id').where('tenant', '=', data.tenant).where('config_hash', '=', planOf(yaml).hash).execute();
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.length).toBeLessThan(24);
  });
});
