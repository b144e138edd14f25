// Server: the Prometheus metrics of one app instance (a prom-client Registry of its own, so apps
// built side by side in one process never share counters). Labels carry names, never values.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Signals } from './signals.ts';
import type { TenantRegistry } from './tenants.ts';

/**
 * Counts the accounts whose deactivation is held by the safety limit, per tenant. The app
 * passes one when the safety module provides it; without it the gauge is not exported.
 */
export type HeldDeactivationsCounter = () => Promise<ReadonlyMap<string, number>>;

export interface MetricsOptions {
  readonly tenants: TenantRegistry;
  /** The app's signals: written events are counted from them. */
  readonly signals: Signals;
  /** Node process metrics (CPU, memory, event loop); off by default so tests stay quiet. */
  readonly processMetrics?: boolean;
  readonly heldDeactivations?: HeldDeactivationsCounter;
}

/** The metrics of one app. `close()` stops observing events; the app calls it on close. */
export interface AppMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /** Events written through this app, by tenant and type: the outcomes of provisioning. */
  readonly events: Counter<'tenant' | 'type'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly configReloads: Counter<'outcome'>;
  /** Requests refused by the tenant's request-rate limit (429), by tenant. */
  readonly rateLimited: Counter<'tenant'>;
  /** Requests Node's HTTP parser refused or cut off (malformed, headers too large, too slow), answered before any route. */
  readonly clientErrors: Counter<'status'>;
  /** Feed imports over HTTP held by a source threshold, by tenant and feed (server/routes/feeds.ts). */
  readonly feedImportsHeld: Counter<'tenant' | 'feed'>;
  close(): void;
}

export function createMetrics(options: MetricsOptions): AppMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const { tenants } = options;

  const httpRequests = new Counter({
    name: 'scimplan_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'scimplan_http_request_duration_seconds',
    help: 'HTTP request duration, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const events = new Counter({
    name: 'scimplan_events_total',
    help: 'Events written by this process, by tenant and type (user.created, user.deactivated, ...)',
    labelNames: ['tenant', 'type'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'scimplan_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (delivered, failed, aborted at shutdown)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const configReloads = new Counter({
    name: 'scimplan_config_reloads_total',
    help: 'Reloads of the config directory, by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'scimplan_rate_limited_total',
    help: 'Requests answered 429 by the tenant\'s request-rate limit, by tenant',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  const clientErrors = new Counter({
    name: 'scimplan_client_errors_total',
    help: 'Requests refused by the HTTP parser or cut off by a timeout before any route ran, by the status answered (400, 408, 431; 0: closed without an answer)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const feedImportsHeld = new Counter({
    name: 'scimplan_feed_imports_held_total',
    help: 'Feed imports posted over HTTP and held as a whole by a source threshold, by tenant and feed',
    labelNames: ['tenant', 'feed'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'scimplan_tenant_config_info',
    help: 'The config serving each tenant: always 1, labelled with the file and its sha256',
    labelNames: ['tenant', 'file', 'hash'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of tenants.states()) this.set({ tenant: s.tenant, file: s.file, hash: s.hash }, 1);
    },
  });
  new Gauge({
    name: 'scimplan_tenant_config_stale',
    help: '1 when the tenant file changed and no longer compiles (the previous plan keeps serving); codes are the error codes',
    labelNames: ['tenant', 'file', 'codes'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of tenants.states()) {
        this.set({ tenant: s.tenant, file: s.stale?.file ?? s.file, codes: s.stale?.codes.join(',') ?? '' }, s.stale ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'scimplan_tenant_config_loaded_timestamp_seconds',
    help: 'When the serving plan of each tenant was loaded',
    labelNames: ['tenant'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of tenants.states()) this.set({ tenant: s.tenant }, s.loadedAt.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'scimplan_config_failed_files',
    help: 'Files of the config directory that do not compile and serve no tenant (new files, duplicate tenant ids)',
    registers: [registry],
    collect() {
      this.set(tenants.failedFiles().length);
    },
  });
  const held = options.heldDeactivations;
  if (held) {
    new Gauge({
      name: 'scimplan_deactivations_held',
      help: 'Accounts whose deactivation is held by the safety limit, waiting for approval',
      labelNames: ['tenant'] as const,
      registers: [registry],
      async collect() {
        // A database that does not answer must not take the whole page down when operators need
        // it most: the gauge keeps its last values (the log and /readyz say why).
        const counts = await held().catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const s of tenants.states()) this.set({ tenant: s.tenant }, counts.get(s.tenant) ?? 0);
      },
    });
  }

  // Only this app's tenants (served or removed) are counted, whatever a caller records.
  const stopObserving = options.signals.observeEvents((tenant, written) => {
    if (!tenants.get(tenant) && !tenants.removed(tenant)) return;
    for (const e of written) events.inc({ tenant, type: e.type });
  });
  return { registry, httpRequests, httpDuration, events, webhookDeliveries, configReloads, rateLimited, clientErrors, feedImportsHeld, close: stopObserving };
}

