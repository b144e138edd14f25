// Server: the admin events API, GET /api/v1/tenants/{tenant}/events?after=ID&limit=N -> one page
// of a tenant's event feed (server/db/events.ts `listEvents`), as `{events, next}`. Field names
// only, never values.

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { listEvents, type StoredEvent } from '../db/events.ts';
import type { Database } from '../db/tables.ts';
import { scimError } from '../errors.ts';

export const DEFAULT_EVENTS_LIMIT = 100;
export const MAX_EVENTS_LIMIT = 1000;

/** One event as the API shows it: the stored event with an ISO timestamp. `fields` holds names, never values. */
export type EventView = Omit<StoredEvent, 'createdAt'> & { readonly createdAt: string };

/**
 * A page: the events after the event `after`, oldest first. `next` is the id to pass as `after`
 * for the following page (the last id shown, or `after` itself when the page is empty), so a
 * poller can loop on it forever. The feed stops at the oldest running transaction, so nothing
 * that commits later is skipped; ids of two transactions may come out of numeric order.
 */
export interface EventsPage {
  readonly events: readonly EventView[];
  readonly next: number;
}

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function eventRoutes(app: FastifyInstance, options: { db: Kysely<Database> }): Promise<void> {
  app.get('/tenants/:tenant/events', async (request): Promise<EventsPage> => {
    const { tenant } = request.params as { tenant: string };
    if (!TENANT.test(tenant)) throw scimError('TENANT_ID_INVALID');
    const query = request.query as Record<string, unknown>;
    const after = integerParam(query['after'], 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const limit = integerParam(query['limit'], 'limit', 1, MAX_EVENTS_LIMIT) ?? DEFAULT_EVENTS_LIMIT;
    const events = (await listEvents(options.db, tenant, after, limit)).map(eventView);
    return { events, next: events.at(-1)?.id ?? after };
  });
}

export function eventView(e: StoredEvent): EventView {
  return {
    id: e.id,
    tenant: e.tenant,
    type: e.type,
    accountId: e.accountId,
    groupId: e.groupId,
    configHash: e.configHash,
    requestId: e.requestId,
    fields: e.fields,
    reason: e.reason,
    source: e.source,
    createdAt: new Date(e.createdAt).toISOString(),
  };
}

/** A whole-number query parameter in [min, max]; undefined when absent; ADMIN_PARAM_INVALID otherwise. */
export function integerParam(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw scimError('EVENTS_PARAM_INVALID', { name, min, max });
  }
  return n;
}
