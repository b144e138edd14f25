// Server: liveness (/healthz: the process answers) and readiness (/readyz: the database
// answers and at least one tenant is served; stale tenant configs and failed files are listed).

import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables.ts';
import type { TenantRegistry } from '../tenants.ts';

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
    try {
      await sql`select 1`.execute(options.db);
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: false, tenants, ...configs });
    }
    if (tenants === 0) return reply.code(503).send({ status: 'unavailable', database: true, tenants, ...configs });
    return { status: 'ready', database: true, tenants, ...configs };
  });
}
