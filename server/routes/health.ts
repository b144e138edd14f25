// Server: liveness (/healthz: the process answers) and readiness (/readyz: the database
// answers and at least one tenant is served).

import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables.ts';
import type { TenantRegistry } from '../tenants.ts';

export async function healthRoutes(app: FastifyInstance, options: { db: Kysely<Database>; tenants: TenantRegistry }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const tenants = options.tenants.list().length;
    try {
      await sql`select 1`.execute(options.db);
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: false, tenants });
    }
    if (tenants === 0) return reply.code(503).send({ status: 'unavailable', database: true, tenants });
    return { status: 'ready', database: true, tenants };
  });
}
