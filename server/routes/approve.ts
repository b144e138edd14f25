// Server: POST /api/v1/tenants/{tenant}/approve -> releases the deactivations the safety limit
// held for the tenant (pending -> deactivated, with events); answers `{ released: N }`.

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { adminTokenDigest, requireAdmin } from '../admin-auth.ts';
import type { Database } from '../db/tables.ts';
import { scimError } from '../errors.ts';
import { approveHeld } from '../safety.ts';
import type { Signals } from '../signals.ts';

export interface ApproveRoutesOptions {
  readonly db: Kysely<Database>;
  /** Digest of the admin token; default read from SCIMPLAN_ADMIN_TOKEN when the app is built. */
  readonly adminDigest?: Buffer | null;
  /** Fixed clock for tests. */
  readonly now?: () => Date;
  /** The app's signals, told of the released accounts' events. */
  readonly signals?: Signals;
}

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Register with `{ prefix: '/api/v1' }`. Guards itself with the admin token (constant-time compare). */
export async function approveRoutes(app: FastifyInstance, options: ApproveRoutesOptions): Promise<void> {
  app.addHook('onRequest', requireAdmin(options.adminDigest === undefined ? adminTokenDigest() : options.adminDigest));
  app.post('/tenants/:tenant/approve', async (request) => {
    const { tenant } = request.params as { tenant: string };
    if (!TENANT.test(tenant)) throw scimError('TENANT_ID_INVALID');
    const result = await approveHeld(options.db, tenant, options.now?.() ?? new Date(), options.signals);
    request.log.info({ tenant, released: result.released }, 'held deactivations approved');
    return { tenant, released: result.released };
  });
}
