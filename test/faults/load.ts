// Test support: a bounded SCIM load over loopback (a few workers, a request count and a deadline)
// that creates users and patches their titles, and keeps a ledger of every answer: the creates
// and patches that were acknowledged (2xx), the ones whose outcome is unknown, and every status.

import { setTimeout as sleep } from 'node:timers/promises';
import { scimFetch } from '../server/validated-fetch.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface LoadOptions {
  /** The base URL to send to now; undefined while no server runs (the workers wait). */
  readonly target: () => string | undefined;
  readonly tenant: string;
  readonly token: string;
  /** Distinguishes this run's keys from any other run's. */
  readonly runId: string;
  readonly workers: number;
  /** Requests sent at most, by all workers together. */
  readonly maxRequests: number;
  /** The workers stop by themselves after this long. */
  readonly deadlineMs: number;
}

/** One answer (or a request that got none: `network`). */
export interface Answer {
  readonly op: 'create' | 'patch';
  readonly status: number | 'network';
  readonly phase: string;
  readonly at: number;
}

/** A 503 as the client saw it. */
export interface Unavailable {
  readonly retryAfter: string | null;
  readonly contentType: string | null;
  readonly body: unknown;
}

/** Every title a user was sent, in order, with whether the server acknowledged it. */
export interface TitleAttempt {
  readonly title: string;
  readonly acked: boolean;
}

export class Load {
  readonly answers: Answer[] = [];
  /** Acknowledged creates: key -> the id the server returned. */
  readonly created = new Map<string, string>();
  /** Per created id: the titles sent to it, the create's first. */
  readonly titles = new Map<string, TitleAttempt[]>();
  /** Some 503s, with their headers and bodies. */
  readonly unavailable: Unavailable[] = [];
  /** Answers other than 2xx and 503, with their bodies (there should be none). */
  readonly unexpected: { status: number; body: string }[] = [];
  /** Keys whose create got no answer at all (the server was killed): committed or not. */
  readonly unknownCreates: string[] = [];
  /** A label stamped on each answer, set by the test as the fault proceeds. */
  phase = 'before';
  #sent = 0;
  #inFlight = 0;
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(readonly options: LoadOptions) {}

  start(): void {
    const end = Date.now() + this.options.deadlineMs;
    this.#done = Promise.all(Array.from({ length: this.options.workers }, (_, w) => this.#worker(w, end))).then(() => undefined);
  }

  /** Asks the workers to stop and resolves when every in-flight request has its answer. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#done;
  }

  /** Resolves when the workers stopped by themselves (count or deadline reached). */
  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  get sent(): number {
    return this.#sent;
  }

  /** Requests sent that have no answer yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Answers with `status` class (`2xx`, 503, `network`, ...) in `phase`, or in all phases. */
  count(match: (status: number | 'network') => boolean, phase?: string): number {
    return this.answers.filter((a) => (phase === undefined || a.phase === phase) && match(a.status)).length;
  }

  /** Answers per phase and status, the unexpected ones and some 503s: for failure messages. */
  summary(): string {
    const counts: Record<string, Record<string, number>> = {};
    for (const a of this.answers) {
      const phase = (counts[a.phase] ??= {});
      phase[String(a.status)] = (phase[String(a.status)] ?? 0) + 1;
    }
    return JSON.stringify({ sent: this.#sent, inFlight: this.#inFlight, counts, unexpected: this.unexpected.slice(0, 5), unavailable: this.unavailable.slice(0, 2) });
  }

  async #worker(w: number, end: number): Promise<void> {
    // Each worker patches only the users it created, one request at a time: the order of one
    // user's titles is the order they were sent, so the ledger knows which title must win.
    const mine: string[] = [];
    let n = 0;
    while (!this.#stopping && this.#sent < this.options.maxRequests && Date.now() < end) {
      const base = this.options.target();
      if (!base) {
        await sleep(50);
        continue;
      }
      this.#sent++;
      n++;
      const patch = mine.length > 0 && n % 2 === 0;
      const ok = patch ? await this.#patch(base, mine[(n >> 1) % mine.length]!, `${n % 4 === 0 ? 'Lead' : 'Member'} ${w}-${n}`) : await this.#create(base, `${this.options.runId}-${w}-${n}`, mine);
      // A client backs off when the server cannot answer (Entra honours Retry-After; 100 ms keeps the test short).
      if (!ok) await sleep(100);
    }
  }

  async #create(base: string, key: string, mine: string[]): Promise<boolean> {
    const title = `Member ${key}`;
    const body = { schemas: [USER], userName: `${key}@faults.example`, externalId: key, title, active: true };
    const res = await this.#send('create', `${base}/scim/v2/${this.options.tenant}/Users`, 'POST', body);
    if (res?.ok) {
      const id = ((await res.json()) as { id: string }).id;
      this.created.set(key, id);
      this.titles.set(id, [{ title, acked: true }]);
      mine.push(id);
      return true;
    }
    if (!res) this.unknownCreates.push(key);
    await this.#record(res);
    return false;
  }

  async #patch(base: string, id: string, title: string): Promise<boolean> {
    const attempts = this.titles.get(id)!;
    const body = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: title }] };
    const res = await this.#send('patch', `${base}/scim/v2/${this.options.tenant}/Users/${id}`, 'PATCH', body);
    attempts.push({ title, acked: res?.ok ?? false });
    if (res?.ok) {
      await res.arrayBuffer();
      return true;
    }
    await this.#record(res);
    return false;
  }

  async #send(op: Answer['op'], url: string, method: string, body: unknown): Promise<Response | undefined> {
    const phase = this.phase;
    this.#inFlight++;
    try {
      const res = await scimFetch(url, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      this.answers.push({ op, status: res.status, phase, at: Date.now() });
      return res;
    } catch {
      this.answers.push({ op, status: 'network', phase, at: Date.now() });
      return undefined;
    } finally {
      this.#inFlight--;
    }
  }

  async #record(res: Response | undefined): Promise<void> {
    if (!res) return;
    const text = await res.text();
    if (res.status === 503) {
      if (this.unavailable.length < 20) {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // kept as text: the test fails on it
        }
        this.unavailable.push({ retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), body: parsed });
      }
      return;
    }
    this.unexpected.push({ status: res.status, body: text.slice(0, 500) });
  }
}

/** 2xx. */
export const ok = (s: number | 'network') => typeof s === 'number' && s >= 200 && s < 300;
