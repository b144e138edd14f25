// Server: RFC 7644 §4 discovery for one tenant: /ServiceProviderConfig, and /ResourceTypes and
// /Schemas as the tenant's attribute model (engine/attribute-model.ts) generates them.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SchemaResource } from '../../engine/scim-schemas.ts';
import type { Plan } from '../../engine/plan.ts';
import { scimError } from '../errors.ts';
import { DEFAULT_BULK_LIMITS, type BulkLimits } from '../bulk-request.ts';
import { tenantPlan } from '../request.ts';
import { CURSOR_TIMEOUT_SECONDS } from './cursor.ts';
import { listResponse, MAX_RESULTS } from './list-params.ts';

export async function discoveryRoutes(app: FastifyInstance, options: { bulk?: BulkLimits } = {}): Promise<void> {
  const bulk = options.bulk ?? DEFAULT_BULK_LIMITS;
  app.get('/ServiceProviderConfig', async (request) => serviceProviderConfig(base(request), bulk));

  app.get('/ResourceTypes', async (request) => listOf(resourceTypesOf(plan(request), base(request))));
  app.get('/ResourceTypes/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const found = resourceTypesOf(plan(request), base(request)).find((t) => t.id.toLowerCase() === request.params.id.toLowerCase());
    if (!found) throw scimError('RESOURCE_TYPE_NOT_FOUND');
    return found;
  });

  app.get('/Schemas', async (request) => listOf(schemasOf(plan(request), base(request))));
  app.get('/Schemas/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const found = schemasOf(plan(request), base(request)).find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!found) throw scimError('SCHEMA_NOT_FOUND');
    return found;
  });
}

const plan = tenantPlan;

const base = (request: FastifyRequest): string =>
  `${request.protocol}://${request.host}/scim/v2/${request.tenant?.plan.tenant ?? ''}`;

const listOf = (resources: readonly unknown[]) => listResponse(resources, resources.length, 1);

/** What this server does: every feature it advertises is implemented and tested. */
function serviceProviderConfig(base: string, bulk: BulkLimits) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: true, maxOperations: bulk.maxOperations, maxPayloadSize: bulk.maxPayloadSize },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    // RFC 9865 §4: both methods; a request with neither pages by index, as before cursors.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: MAX_RESULTS,
      maxPageSize: MAX_RESULTS,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A per-tenant bearer token in the Authorization header; the tenant file holds its sha256.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

/** The tenant's resource types, from its attribute model, located under `base`. */
function resourceTypesOf(plan: Plan, base: string) {
  return plan.model.resourceTypes.map((t) => ({ ...t, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${t.id}` } }));
}

/** The tenant's schema resources, from its attribute model, located under `base`. */
function schemasOf(plan: Plan, base: string): SchemaResource[] {
  return plan.model.schemas.map((s) => ({ ...s, meta: { resourceType: 'Schema', location: `${base}${s.meta.location}` } }));
}
