// Server: the /Users routes of one tenant (RFC 7644 §3): create, get, list and search,
// replace, patch, delete. Provisioning semantics live in provision.ts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { groupsOfUsers } from '../db/groups.ts';
import type { Database } from '../db/tables.ts';
import { listUsers } from '../db/users.ts';
import { ScimError } from '../errors.ts';
import { createUser, deleteUser, getUser, patchUser, replaceUser, type ProvisionContext, type StoredUser } from '../provision.ts';
import { sortColumn } from '../db/filter/sort.ts';
import { userFilterToSql } from '../db/filter/user-filter.ts';
import { project, type ProjectionParams } from '../scim/projection.ts';
import { etagOf, renderUser } from '../user-view.ts';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** Advertised as `filter.maxResults`; a larger `count` is capped to it. */
export const MAX_RESULTS = 200;

export interface ListParams extends ProjectionParams {
  readonly filter?: string | undefined;
  readonly startIndex?: unknown;
  readonly count?: unknown;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: string | undefined;
}

type IdRequest = FastifyRequest<{ Params: { tenant: string; id: string }; Querystring: Record<string, unknown> }>;

export async function userRoutes(app: FastifyInstance, options: { db: Kysely<Database> }): Promise<void> {
  const context = (request: FastifyRequest): ProvisionContext => {
    if (!request.tenant) throw new ScimError({ status: 401, detail: 'missing or invalid bearer token' });
    return { db: options.db, plan: request.tenant.plan, requestId: String(request.id) };
  };

  app.post('/Users', async (request, reply) => {
    const ctx = context(request);
    const user = await createUser(ctx, request.body);
    return sendUser(request, reply.code(201), ctx, user, true);
  });

  app.get('/Users', async (request) => list(request, context(request), queryParams(request.query)));
  app.post('/Users/.search', async (request) => list(request, context(request), searchParams(request.body)));
  app.post('/.search', async (request) => list(request, context(request), searchParams(request.body)));

  app.get('/Users/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    return sendUser(request, reply, ctx, await getUser(ctx, request.params.id));
  });

  app.put('/Users/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    return sendUser(request, reply, ctx, await replaceUser(ctx, request.params.id, request.body, ifMatch(request)));
  });

  app.patch('/Users/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    return sendUser(request, reply, ctx, await patchUser(ctx, request.params.id, request.body, ifMatch(request)));
  });

  app.delete('/Users/:id', async (request: IdRequest, reply) => {
    await deleteUser(context(request), request.params.id, ifMatch(request));
    return reply.code(204).send();
  });
}

function sendUser(request: FastifyRequest, reply: FastifyReply, ctx: ProvisionContext, user: StoredUser, created = false) {
  const location = userLocation(request, ctx, user.row.id);
  void reply.header('ETag', etagOf(user.row.version));
  if (created) void reply.header('Location', location);
  const rendered = renderUser(user.row, user.groups, location, profileOrder(ctx));
  return project(rendered, queryParams(request.query), ctx.plan.userScope);
}

async function list(request: FastifyRequest, ctx: ProvisionContext, params: ListParams) {
  const scope = ctx.plan.userScope;
  const startIndex = Math.max(1, integer(params.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(params.count, 'count') ?? MAX_RESULTS));
  const order = params.sortOrder?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') {
    throw new ScimError({ status: 400, scimType: 'invalidValue', detail: '`sortOrder` must be `ascending` or `descending`' });
  }
  const { rows, total } = await listUsers(ctx.db, ctx.plan.tenant, {
    ...(params.filter?.trim() ? { where: userFilterToSql(params.filter, scope) } : {}),
    ...(params.sortBy?.trim() ? { sortBy: sortColumn(params.sortBy, scope) } : {}),
    descending: order === 'descending',
    offset: startIndex - 1,
    limit: count,
  });
  const groups = await groupsOfUsers(ctx.db, ctx.plan.tenant, rows.map((r) => r.id));
  const resources = rows.map((row) =>
    project(renderUser(row, groups.get(row.id) ?? [], userLocation(request, ctx, row.id), profileOrder(ctx)), params, scope),
  );
  return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

function userLocation(request: FastifyRequest, ctx: ProvisionContext, id: string): string {
  return `${request.protocol}://${request.host}/scim/v2/${ctx.plan.tenant}/Users/${id}`;
}

const profileOrder = (ctx: ProvisionContext): string[] => ctx.plan.profile.map((p) => p.field);

const ifMatch = (request: FastifyRequest): string | undefined => {
  const header = request.headers['if-match'];
  return Array.isArray(header) ? header.join(',') : header;
};

/** Query parameter names are matched case-insensitively (Entra sends `startIndex`, others `startindex`). */
export function queryParams(query: unknown): ListParams {
  const q = (query ?? {}) as Record<string, unknown>;
  const get = (name: string): string | undefined => {
    const key = Object.keys(q).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : q[key];
    if (Array.isArray(value)) throw new ScimError({ status: 400, scimType: 'invalidValue', detail: `\`${name}\` is given more than once` });
    return typeof value === 'string' ? value : undefined;
  };
  return {
    filter: get('filter'),
    startIndex: get('startIndex'),
    count: get('count'),
    sortBy: get('sortBy'),
    sortOrder: get('sortOrder'),
    attributes: get('attributes'),
    excludedAttributes: get('excludedAttributes'),
  };
}

/** RFC 7644 §3.4.3: a SearchRequest body; attribute lists may be arrays. */
export function searchParams(body: unknown): ListParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError({ status: 400, scimType: 'invalidSyntax', detail: 'a search body must be a SearchRequest object' });
  }
  const b = body as Record<string, unknown>;
  const get = (name: string): unknown => b[Object.keys(b).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''];
  const text = (name: string): string | undefined => {
    const value = get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
    throw new ScimError({ status: 400, scimType: 'invalidValue', detail: `\`${name}\` must be a string` });
  };
  return {
    filter: text('filter'),
    startIndex: get('startIndex'),
    count: get('count'),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    attributes: text('attributes'),
    excludedAttributes: text('excludedAttributes'),
  };
}

export function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new ScimError({ status: 400, scimType: 'invalidValue', detail: `\`${name}\` must be an integer` });
  return n;
}
