// Server: buildApp(options) -> a fastify instance serving the SCIM API of every tenant in the
// registry. Never listens (main.ts does); tests drive it with inject.

import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { adminTokenDigest, requireAdmin } from './admin-auth.ts';
import { bearerToken, tokenMatches } from './auth.ts';
import type { Database } from './db/tables.ts';
import { MAX_PATH_SEGMENT, scimErrorOf } from './error-answer.ts';
import { errorBody, ScimError, scimError } from './errors.ts';
import { conditionalGet } from './etag.ts';
import { DEFAULT_BULK_LIMITS, type BulkLimits } from './bulk-request.ts';
import { BulkOperationIds, bulkRoutes } from './routes/bulk.ts';
import { adminPlanRoutes } from './routes/admin-plan.ts';
import { adminUserRoutes } from './routes/admin-users.ts';
import { playgroundRoutes } from './routes/playground.ts';
import { approveRoutes } from './routes/approve.ts';
import { feedRoutes } from './routes/feeds.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { groupRoutes } from './routes/groups.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { loginRoutes } from './routes/logins.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { createMetrics, type AppMetrics, type HeldDeactivationsCounter } from './metrics.ts';
import { heldDeactivations } from './safety.ts';
import { RateLimiter } from './rate-limit.ts';
import { createSignals, type Signals } from './signals.ts';
import { userRoutes } from './routes/users.ts';
import { findBadText, textProblem } from './scim/text-check.ts';
import type { Tenant, TenantRegistry } from './tenants.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export interface AppOptions {
  readonly db: Kysely<Database>;
  readonly tenants: TenantRegistry;
  /** A pino logger, or false (default) for none. Request bodies and queries are never logged. */
  readonly logger?: FastifyBaseLogger | false;
  /** Largest accepted request body in bytes; larger ones get 413. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** The admin API's bearer token; default `SCIMPLAN_ADMIN_TOKEN`. None: the admin API answers 503. */
  readonly adminToken?: string;
  /** The built playground page's folder (default dist/playground, see routes/playground.ts). */
  readonly playgroundAssets?: string;
  /** Export Node process metrics on /metrics too (serve() turns this on). */
  readonly processMetrics?: boolean;
  /** Counts held deactivations per tenant for /metrics; default: safety.ts `heldDeactivations`. */
  readonly heldDeactivations?: HeldDeactivationsCounter;
  /** /Bulk limits (advertised and enforced); the Bulk route's body limit is `maxPayloadSize`. */
  readonly bulk?: BulkLimits;
  /** Slow-client limits in ms; see DEFAULT_TIMEOUTS. */
  readonly timeouts?: Partial<Timeouts>;
  /** The request-rate limiter's monotonic clock in ms (default `performance.now`); tests drive their own. */
  readonly rateLimitClock?: () => number;
}

/** How long a client may take: a slow or idle client cannot hold a connection for long. */
export interface Timeouts {
  /** Until the request's headers are complete (Node `headersTimeout`). */
  readonly headersMs: number;
  /** Until the whole request, body included, has arrived (Node `requestTimeout`). */
  readonly requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 30_000 });

/** Seconds a client is asked to wait when the database is not reachable. */
const RETRY_AFTER_SECONDS = 5;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant; set by the SCIM routes' onRequest hook. */
    tenant: Tenant | null;
  }
  interface FastifyInstance {
    /** This app's Prometheus metrics (served on /metrics). */
    metrics: AppMetrics;
    /**
     * This app's signals: its requests announce written events and stored moments here; its
     * metrics listen, and serve() hands them to the scheduler and webhooks it starts with it.
     */
    signals: Signals;
  }
}

/** Response header naming the config (sha256 of the tenant file) that answered a SCIM request. */
export const CONFIG_HASH_HEADER = 'x-scimplan-config-hash';

