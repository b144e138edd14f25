// Server: webhook delivery of the events table -> HMAC-signed POSTs to one receiver, per tenant
// in feed order (server/db/events.ts `listEvents`), at least once, with exponential backoff; a
// durable cursor (the last id delivered) lets restarts resume.

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { listEvents } from './db/events.ts';
import type { Database } from './db/tables.ts';
import type { AppMetrics } from './metrics.ts';
import { eventView, type EventView } from './routes/events.ts';
import type { Signals } from './signals.ts';
import type { TenantRegistry } from './tenants.ts';

export const WEBHOOK_URL_ENV = 'SCIMPLAN_WEBHOOK_URL';
export const WEBHOOK_SECRET_ENV = 'SCIMPLAN_WEBHOOK_SECRET';
/** `sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>`. */
export const SIGNATURE_HEADER = 'x-scimplan-signature';
/** `<tenant>:<first id>-<last id>`: the same value on every retry of one batch. */
export const DELIVERY_HEADER = 'x-scimplan-delivery';

/** The body of one delivery: a batch of one tenant's events, oldest first. */
export interface WebhookBody {
  readonly tenant: string;
  readonly events: readonly EventView[];
}

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly db: Kysely<Database>;
  /** Tenants served; each one's events are delivered as a stream of its own. */
  readonly tenants: TenantRegistry;
  readonly logger?: FastifyBaseLogger;
  readonly metrics?: AppMetrics;
  /** The app's signals: an event written through it wakes the dispatcher; none: the poll alone. */
  readonly signals?: Signals;
  /** Events per POST; default 100. */
  readonly batchSize?: number;
  /** How often the table is read when nothing wakes the dispatcher; default 1000 ms. */
  readonly pollMs?: number;
  /** First retry delay, doubled per failure up to `maxBackoffMs`; defaults 1 s and 5 min. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Per attempt; default 10 s. */
  readonly timeoutMs?: number;
  /** How long a tenant's lease lasts without renewal; default 60 s. */
  readonly leaseMs?: number;
}

/** `sha256=<hex>` for `body`. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** For receivers: true when `header` is the signature of `body`; compared in constant time. */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  const expected = Buffer.from(signWebhookBody(secret, body));
  const presented = Buffer.from(header ?? '');
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Reads the webhook settings from the environment; none when the URL is unset. */
export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { url: string; secret: string } | undefined {
  const url = env[WEBHOOK_URL_ENV];
  if (!url) return undefined;
  const secret = env[WEBHOOK_SECRET_ENV];
  if (!secret) throw new Error(`${WEBHOOK_URL_ENV} is set but ${WEBHOOK_SECRET_ENV} is not: webhooks are always signed`);
  return { url, secret };
}

/**
 * Delivers every served tenant's events to one URL. Invariants: a tenant's events leave in id
 * order (which is commit order within a tenant); a batch counts as delivered only on a 2xx
 * answer, and the cursor advances only then, so a crash or a failure repeats it (at least
 * once; receivers dedupe by event id). One instance at a time holds a tenant's lease.
 */
export class WebhookDispatcher {
  readonly #o: Required<Omit<WebhookOptions, 'logger' | 'metrics' | 'signals'>> & Pick<WebhookOptions, 'logger' | 'metrics' | 'signals'>;
  readonly #owner = randomUUID();
  readonly #failures = new Map<string, { count: number; retryAt: number }>();
  /** Leases this instance holds: the tenant's cursor, and when to renew (a third of the lease). */
  readonly #leases = new Map<string, { cursor: number; renewAt: number }>();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #sleeping: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #inFlight: AbortController | undefined;
  #unobserve: (() => void) | undefined;

