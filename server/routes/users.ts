// Server: the /Users routes of one tenant (RFC 7644 §3): create, get, list and search,
// replace, patch, delete. Provisioning semantics live in provision.ts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { groupsOfUsers, type GroupRef } from '../db/groups.ts';
import type { Database } from '../db/tables.ts';
import { listUsers, listUsersAfter, listUsersByValue, type ViewRow } from '../db/users.ts';
import { headerValue } from '../etag.ts';
import { createUser, deleteUser, getUser, patchUser, replaceUser, type StoredUser } from '../provision.ts';
import { provisionContext, type ProvisionContext } from '../request.ts';
import type { Signals } from '../signals.ts';
import { sortColumn } from '../db/filter/sort.ts';
import { userFilterToSql, userValueFilter } from '../db/filter/user-filter.ts';
import { projection } from '../scim/projection.ts';
import { etagOf, profileOrder, renderUser } from '../user-view.ts';
import { cursorWalk } from './cursor.ts';
import { cursorListResponse, listResponse, pageOf, queryParams, searchParams, type ListParams } from './list-params.ts';

type IdRequest = FastifyRequest<{ Params: { tenant: string; id: string }; Querystring: Record<string, unknown> }>;

export async function userRoutes(app: FastifyInstance, options: { db: Kysely<Database>; signals: Signals }): Promise<void> {
  const context = (request: FastifyRequest): ProvisionContext => provisionContext(request, options.db, options.signals);

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
    return sendUser(request, reply, ctx, await replaceUser(ctx, request.params.id, request.body, headerValue(request, 'if-match')));
  });

  app.patch('/Users/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    return sendUser(request, reply, ctx, await patchUser(ctx, request.params.id, request.body, headerValue(request, 'if-match')));
  });

  app.delete('/Users/:id', async (request: IdRequest, reply) => {
    await deleteUser(context(request), request.params.id, headerValue(request, 'if-match'));
    return reply.code(204).send();
  });
}

function sendUser(request: FastifyRequest, reply: FastifyReply, ctx: ProvisionContext, user: StoredUser, created = false) {
  const location = userLocation(request, ctx, user.row.id);
  void reply.header('ETag', etagOf(user.row.version));
  if (created) void reply.header('Location', location);
  const rendered = renderUser(user.row, user.groups, location, profileOrder(ctx.plan));
  return projection(queryParams(request.query), ctx.plan.userScope, ctx.plan.timezone)(rendered);
}

async function list(request: FastifyRequest, ctx: ProvisionContext, params: ListParams) {
  const scope = ctx.plan.userScope;
  const page = pageOf(params);
  // The lookup of every sync (`userName eq "..."`): a statement prepared once per filter shape.
  const byValue = page.method === 'index' && page.startIndex === 1 && page.count > 0 && !params.sortBy?.trim() && params.filter ? userValueFilter(params.filter, scope) : undefined;
  if (byValue) return listed(request, ctx, params, await listUsersByValue(ctx.db, ctx.plan.tenant, byValue.shape, byValue.value, page.count), 1);
  const query = {
    ...(params.filter?.trim() ? { where: userFilterToSql(params.filter, scope) } : {}),
    ...(params.sortBy?.trim() ? { sortBy: sortColumn(params.sortBy, scope) } : {}),
    descending: page.descending,
    limit: page.count,
  };
  const walk = page.method === 'cursor' ? cursorWalk(request.tenant, 'User', params, page.cursor) : undefined;
  if (!walk) {
    const startIndex = page.method === 'index' ? page.startIndex : 1;
    return listed(request, ctx, params, await listUsers(ctx.db, ctx.plan.tenant, { ...query, offset: startIndex - 1 }), startIndex);
  }
  const found = await listUsersAfter(ctx.db, ctx.plan.tenant, { ...query, after: walk.after });
  // An index page brings each user's groups in its one query; a cursor page reads them after.
  const groups = await groupsOfUsers(ctx.db, ctx.plan.tenant, found.rows.map((r) => r.id));
  return cursorListResponse(resources(request, ctx, params, found.rows, groups), found.total, walk.nextCursor(found.next));
}

/** The ListResponse of an index page. */
function listed(request: FastifyRequest, ctx: ProvisionContext, params: ListParams, found: { rows: ViewRow[]; total: number; groups: Map<string, readonly GroupRef[]> }, startIndex: number) {
  return listResponse(resources(request, ctx, params, found.rows, found.groups), found.total, startIndex);
}

function resources(request: FastifyRequest, ctx: ProvisionContext, params: ListParams, rows: readonly ViewRow[], groups: ReadonlyMap<string, readonly GroupRef[]>) {
  if (rows.length === 0) return [];
  // Compiled only when there is something to show, as a per-resource projection would be.
  const project = projection(params, ctx.plan.userScope, ctx.plan.timezone);
  const order = profileOrder(ctx.plan);
  return rows.map((row) => project(renderUser(row, groups.get(row.id) ?? [], userLocation(request, ctx, row.id), order)));
}

function userLocation(request: FastifyRequest, ctx: ProvisionContext, id: string): string {
  return `${request.protocol}://${request.host}/scim/v2/${ctx.plan.tenant}/Users/${id}`;
}