export function buildApp(options: AppOptions): FastifyInstance {
  const operationIds = new BulkOperationIds();
  const limiter = new RateLimiter(options.rateLimitClock);
  // The raw requests of dispatched /Bulk operations: the Bulk request paid for them already.
  const dispatched = new WeakSet<object>();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: MAX_PATH_SEGMENT },
    // An operation of a /Bulk request is `<bulk request id>/<n>`, so its events and logs point to the batch.
    genReqId: (req) => {
      const operationId = operationIds.requestId(req.headers);
      if (operationId !== undefined) dispatched.add(req);
      return operationId ?? randomUUID();
    },
    // Fastify's own request lines carry the URL with its query string (filters hold values).
    logController: new LogController({ disableRequestLogging: true }),
    // Errors raised before a route runs leave as SCIM bodies too, never echoing the URL.
    frameworkErrors: (error, request, reply) => sendError(reply, request.log, error),
    // Counted and logged (the code only: never the bytes the client sent).
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      const status = answerClientError(error, socket);
      if (status === undefined) return;
      metrics.clientErrors.inc({ status: String(status) });
      app.log.info({ code: error.code, status }, 'client error');
    },
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.min(1_000, timeouts.headersMs) },
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
  }) as unknown as FastifyInstance;

  // Node hands a CONNECT request to 'connect' listeners, and closes the connection without an
  // answer when there are none: it gets the answer of any other method no route serves.
  app.server.on('connect', (_request: unknown, socket: Socket) => writeRawAnswer(socket, scimError('ENDPOINT_NOT_FOUND'), true));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['application/scim+json'], { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  app.decorateRequest('tenant', null);
  const signals = createSignals();
  app.decorate('signals', signals);
  const metrics = createMetrics({
    tenants: options.tenants,
    signals,
    processMetrics: options.processMetrics ?? false,
    heldDeactivations: options.heldDeactivations ?? (() => heldDeactivations(options.db)),
  });
  app.decorate('metrics', metrics);
  app.addHook('onClose', async () => metrics.close());
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(reply, request.log, error));
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).type(SCIM_CONTENT_TYPE).send(errorBody(scimError('ENDPOINT_NOT_FOUND')));
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.info(
      { method: request.method, route: request.routeOptions.url, tenant: request.tenant?.plan.tenant, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    done();
  });

  app.register(healthRoutes, { db: options.db, tenants: options.tenants });
  app.register(metricsRoutes, { metrics });
  app.register(playgroundRoutes, { server: true, ...(options.playgroundAssets ? { assets: options.playgroundAssets } : {}) });
  // The admin API below /api/v1: every route needs SCIMPLAN_ADMIN_TOKEN (admin-auth.ts).
  const adminDigest = adminTokenDigest(options.adminToken ?? process.env['SCIMPLAN_ADMIN_TOKEN']);
  app.register(approveRoutes, { prefix: '/api/v1', db: options.db, adminDigest, signals });
  app.register(loginRoutes, { prefix: '/api/v1', db: options.db, tenants: options.tenants, signals });
  app.register(feedRoutes, { prefix: '/api/v1', db: options.db, tenants: options.tenants, adminDigest, signals, importsHeld: metrics.feedImportsHeld });
  app.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdmin(adminDigest));
      admin.register(eventRoutes, { db: options.db });
      admin.register(adminPlanRoutes, { db: options.db, signals });
      admin.register(adminUserRoutes, { db: options.db });
    },
    { prefix: '/api/v1' },
  );
  app.register(
    async (scim) => {
      // Hooks in callback style: no promise per hook per request (a throw still answers the error).
      scim.addHook('onRequest', (request, reply, done) => {
        const name = (request.params as { tenant?: string }).tenant ?? '';
        const tenant = options.tenants.get(name);
        const token = bearerToken(request.headers.authorization);
        // A tenant whose file was removed: its own clients learn why; its data stays.
        const removed = tenant ? undefined : options.tenants.removed(name);
        if (removed && tokenMatches(token, removed.tokenDigests)) {
          throw scimError('TENANT_NOT_CONFIGURED', { tenant: name });
        }
        // An unknown tenant answers like a wrong token, so tenant names cannot be probed.
        if (!tenant || !tokenMatches(token, tenant.tokenDigests)) {
          void reply.header('WWW-Authenticate', 'Bearer realm="scimplan"');
          throw scimError('UNAUTHORIZED');
        }
        request.tenant = tenant;
        // After authentication, so that no one without the tenant's token spends its budget; before
        // the body is read, so that a refused request costs little.
        const plan = tenant.plan;
        if (!dispatched.has(request.raw)) {
          const admission = limiter.admit(plan.tenant, plan.limits);
          if (!admission.admitted) {
            metrics.rateLimited.inc({ tenant: plan.tenant });
            void reply.header('retry-after', String(admission.retryAfterSeconds));
            throw scimError('RATE_LIMITED', { seconds: admission.retryAfterSeconds });
          }
        }
        done();
      });
      scim.addHook('onSend', (request, reply, payload, done) => {
        if (request.tenant) reply.header(CONFIG_HASH_HEADER, request.tenant.plan.hash);
        if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.type(SCIM_CONTENT_TYPE);
        done(null, payload);
      });
      scim.addHook('preValidation', (request, _reply, done) => {
        // Text PostgreSQL cannot hold (NUL, lone surrogates) is refused before anything reads it.
        for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
          const badName = textProblem(name);
          if (badName) throw scimError('QUERY_TEXT_INVALID', { name: '(its name)', problem: badName });
          const problem = [value].flat().map((v) => (typeof v === 'string' ? textProblem(v) : undefined)).find(Boolean);
          if (problem) throw name.toLowerCase() === 'filter' ? scimError('FILTER_TEXT_INVALID', { problem }) : scimError('QUERY_TEXT_INVALID', { name, problem });
        }
        const bad = findBadText(request.body);
        if (bad) throw scimError('TEXT_INVALID', { where: bad.where, problem: bad.problem });
        // A /Bulk request counts each of its operations (admission took the first).
        const plan = request.tenant?.plan;
        if (plan && request.method === 'POST' && request.routeOptions.url?.endsWith('/Bulk')) {
          const operations = (request.body as { Operations?: unknown } | null)?.Operations;
          const max = (options.bulk ?? DEFAULT_BULK_LIMITS).maxOperations;
          if (Array.isArray(operations) && operations.length <= max) limiter.charge(plan.tenant, plan.limits, operations.length - 1);
        }
        done();
      });
      conditionalGet(scim);
      scim.register(userRoutes, { db: options.db, signals });
      scim.register(groupRoutes, { db: options.db, signals });
      scim.register(discoveryRoutes, { bulk: options.bulk ?? DEFAULT_BULK_LIMITS });
      scim.register(bulkRoutes, { operationIds, limits: options.bulk ?? DEFAULT_BULK_LIMITS });
    },
    { prefix: '/scim/v2/:tenant' },
  );
  return app;
}

