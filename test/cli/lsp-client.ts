// Test support: a language client over the stdio of a `node bin/scimplan.js lsp` child process,
// speaking JSON-RPC with LSP's Content-Length framing by hand (no client library in between).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Message = { id?: number; method?: string; params?: unknown; result?: unknown; error?: unknown };

export class LspProcess {
  readonly child: ChildProcess;
  stderr = '';
  #buffer = Buffer.alloc(0);
  #nextId = 1;
  readonly #pending = new Map<number, (m: Message) => void>();
  readonly #notifications: Message[] = [];
  readonly #waiters: { method: string; test: (params: unknown) => boolean; resolve: (p: unknown) => void }[] = [];
  readonly exit: Promise<number | null>;

  constructor() {
    this.child = spawn(process.execPath, ['bin/scimplan.js', 'lsp', '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => this.#read(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exit = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const headerEnd = this.#buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.#buffer.subarray(0, headerEnd).toString('ascii'))?.[1]);
      if (this.#buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.#buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8')) as Message;
      this.#buffer = this.#buffer.subarray(headerEnd + 4 + length);
      if (message.id !== undefined && message.method === undefined) this.#pending.get(message.id)?.(message);
      else if (message.method !== undefined && message.id === undefined) this.#notify(message);
      else if (message.method !== undefined) this.#send({ id: message.id, result: null }); // server-to-client requests
    }
  }

  #notify(message: Message): void {
    const i = this.#waiters.findIndex((w) => w.method === message.method && w.test(message.params));
    if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(message.params);
    else this.#notifications.push(message);
  }

  #send(message: Message): void {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }), 'utf8');
    this.child.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin!.write(body);
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result as T)));
      this.#send({ id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.#send({ method, params });
  }

  /** The next notification `method` whose params pass `test` (one already received counts). */
  next<T>(method: string, test: (params: T) => boolean = () => true): Promise<T> {
    const i = this.#notifications.findIndex((m) => m.method === method && test(m.params as T));
    if (i >= 0) return Promise.resolve(this.#notifications.splice(i, 1)[0]!.params as T);
    return new Promise((resolve) => this.#waiters.push({ method, test: test as (p: unknown) => boolean, resolve: resolve as (p: unknown) => void }));
  }

  /** shutdown, then exit: resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    await this.request('shutdown', null);
    this.notify('exit', null);
    return this.exit;
  }
}