  constructor(options: WebhookOptions) {
    new URL(options.url); // throws on a malformed URL, at start-up rather than at the first event
    this.#o = {
      batchSize: 100,
      pollMs: 1000,
      initialBackoffMs: 1000,
      maxBackoffMs: 5 * 60 * 1000,
      timeoutMs: 10_000,
      leaseMs: 60_000,
      ...options,
    };
  }

  start(): void {
    if (this.#loop) return;
    // Written events are not committed yet when observed; a short delay lets the commit land.
    this.#unobserve = this.#o.signals?.observeEvents((tenant) => {
      if (this.#o.tenants.get(tenant)) setTimeout(() => this.wake(), 20).unref();
    });
    this.#loop = this.#run();
  }

  /** Reads the table now instead of at the next poll. */
  wake(): void {
    const sleeping = this.#sleeping;
    if (!sleeping) return;
    this.#sleeping = undefined;
    clearTimeout(sleeping.timer);
    sleeping.resolve();
  }

  /**
   * Stops at a batch boundary: the attempt in flight may finish for `graceMs` (default 5 s)
   * before it is aborted (an aborted batch is repeated after a restart). Releases the leases.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopped = true;
    this.#unobserve?.();
    this.wake();
    const grace = setTimeout(() => this.#inFlight?.abort(), graceMs);
    await this.#loop;
    clearTimeout(grace);
    await this.#o.db
      .updateTable('webhook_cursor')
      .set({ locked_by: null, locked_until: null })
      .where('locked_by', '=', this.#owner)
      .execute()
      .catch(() => undefined);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let busy = false;
      for (const { plan } of this.#o.tenants.list()) {
        if (this.#stopped) break;
        const failure = this.#failures.get(plan.tenant);
        if (failure && failure.retryAt > Date.now()) continue;
        try {
          busy = (await this.#deliverOne(plan.tenant)) || busy;
        } catch (error) {
          this.#o.logger?.error({ err: { name: (error as Error).name, code: (error as { code?: string }).code }, tenant: plan.tenant }, 'webhook cursor failed');
        }
      }
      if (!busy && !this.#stopped) await this.#sleep(this.#nextWait());
    }
  }

  /** One batch of one tenant. True when a full batch went out (more may be waiting). */
  async #deliverOne(tenant: string): Promise<boolean> {
    const cursor = await this.#cursor(tenant);
    if (cursor === undefined) return false;
    const events = await listEvents(this.#o.db, tenant, cursor, this.#o.batchSize);
    if (events.length === 0) return false;
    const first = events[0]!.id;
    const last = events.at(-1)!.id;
    const body = JSON.stringify({ tenant, events: events.map(eventView) } satisfies WebhookBody);
    const ok = await this.#post(tenant, body, `${tenant}:${first}-${last}`);
    if (!ok) return false;
    this.#failures.delete(tenant);
    const saved = await this.#o.db
      .updateTable('webhook_cursor')
      .set({ last_id: last, updated_at: new Date() })
      .where('tenant', '=', tenant)
      .where('locked_by', '=', this.#owner)
      .executeTakeFirst();
    // Lost the lease meanwhile (a long stall): forget it; the holder goes on from its cursor.
    if (Number(saved.numUpdatedRows) === 0) this.#leases.delete(tenant);
    else this.#leases.set(tenant, { cursor: last, renewAt: this.#leases.get(tenant)?.renewAt ?? 0 });
    return events.length === this.#o.batchSize;
  }

  /** The tenant's cursor while this instance holds its lease (renewed on time); else undefined. */
  async #cursor(tenant: string): Promise<number | undefined> {
    const held = this.#leases.get(tenant);
    if (held && held.renewAt > Date.now()) return held.cursor;
    const cursor = await this.#claim(tenant);
    if (cursor === undefined) this.#leases.delete(tenant);
    else this.#leases.set(tenant, { cursor, renewAt: Date.now() + this.#o.leaseMs / 3 });
    return cursor;
  }

  /** Takes or renews the tenant's lease; returns its cursor, or undefined when another instance holds it. */
  async #claim(tenant: string): Promise<number | undefined> {
    const { db, leaseMs } = this.#o;
    await db
      .insertInto('webhook_cursor')
      .values({ tenant, last_id: 0, updated_at: new Date() })
      .onConflict((oc) => oc.column('tenant').doNothing())
      .execute();
    const row = await db
      .updateTable('webhook_cursor')
      .set({ locked_by: this.#owner, locked_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'` })
      .where('tenant', '=', tenant)
      .where((eb) => eb.or([eb('locked_by', 'is', null), eb('locked_by', '=', this.#owner), eb('locked_until', '<', sql<Date>`now()`)]))
      .returning('last_id')
      .executeTakeFirst();
    return row ? Number(row.last_id) : undefined;
  }

  async #post(tenant: string, body: string, delivery: string): Promise<boolean> {
    const controller = new AbortController();
    this.#inFlight = controller;
    const timer = setTimeout(() => controller.abort(), this.#o.timeoutMs);
    let status = 0;
    try {
      const res = await fetch(this.#o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'scimplan-webhooks',
          [SIGNATURE_HEADER]: signWebhookBody(this.#o.secret, body),
          [DELIVERY_HEADER]: delivery,
        },
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch {
      status = 0;
    } finally {
      clearTimeout(timer);
      this.#inFlight = undefined;
    }
    const ok = status >= 200 && status < 300;
    this.#o.metrics?.webhookDeliveries.inc({ outcome: ok ? 'delivered' : this.#stopped ? 'aborted' : 'failed' });
    if (!ok) {
      const count = (this.#failures.get(tenant)?.count ?? 0) + 1;
      const delay = Math.min(this.#o.maxBackoffMs, this.#o.initialBackoffMs * 2 ** (count - 1));
      this.#failures.set(tenant, { count, retryAt: Date.now() + delay });
      // The receiver's answer body is never logged: it may echo what it was sent.
      if (!this.#stopped) this.#o.logger?.warn({ tenant, delivery, status, attempt: count, retryInMs: delay }, 'webhook delivery failed');
    }
    return ok;
  }

  #nextWait(): number {
    let wait = this.#o.pollMs;
    for (const f of this.#failures.values()) wait = Math.min(wait, Math.max(0, f.retryAt - Date.now()));
    return wait;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleeping = undefined;
        resolve();
      }, ms);
      this.#sleeping = { timer, resolve };
    });
  }
}
