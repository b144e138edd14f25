// Server: the admin API's stored users, read only, for the playground's sample users:
// GET /api/v1/tenants/{tenant}/users?count=N -> `{users: [{id, userName}], total}` (by user name),
// GET /api/v1/tenants/{tenant}/users/{id} -> `{id, userName, resource}`: the resource as the client
// sent it, which is what plans evaluate. Behind the admin token (registered in app.ts's admin scope).

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.ts';
import { findLiveUser, liveUserNames } from '../db/users.ts';
import { TENANT_ID_PATTERN } from '../../engine/config.ts';
import { scimError } from '../errors.ts';
import { integerParam } from './events.ts';

export const DEFAULT_USERS_COUNT = 100;
export const MAX_USERS_COUNT = 1000;

export async function adminUserRoutes(app: FastifyInstance, options: { db: Kysely<Database> }): Promise<void> {
  // Personal data: never kept by a browser or a proxy.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  app.get('/tenants/:tenant/users', async (request) => {
    const { tenant } = request.params as { tenant: string };
    if (!TENANT_ID_PATTERN.test(tenant)) throw scimError('TENANT_ID_INVALID');
    const count = integerParam((request.query as Record<string, unknown>)['count'], 'count', 1, MAX_USERS_COUNT) ?? DEFAULT_USERS_COUNT;
    return liveUserNames(options.db, tenant, count);
  });

  app.get('/tenants/:tenant/users/:id', async (request) => {
    const { tenant, id } = request.params as { tenant: string; id: string };
    if (!TENANT_ID_PATTERN.test(tenant)) throw scimError('TENANT_ID_INVALID');
    const row = await findLiveUser(options.db, tenant, id);
    if (!row) throw scimError('USER_NOT_FOUND');
    return { id: row.id, userName: row.user_name, resource: row.resource };
  });
}
