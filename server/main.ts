// Server: serve(options) opens the database, loads the tenant directory, builds the app and
// listens; prints each tenant's base URL and demo token; reloads on change and SIGHUP, delivers
// webhooks when configured, stops gracefully on SIGINT/SIGTERM.

import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Plan } from '../engine/plan.ts';
import { buildApp } from './app.ts';
import { watchConfigFolder } from './config-watcher.ts';
import { openDatabase, type OpenDatabase } from './db/database.ts';
import { BackgroundApplier } from './reevaluate.ts';
import { Scheduler } from './scheduler.ts';
import { recordedTenantFiles, recordTenantFiles } from './db/tenant-files.ts';
import { loadTenantDirectory, TenantRegistry, type ReloadSummary } from './tenants.ts';
import { WebhookDispatcher, webhookSettingsFromEnv } from './webhooks.ts';

export interface ServeOptions {
  readonly configDir: string;
  readonly port?: number;
  readonly host?: string;
  /** PGlite data directory (default `./.scimplan`); ignored when `databaseUrl` is set. */
  readonly dataDir?: string;
  /** PostgreSQL connection string; defaults to `DATABASE_URL`. */
  readonly databaseUrl?: string;
  /** pino level; default `LOG_LEVEL` or `info`. */
  readonly logLevel?: string;
  /** Where the start-up banner goes; default stdout. */
  readonly print?: (line: string) => void;
  /** Webhook receiver and signing secret; default `SCIMPLAN_WEBHOOK_URL` and `SCIMPLAN_WEBHOOK_SECRET`; false: none. */
  readonly webhook?: { readonly url: string; readonly secret: string; readonly pollMs?: number; readonly initialBackoffMs?: number } | false;
  /** The admin API token; default `SCIMPLAN_ADMIN_TOKEN`. */
  readonly adminToken?: string;
  /** Open connections at most (default 1000). */
  readonly maxConnections?: number;
  /** How often the config folder is compared when no file-system event came (default 2 s). */
  readonly watchPollMs?: number;
  /** An open database to serve instead of opening `databaseUrl`/`dataDir` (tests); close() closes it. */
  readonly database?: OpenDatabase;
  /** Called with the app before it is ready (tests: the strict response validator's hook). */
  readonly onApp?: (app: FastifyInstance) => void;
}

export interface Server {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<Server> {
  const logger = pino({ level: options.logLevel ?? process.env['LOG_LEVEL'] ?? 'info' });
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const databaseUrl = options.databaseUrl ?? process.env['DATABASE_URL'];

