// Test helpers of the server suite: one database per test worker, shared by its test files
// (PGlite in memory, or PostgreSQL when TEST_DATABASE_URL is set), and apps built from inline
// tenant YAML.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Plan } from '../../engine/plan.ts';
import { buildApp, type AppOptions } from '../../server/app.ts';
import { openDatabase, type OpenDatabase } from '../../server/db/database.ts';
import { listEvents, type StoredEvent } from '../../server/db/events.ts';
import type { Database } from '../../server/db/tables.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { installResponseValidator, takeViolations } from './validate-responses.ts';

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A database of its own: PGlite in memory, or a new pool on TEST_DATABASE_URL. The caller closes it. */
export function openPrivateDatabase(): Promise<OpenDatabase> {
  const url = process.env['TEST_DATABASE_URL'];
  return openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
}

/**
 * The database of this test worker: opened by the first test file that asks, then shared by
 * every file the worker runs (vitest.config.ts turns isolation off, so this module and its
 * cache live as long as the worker). Tests isolate by tenant name (`uniqueTenant`), so they
 * must filter by tenant. Its `close` does nothing: the worker's exit ends it.
 */
export function openTestDatabase(): Promise<OpenDatabase> {
  workerDatabase ??= openPrivateDatabase().then(
    (database): OpenDatabase => ({ db: database.db, kind: database.kind, close: async () => {} }),
    (error: unknown) => {
      workerDatabase = undefined;
      throw error;
    },
  );
  return workerDatabase;
}
let workerDatabase: Promise<OpenDatabase> | undefined;

/** A tenant name unique to this run, so runs against one PostgreSQL never collide. */
export function uniqueTenant(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`.slice(0, 60);
}

/** Compiles inline tenant YAML; throws with the error codes when it does not compile. */
export function planOf(yaml: string): Plan {
  const { plan, diagnostics } = compileTenantFile('inline.yaml', yaml);
  if (!plan) {
    const errors = diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message} (line ${d.span?.line})`);
    throw new Error(`tenant yaml does not compile:\n${errors.join('\n')}`);
  }
  return plan;
}

/** The standard test tenant of the server suite; its token is `secret-<tenant>`. */
export function tenantYaml(tenant: string, extra = ''): string {
  return `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
profile:
  function: title
  department: enterprise.department
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false }
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: 'function in ["Director", "CFO"]'
${extra}`;
}

export interface TestApp {
  readonly app: FastifyInstance;
  readonly db: Kysely<Database>;
  /** inject with the tenant's token and SCIM content type; `path` is relative to the tenant base. */
  scim(tenant: string, method: InjectOptions['method'], path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

/**
 * buildApp with the strict response validator installed (validate-responses.ts): every SCIM
 * answer is checked against the app's own /Schemas and /ResourceTypes, and the test that
 * received a non-conforming answer fails: at once through `scim`, else after the test (test/setup.ts).
 */
export function validatedApp(options: AppOptions): FastifyInstance {
  const app = buildApp(options);
  installResponseValidator(app);
  return app;
}

/** Throws with every validator violation since the last check (and forgets them). */
export function failOnViolations(): void {
  const violations = takeViolations();
  if (violations.length > 0) throw new Error(`SCIM responses do not match what the server advertises:\n${violations.join('\n')}`);
}

/**
 * `db` through a plugin that pushes every query kysely builds onto `queries` (the JSON of its
 * node); statements run from fixed text (`CompiledQuery.raw`) are not seen.
 */
export function recordingQueries(db: Kysely<Database>, queries: string[]): Kysely<Database> {
  return db.withPlugin({
    transformQuery: (args) => {
      queries.push(JSON.stringify(args.node));
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
}

export function buildTestApp(db: Kysely<Database>, yamls: readonly string[]): TestApp {
  const tenants = new TenantRegistry(yamls.map(planOf));
  const app = validatedApp({ db, tenants, bodyLimit: 64 * 1024 });
  return {
    app,
    db,
    async scim(tenant, method, path, body, headers = {}) {
      const response = await app.inject({
        method,
        url: `/scim/v2/${tenant}${path}`,
        headers: {
          authorization: `Bearer secret-${tenant}`,
          ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      failOnViolations();
      return response;
    },
  };
}

/**
 * One app over the given tenant files for a whole test file, on the worker's database
 * (`openTestDatabase`): built in `beforeAll`, closed in `afterAll`. Use the returned object
 * only inside tests and hooks registered after this call.
 */
export function useTestApp(yamls: () => readonly string[]): TestApp {
  let database: OpenDatabase | undefined;
  let current: TestApp | undefined;
  beforeAll(async () => {
    database = await openTestDatabase();
    current = buildTestApp(database.db, yamls());
  });
  afterAll(async () => {
    await current?.app.close();
    await database?.close();
  });
  const opened = (): TestApp => {
    if (!current) throw new Error('useTestApp: the app is opened in beforeAll; use it inside tests');
    return current;
  };
  return {
    get app() {
      return opened().app;
    },
    get db() {
      return opened().db;
    },
    scim: (...args) => opened().scim(...args),
  };
}

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIMPLAN = 'urn:ietf:params:scim:schemas:extension:scimplan:2.0:User';

/** A typical Entra-style create body. */
export function userBody(externalId: string, userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId,
    userName,
    active: true,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ type: 'work', value: userName, primary: true }],
    ...extra,
  };
}

/**
 * Polls `check` every 50 ms until it returns true, at most `timeoutMs`; throws with `what` and
 * `state()` (what the test saw so far) otherwise.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, state?: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `\n${state()}` : ''}`);
}

/**
 * Waits until every stored event of the tenant is behind the feed's horizon (its transaction is
 * older than every running one: server/db/events.ts `listEvents`). On a shared PostgreSQL, any
 * write transaction still open in the cluster (another test's) delays the feed, never changes it.
 */
export async function untilEventsSettled(db: Kysely<Database>, tenant: string): Promise<void> {
  await until(`the events of ${tenant} to pass the feed horizon`, async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from events
      where tenant = ${tenant} and txid >= pg_snapshot_xmin(pg_current_snapshot())`.execute(db);
    return rows[0]!.n === 0;
  });
}

/** `listEvents` once the tenant's events written so far are all behind the horizon. */
export async function settledEvents(db: Kysely<Database>, tenant: string, after = 0, limit = 100): Promise<StoredEvent[]> {
  await untilEventsSettled(db, tenant);
  return listEvents(db, tenant, after, limit);
}
