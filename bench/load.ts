// Bench load helpers: servers in child processes (started, stopped, measured) and autocannon
// runs against them, shared by the server and onboarding benchmarks.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
/** The part of autocannon's API this file uses (the package ships no types). */
export interface CannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
export interface CannonResult {
  duration: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface CannonInstance extends PromiseLike<CannonResult> {
  stop(): void;
}
interface CannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers: Record<string, string>;
  requests: {
    method: string;
    setupRequest?: (request: CannonRequest) => CannonRequest;
    onResponse?: (status: number, body: string) => void;
  }[];
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: CannonOptions) => CannonInstance;

export const root = fileURLToPath(new URL('..', import.meta.url));

// ---- child processes ---------------------------------------------------------------------

export interface Child {
  readonly process: ChildProcess;
  readonly url: string;
  /** The child's last lines of output, for error reports. */
  tail(): string;
}

export const live = new Set<ChildProcess>();
export const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
};

/**
 * Starts `node args` as a server. With BENCH_CPU_PROF=<dir> each child writes a V8 CPU profile
 * there when it exits (`node --cpu-prof`; open it in Chrome DevTools or speedscope).
 */
export function startChild(name: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<Child> {
  const profile = process.env['BENCH_CPU_PROF'];
  const argv = profile ? ['--cpu-prof', ...(process.env['BENCH_CPU_PROF_INTERVAL'] ? [`--cpu-prof-interval=${process.env['BENCH_CPU_PROF_INTERVAL']}`] : []), `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${name.replace(/[^a-zA-Z0-9]+/g, '-')}.cpuprofile`, ...args] : args;
  const child = spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  // The pipes are always drained: a full pipe would block the server's writes.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stderr!.on('data', keep);
  return new Promise<Child>((resolve, reject) => {
    let ready = false;
    const fail = (why: string) => {
      if (ready) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name}: ${why}\n${output}`));
    };
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs / 1000} s`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited before listening (code ${code}, signal ${signal})`));
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (ready) return;
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (!url) return;
      ready = true;
      clearTimeout(timer);
      resolve({ process: child, url, tail: () => output });
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a process in MB, from /proc (Linux) or `ps`. */
export async function rssMb(pid: number): Promise<number> {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: fall back to ps
  }
  const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
  let out = '';
  ps.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise((resolve) => ps.once('close', resolve));
  return Number(out.trim()) / 1024;
}

// ---- load ------------------------------------------------------------------------------------

export interface LoadOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly method: string;
  readonly setup: (request: CannonRequest) => CannonRequest;
  readonly onResponse?: (status: number, body: string) => void;
  /** Either a number of seconds or a number of requests; a timer stops the run in any case. */
  readonly seconds?: number;
  readonly amount?: number;
  readonly limitSeconds: number;
}

export async function load(options: LoadOptions): Promise<CannonResult> {
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    headers: options.headers,
    requests: [
      {
        method: options.method,
        setupRequest: options.setup,
        ...(options.onResponse ? { onResponse: options.onResponse } : {}),
      },
    ],
  });
  const timer = setTimeout(() => instance.stop(), options.limitSeconds * 1000);
  try {
    return await instance;
  } finally {
    clearTimeout(timer);
  }
}