  const webhook = options.webhook === undefined ? webhookSettingsFromEnv() : options.webhook || undefined;
  const onConnectionError = (error: Error) =>
    logger.warn({ err: { name: error.name, code: (error as { code?: string }).code } }, 'a pooled database connection failed; it is replaced on the next query');
  const database =
    options.database ?? (await openDatabase(databaseUrl ? { databaseUrl, onConnectionError } : { dataDir: options.dataDir ?? './.scimplan' }));
  const loaded = await loadTenantDirectory(options.configDir, logger);
  const generated = generateMissingEnvTokens(loaded.plans);
  const tenants = new TenantRegistry();
  // The file that served a tenant id before this start keeps it against a second claimant.
  tenants.recordedHolders(await recordedTenantFiles(database.db));
  const applied = tenants.applyLoad(loaded);
  await recordServing(database, tenants, applied, logger);
  const app = buildApp({ db: database.db, tenants, logger, processMetrics: true, ...(options.adminToken ? { adminToken: options.adminToken } : {}) });
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // `applyOnChange: now` tenants: stored users follow a changed file at once (also one changed while down).
  const applier = new BackgroundApplier(database.db, logger, app.signals);
  for (const plan of tenants.serving(loaded)) void applier.schedule(plan);
  // While draining, answers close their connection: a keep-alive socket that was busy when the
  // server began closing would otherwise hold close() open until its idle timeout.
  let draining = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    if (draining) void reply.header('connection', 'close');
    return payload;
  });
  options.onApp?.(app);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 8080, host });
  const webhooks = webhook ? new WebhookDispatcher({ ...webhook, db: database.db, tenants, logger, metrics: app.metrics, signals: app.signals }) : undefined;
  webhooks?.start();
  // Time-dependent deactivation: catches up on moments passed while down, then sleeps until the
  // next; the app's requests wake it when they store an earlier moment (app.signals).
  const scheduler = new Scheduler({ db: database.db, plans: () => tenants.list().map((t) => t.plan), logger, signals: app.signals });
  scheduler.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  print(`scimplan serving ${tenants.list().length} tenant(s) on ${url} (${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'})`);
  if (database.kind === 'pglite') print('  storage: embedded PGlite (never fsyncs; use DATABASE_URL for durability)');
  for (const { plan } of tenants.list()) {
    print(`  ${plan.tenant}: ${url}/scim/v2/${plan.tenant}`);
    for (const ref of plan.tokens) {
      if (ref.env && generated.has(ref.env)) print(`    token (generated for $${ref.env}, valid until restart): ${generated.get(ref.env)}`);
      else if (ref.env) print(`    token: the value of $${ref.env}`);
    }
  }
  for (const { file } of tenants.failedFiles()) print(`  skipped ${file}: it has errors (run \`scimplan lint ${file}\`)`);
  const first = tenants.list()[0]?.plan;
  // Only a token this process generated is printed; one taken from the environment is a
  // secret, so the curl line names its variable instead.
  const demoEnv = first?.tokens.find((t) => t.env)?.env;
  if (first && demoEnv) {
    const bearer = generated.get(demoEnv) ?? `$${demoEnv}`;
    print('');
    print('try it:');
    print(`  curl -s -X POST ${url}/scim/v2/${first.tenant}/Users \\`);
    print(`    -H "Authorization: Bearer ${bearer}" -H 'Content-Type: application/scim+json' \\`);
    print(`    -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com","externalId":"ada-1","title":"Director","active":true}'`);
    print(`  curl -s '${url}/scim/v2/${first.tenant}/Users?filter=userName%20eq%20%22ada@example.com%22' -H "Authorization: Bearer ${bearer}"`);
  }

  const reload = async () => {
    if (closing) return;
    const next = await loadTenantDirectory(options.configDir, logger);
    generateMissingEnvTokens(next.plans);
    // Only compiled files replace plans; a broken file keeps the plan that is serving (stale).
    const summary = tenants.applyLoad(next);
    await recordServing(database, tenants, summary, logger);
    const changed = new Set(summary.loaded);
    for (const plan of tenants.serving(next)) if (changed.has(plan.tenant)) void applier.schedule(plan);
    for (const state of tenants.states()) {
      if (state.stale) logger.warn({ tenant: state.tenant, file: state.stale.file, codes: state.stale.codes, serving: state.hash }, 'tenant file has errors; the previous plan keeps serving');
    }
    for (const tenant of summary.removed) logger.warn({ tenant }, 'tenant file removed; the tenant is no longer served (its data is kept)');
    app.metrics.configReloads.inc({ outcome: 'ok' });
    logger.info({ tenants: next.plans.length, loaded: summary.loaded, stale: summary.stale, removed: summary.removed, failed: next.failed.length }, 'tenant files reloaded');
  };
  // One reload at a time, in order: a slow one never overwrites the result of a later one.
  let reloading: Promise<void> = Promise.resolve();
  const onHup = () => {
    reloading = reloading.then(reload).catch((error: unknown) => {
      app.metrics.configReloads.inc({ outcome: 'error' });
      logger.error({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'reload failed');
    });
  };
  // Editors write in bursts and replace files; one reload after the folder settles.
  const watcher = watchConfigFolder(options.configDir, onHup, {
    ...(options.watchPollMs ? { pollMs: options.watchPollMs } : {}),
    onError: (error) => logger.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'cannot watch the config folder; send SIGHUP to reload'),
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      watcher.close();
      process.off('SIGHUP', onHup);
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      // Stop accepting and drain: fastify answers in-flight requests before close resolves;
      // sockets that turn idle meanwhile are closed instead of kept alive.
      draining = true;
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      await app.close().finally(() => clearInterval(sweep));
      // Background work stops at a batch boundary (applier, scheduler, webhooks), then the
      // database closes with nothing half-written.
      await applier.close();
      await scheduler.stop();
      await webhooks?.stop();
      await reloading;
      await database.close();
    })());
  const onStop = () => void close().then(() => logger.info('stopped'));
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  return { app, url, close };
}

/** Open connections at most; more are refused by the kernel backlog until one closes. */
const DEFAULT_MAX_CONNECTIONS = 1_000;

/**
 * Logs the files refused because another file holds their tenant id, and records which file
 * serves each tenant, so that the next start keeps it with the same file.
 */
async function recordServing(database: OpenDatabase, tenants: TenantRegistry, summary: ReloadSummary, logger: FastifyBaseLogger): Promise<void> {
  for (const r of summary.refused) {
    logger.error(
      { file: r.file, tenant: r.tenant, holder: r.holder ?? null, others: r.others },
      r.holder ? 'tenant id already served by another file; this file is not served' : 'several files claim this tenant id; none is served until one remains',
    );
  }
  await recordTenantFiles(database.db, tenants.states()).catch((error: unknown) =>
    logger.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'cannot record which file serves each tenant'),
  );
}

/**
 * Demo tokens: an `env:` token whose variable is unset gets a random value for this process,
 * so `npm start` works without committing a plaintext token. Returns variable -> token.
 */
function generateMissingEnvTokens(plans: readonly Plan[]): Map<string, string> {
  const generated = new Map<string, string>();
  for (const plan of plans) {
    for (const ref of plan.tokens) {
      if (!ref.env || process.env[ref.env]) continue;
      const token = randomBytes(24).toString('base64url');
      process.env[ref.env] = token;
      generated.set(ref.env, token);
    }
  }
  return generated;
}
