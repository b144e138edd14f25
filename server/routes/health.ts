// Server: liveness (/healthz: the process answers) and readiness (/readyz: the database answers
// and at least one tenant is served; when not ready, `reasons` says why; stale configs and
// failed files are listed).

import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { isDatabaseUnavailable } from '../db/availability.ts';
import type { Database } from '../db/tables.ts';
import type { TenantRegistry } from '../tenants.ts';

/** How long /readyz waits for `select 1` before it reports the database as not answering. */
const READY_QUERY_TIMEOUT_MS = 2_000;

/** What /readyz tells of a failed database check: names and codes only, never a message. */
interface DatabaseCheck {
  readonly reason: string;
  readonly error?: { readonly name: string; readonly code?: string };
}

export async function healthRoutes(app: FastifyInstance, options: { db: Kysely<Database>; tenants: TenantRegistry }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const tenants = options.tenants.list().length;
    // A stale tenant still serves its previous plan, so it does not make the instance unready
    // (every instance would be stale alike); it is shown here and on /metrics for alerting.
    const configs = {
      stale: options.tenants
        .states()
        .flatMap((s) => (s.stale ? [{ tenant: s.tenant, file: s.stale.file, codes: s.stale.codes, since: s.stale.since.toISOString(), serving: s.hash }] : [])),
      failedFiles: options.tenants.failedFiles(),
    };
    const failed = await checkDatabase(options.db);
    const reasons = [...(failed ? [failed.reason] : []), ...(tenants === 0 ? ['no tenants served'] : [])];
    if (reasons.length === 0) return { status: 'ready', database: true, tenants, ...configs };
    return reply.code(503).send({
      status: 'unavailable',
      database: !failed,
      tenants,
      reasons,
      ...(failed?.error ? { databaseError: failed.error } : {}),
      ...configs,
    });
  });
}

/** Runs `select 1`; undefined when it answered, else why not (error name and code only). */
async function checkDatabase(db: Kysely<Database>): Promise<DatabaseCheck | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DatabaseCheck>((resolve) => {
    timer = setTimeout(() => resolve({ reason: `database did not answer within ${READY_QUERY_TIMEOUT_MS} ms` }), READY_QUERY_TIMEOUT_MS);
  });
  const query = sql`select 1`.execute(db).then(
    () => undefined,
    (error: unknown): DatabaseCheck => {
      // pg's connection errors carry host and port in their message, and a URL may hold a
      // password: only the error's class name and code are told.
      const { name, code } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
      const detail = { name: typeof name === 'string' ? name : 'Error', ...(typeof code === 'string' ? { code } : {}) };
      const what = isDatabaseUnavailable(error) ? 'database not reachable' : 'database check failed';
      return { reason: `${what} (${detail.code ?? detail.name})`, error: detail };
    },
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
