// Server: the /Groups routes of one tenant (RFC 7644 §3): create (or adopt), get, list and
// search, replace, patch (204), delete. Group semantics live in groups.ts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { listGroups, membersOfGroups, type MemberRef } from '../db/groups.ts';
import type { Database, GroupRow } from '../db/tables.ts';
import { ScimError } from '../errors.ts';
import { headerValue } from '../etag.ts';
import { createGroup, deleteGroup, getGroup, GROUP_SCHEMA, patchGroup, replaceGroup, type StoredGroup } from '../groups.ts';
import type { ProvisionContext } from '../provision.ts';
import { groupFilterToSql, groupScope } from '../db/filter/group-filter.ts';
import { sortColumn } from '../db/filter/sort.ts';
import { project, returnsAttribute, type ProjectionParams } from '../scim/projection.ts';
import { etagOf } from '../user-view.ts';
import { integer, LIST_RESPONSE, MAX_RESULTS, queryParams, searchParams, type ListParams } from './users.ts';

type IdRequest = FastifyRequest<{ Params: { tenant: string; id: string }; Querystring: Record<string, unknown> }>;

export async function groupRoutes(app: FastifyInstance, options: { db: Kysely<Database> }): Promise<void> {
  const context = (request: FastifyRequest): ProvisionContext => {
    if (!request.tenant) throw new ScimError({ status: 401, detail: 'missing or invalid bearer token' });
    return { db: options.db, plan: request.tenant.plan, requestId: String(request.id) };
  };

  app.post('/Groups', async (request, reply) => {
    const ctx = context(request);
    const params = queryParams(request.query);
    // Entra expects 201 for a create; an adopted rule group is created for the client, so 201 too.
    const { group } = await createGroup(ctx, request.body, wantsMembers(params));
    return sendGroup(request, reply.code(201), ctx, group, params, true);
  });

  app.get('/Groups', async (request) => list(request, context(request), queryParams(request.query)));
  app.post('/Groups/.search', async (request) => list(request, context(request), searchParams(request.body)));

  app.get('/Groups/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    const params = queryParams(request.query);
    return sendGroup(request, reply, ctx, await getGroup(ctx, request.params.id, wantsMembers(params)), params);
  });

  app.put('/Groups/:id', async (request: IdRequest, reply) => {
    const ctx = context(request);
    const params = queryParams(request.query);
    const group = await replaceGroup(ctx, request.params.id, request.body, headerValue(request, 'if-match'), wantsMembers(params));
    return sendGroup(request, reply, ctx, group, params);
  });

  // 204 without a body: answering with the group would serialise every member.
  app.patch('/Groups/:id', async (request: IdRequest, reply) => {
    const row = await patchGroup(context(request), request.params.id, request.body, headerValue(request, 'if-match'));
    return reply.code(204).header('ETag', etagOf(row.version)).send();
  });

  app.delete('/Groups/:id', async (request: IdRequest, reply) => {
    await deleteGroup(context(request), request.params.id, headerValue(request, 'if-match'));
    return reply.code(204).send();
  });
}

/** Members are read only when the answer shows them (`excludedAttributes=members` never reads them). */
function wantsMembers(params: ProjectionParams): boolean {
  return returnsAttribute(params, 'members', groupScope);
}

function sendGroup(request: FastifyRequest, reply: FastifyReply, ctx: ProvisionContext, group: StoredGroup, params: ProjectionParams, created = false) {
  const base = baseUrl(request, ctx);
  void reply.header('ETag', etagOf(group.row.version));
  if (created) void reply.header('Location', `${base}/Groups/${group.row.id}`);
  return project(renderGroup(group.row, group.members, base), params, groupScope);
}

async function list(request: FastifyRequest, ctx: ProvisionContext, params: ListParams) {
  const startIndex = Math.max(1, integer(params.startIndex, 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(params.count, 'count') ?? MAX_RESULTS));
  const order = params.sortOrder?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') {
    throw new ScimError({ status: 400, scimType: 'invalidValue', detail: '`sortOrder` must be `ascending` or `descending`' });
  }
  const { rows, total } = await listGroups(ctx.db, ctx.plan.tenant, {
    ...(params.filter?.trim() ? { where: groupFilterToSql(params.filter) } : {}),
    ...(params.sortBy?.trim() ? { sortBy: sortColumn(params.sortBy, groupScope, 'Group') } : {}),
    descending: order === 'descending',
    offset: startIndex - 1,
    limit: count,
  });
  const members = wantsMembers(params) ? await membersOfGroups(ctx.db, ctx.plan.tenant, rows.map((r) => r.id)) : undefined;
  const base = baseUrl(request, ctx);
  const resources = rows.map((row) => project(renderGroup(row, members ? (members.get(row.id) ?? []) : undefined, base), params, groupScope));
  return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

const baseUrl = (request: FastifyRequest, ctx: ProvisionContext): string => `${request.protocol}://${request.host}/scim/v2/${ctx.plan.tenant}`;

/** A group row (and its members, when loaded) -> the SCIM Group resource (RFC 7643 §4.2). */
export function renderGroup(row: GroupRow, members: readonly MemberRef[] | undefined, base: string): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    displayName: row.display_name,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    ...(members && members.length > 0
      ? { members: members.map((m) => ({ value: m.value, display: m.display, type: 'User', $ref: `${base}/Users/${m.value}` })) }
      : {}),
    meta: {
      resourceType: 'Group',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: `${base}/Groups/${row.id}`,
      version: etagOf(row.version),
    },
  };
}