/** Every error leaves as an RFC 7644 §3.12 body. Details never echo the request (they are logged). */
function sendError(reply: FastifyReply, log: FastifyBaseLogger, error: FastifyError | ScimError): void {
  const scim = scimErrorOf(error, log);
  if (scim.status === 503) void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  void reply.type(SCIM_CONTENT_TYPE).code(scim.status).send(errorBody(scim));
}

/** Node's HTTP parser errors (before fastify sees a request) -> the catalogue entry to answer. */
const CLIENT_ERRORS: Readonly<Record<string, 'HEADERS_TOO_LARGE' | 'REQUEST_TIMEOUT'>> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * Answers what Node's HTTP parser refused with a SCIM body, then closes the connection. The
 * answer takes the place of the response in flight on the connection, if any (as Node's own
 * handler does): a client reads it as the answer to its oldest open request. Returns the status
 * answered, 0 for a connection closed without an answer, undefined when nothing is to count.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): number | undefined {
  // Node calls again for every later chunk the client sends: the answer below is being flushed.
  if (socket.writableEnded && !socket.destroyed) return undefined;
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  // Part of an answer is on the wire: a second response would corrupt the stream.
  if (!socket.writable || inFlight?.headersSent || error.code === 'ECONNRESET') {
    socket.destroy();
    // A client that reset its connection is no fault of anyone's; a connection cut is counted.
    return error.code === 'ECONNRESET' ? undefined : 0;
  }
  // An answer to HEAD has no body. (A client that sends a body with HEAD but no Content-Length,
  // as node:http does, has sent its body as a second request: that is what the parser refused.)
  // With no response in flight, the answer is the refused request's own: a HEAD if its bytes say so.
  const answersHead = inFlight ? inFlight.req?.method === 'HEAD' : startsAsHead((error as { rawPacket?: unknown }).rawPacket);
  const scim = scimError(CLIENT_ERRORS[error.code ?? ''] ?? 'REQUEST_MALFORMED');
  writeRawAnswer(socket, scim, !answersHead);
  return scim.status;
}

/**
 * Whether the bytes Node's parser was reading when it failed (`rawPacket`: the chunk, when it has
 * one) begin a HEAD request. A HEAD whose headers overflow in a later chunk is not seen as one.
 */
function startsAsHead(raw: unknown): boolean {
  return Buffer.isBuffer(raw) && /^(\r?\n)*HEAD /.test(raw.subarray(0, 16).toString('latin1'));
}

/** Writes `scim` as the only answer on `socket` (no HTTP response object exists), then closes it once flushed. */
function writeRawAnswer(socket: Socket, scim: ScimError, withBody: boolean): void {
  const body = JSON.stringify(errorBody(scim));
  socket.write(
    `HTTP/1.1 ${scim.status} ${STATUS_CODES[scim.status] ?? 'Error'}\r\n` +
      `Content-Type: ${SCIM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${withBody ? body : ''}`,
  );
  // A response still in flight on the connection writes nothing more.
  socket.destroySoon();
}
