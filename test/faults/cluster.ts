// Test support: a throwaway PostgreSQL cluster of one fault test, made with the programs in
// TEST_PG_BIN (initdb, pg_ctl) on a free port of 127.0.0.1; start, stop (`pg_ctl stop -m fast`)
// and destroy it. Never touches another cluster (the shared one of TEST_DATABASE_URL included).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The directory of `pg_ctl` and `initdb` (`.ci/run` sets it); fault suites skip without it. */
export const PG_BIN = process.env['TEST_PG_BIN'];

/** A password put into every URL: trust authentication ignores it; it must never be shown. */
export const URL_PASSWORD = 'never-shown-7f3a9c';

/** Ports tried, from a random start: clear of the shared test cluster (54330) and CI's (54329). */
const PORTS = { first: 54340, count: 60 };

export class Cluster {
  readonly url: string;
  #running = true;
  #frozen = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.url = `postgres://postgres:${URL_PASSWORD}@127.0.0.1:${port}/postgres`;
  }

  /** initdb and start a new cluster (fsync off: a killed server process is the fault, not the disk). */
  static async create(): Promise<Cluster> {
    if (!PG_BIN) throw new Error('TEST_PG_BIN is not set');
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-fault-pg-'));
    if (isRoot()) await run('chown', ['postgres', dir]);
    await pg('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    const cluster = new Cluster(dir, await freePort());
    cluster.#running = false;
    await cluster.start();
    return cluster;
  }

  /** `pg_ctl start -w`: resolves when the cluster accepts connections. */
  async start(): Promise<void> {
    const options = `-c listen_addresses=127.0.0.1 -c port=${this.port} -c unix_socket_directories=${this.dir} -c fsync=off -c max_connections=100`;
    await pg('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '60', '-o', options, 'start']);
    this.#running = true;
  }

  /** `pg_ctl stop -m <mode> -w`: terminates every connection; resolves when the server is down. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await pg('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
    this.#running = false;
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) this cluster's processes, the postmaster and its
   * children, by pid: the database keeps its connections but answers nothing, as a hung host.
   */
  async signal(signal: 'SIGSTOP' | 'SIGCONT'): Promise<number> {
    const postmaster = Number((await readFile(join(this.dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)]);
    const pids = [postmaster, ...stdout.split('\n').map((l) => Number(l.trim())).filter((pid) => pid > 0)];
    for (const pid of pids) process.kill(pid, signal);
    this.#frozen = signal === 'SIGSTOP';
    return pids.length;
  }

  /** Stops the cluster if it runs and deletes its directory; safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#frozen) await this.signal('SIGCONT').catch(() => undefined);
    if (this.#running) await this.stop('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Runs a PostgreSQL program, as the `postgres` user when the tests run as root (initdb refuses root). */
async function pg(program: string, args: readonly string[]): Promise<void> {
  const path = join(PG_BIN!, program);
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  await run(file, argv, { timeout: 90_000 });
}

/** A port of 127.0.0.1 nobody listens on, from PORTS (bounded: each port is tried once). */
async function freePort(): Promise<number> {
  const offset = Math.floor(Math.random() * PORTS.count);
  for (let i = 0; i < PORTS.count; i++) {
    const port = PORTS.first + ((offset + i) % PORTS.count);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${PORTS.first}..${PORTS.first + PORTS.count - 1}`);
}
