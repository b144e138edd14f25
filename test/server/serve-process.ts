// Test support: one `node bin/scimplan.js serve` child process on 127.0.0.1 (a free port) with
// DATABASE_URL; its URL (from the banner), its pino log lines, its exit, and ways to end it.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcessOptions {
  readonly name: string;
  readonly configDir: string;
  readonly databaseUrl: string;
  /** Extra environment (the tenant's token variable). */
  readonly env: Readonly<Record<string, string>>;
  /** Extra `serve` arguments (`--data-dir D` with an empty databaseUrl). */
  readonly args?: readonly string[];
}

export class ServeProcess {
  readonly child: ChildProcess;
  /** Resolves with the base URL once the banner is printed; rejects if the process ends first. */
  readonly url: Promise<string>;
  stdout = '';
  stderr = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly #exit: Promise<void>;

  constructor(readonly options: ServeProcessOptions) {
    const { name } = options;
    this.child = spawn(process.execPath, ['bin/scimplan.js', 'serve', '--config', options.configDir, '--port', '0', '--host', '127.0.0.1', ...(options.args ?? [])], {
      cwd: ROOT,
      env: { ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, LOG_LEVEL: 'info', SCIMPLAN_WEBHOOK_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    this.url = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no banner within 30 s\n${this.output()}`)), 30_000);
      this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        this.stdout += chunk;
        const match = /scimplan serving \d+ tenant\(s\) on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.stdout);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
      void this.#exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${JSON.stringify(this.exited)}) before serving\n${this.output()}`));
      });
    });
    this.url.catch(() => {});
  }

  get alive(): boolean {
    return this.exited === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves when the process has exited. */
  get ended(): Promise<void> {
    return this.#exit;
  }

  output(): string {
    const { name } = this.options;
    return `--- ${name} stdout ---\n${this.stdout.slice(-4000)}\n--- ${name} stderr ---\n${this.stderr.slice(-4000)}`;
  }

  /** The pino lines of this process, parsed (the banner and other plain lines are skipped). */
  logs(): Record<string, unknown>[] {
    return this.stdout.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** How many log lines carry this message. */
  logCount(msg: string): number {
    return this.logs().filter((l) => l['msg'] === msg).length;
  }

  /** SIGKILL now (`kill -9`); resolves when the process is gone. */
  async kill9(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
    await this.#exit;
  }

  /** SIGTERM (graceful close), then SIGKILL after 5 s; resolves when the process has exited. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.#exit;
    clearTimeout(killer);
  }
}
