// Server: RFC 7644 §4 discovery for one tenant: /ServiceProviderConfig, /ResourceTypes (User,
// Group) and /Schemas (core User, enterprise, scimplan's extension, the tenant's declared
// extensions, core Group).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CORE_USER_URN,
  ENTERPRISE_URN,
  GROUP_URN,
  SCIMPLAN_URN,
  enterpriseSchemaResource,
  groupSchemaResource,
  scimplanSchemaResource,
  userSchemaResource,
  type SchemaResource,
} from '../../engine/scim-schemas.ts';
import type { ExtensionSchema, Plan } from '../../engine/plan.ts';
import { scimError } from '../errors.ts';
import { DEFAULT_BULK_LIMITS, type BulkLimits } from '../bulk-request.ts';
import { tenantPlan } from '../request.ts';
import { CURSOR_TIMEOUT_SECONDS } from './cursor.ts';
import { listResponse, MAX_RESULTS } from './list-params.ts';

const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export async function discoveryRoutes(app: FastifyInstance, options: { bulk?: BulkLimits } = {}): Promise<void> {
  const bulk = options.bulk ?? DEFAULT_BULK_LIMITS;
  app.get('/ServiceProviderConfig', async (request) => serviceProviderConfig(base(request), bulk));

  app.get('/ResourceTypes', async (request) => listOf([userResourceType(plan(request), base(request)), groupResourceType(base(request))]));
  app.get('/ResourceTypes/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = request.params.id.toLowerCase();
    if (id === 'group') return groupResourceType(base(request));
    if (id !== 'user') throw scimError('RESOURCE_TYPE_NOT_FOUND');
    return userResourceType(plan(request), base(request));
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

function userResourceType(plan: Plan, base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: CORE_USER_URN,
    schemaExtensions: [ENTERPRISE_URN, SCIMPLAN_URN, ...plan.schemas.map((s) => s.urn)].map((schema) => ({ schema, required: false })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
  };
}

function groupResourceType(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'Group',
    schema: GROUP_URN,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
  };
}

function schemasOf(plan: Plan, base: string): SchemaResource[] {
  const located = (s: SchemaResource): SchemaResource => ({ ...s, meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` } });
  return [userSchemaResource, enterpriseSchemaResource, scimplanSchemaResource, ...plan.schemas.map(extensionSchema), groupSchemaResource].map(located);
}

/** A tenant's declared extension as an RFC 7643 §7 schema resource (single-valued, readWrite). */
function extensionSchema(ext: ExtensionSchema): SchemaResource {
  return {
    schemas: [SCHEMA_URN],
    id: ext.urn,
    name: ext.alias ?? ext.urn.split(':').at(-2) ?? ext.urn,
    description: 'Extension attributes declared by the tenant file',
    attributes: Object.entries(ext.attributes).map(([name, type]) => ({
      name,
      type: type as SchemaResource['attributes'][number]['type'],
      multiValued: false,
      required: false,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
    })),
    meta: { resourceType: 'Schema', location: '' },
  };
}
