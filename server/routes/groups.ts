// Server: the /Groups routes of one tenant (RFC 7644 §3): create (or adopt), get, list and
// search, replace, patch (204), delete. Group semantics live in groups.ts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { GROUP_URN } from '../../engine/scim-schemas.ts';
import { listGroups, listGroupsAfter, membersOfGroups, type MemberRef } from '../db/groups.ts';
import type { Database, GroupRow } from '../db/tables.ts';
import { headerValue } from '../etag.ts';
import { createGroup, deleteGroup, getGroup, MAX_MEMBERS_IN_ANSWER, patchGroup, replaceGroup, type StoredGroup } from '../groups.ts';
import { scimError } from '../errors.ts';
import { provisionContext, type ProvisionContext } from '../request.ts';
import type { Signals } from '../signals.ts';
import { groupFilterToSql, groupScope } from '../db/filter/group-filter.ts';
import { sortColumn } from '../db/filter/sort.ts';
import { projection, returnsAttribute, type ProjectionParams } from '../scim/projection.ts';
import { etagOf } from '../user-view.ts';
import { cursorWalk } from './cursor.ts';
import { cursorListResponse, listResponse, pageOf, queryParams, searchParams, type ListParams } from './list-params.ts';

type IdRequest = FastifyRequest<{ Params: { tenant: string; id: string }; Querystring: Record<string, unknown> }>;

export async function groupRoutes(app: FastifyInstance, options: { db: Kysely<Database>; signals: Signals }): Promise<void> {
  const context = (request: FastifyRequest): ProvisionContext => provisionContext(request, options.db, options.signals);

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
  return projection(params, groupScope, ctx.plan.timezone)(renderGroup(group.row, group.members, base));
}

async function list(request: FastifyRequest, ctx: ProvisionContext, params: ListParams) {
  const page = pageOf(params);
  const query = {
    ...(params.filter?.trim() ? { where: groupFilterToSql(params.filter) } : {}),
    ...(params.sortBy?.trim() ? { sortBy: sortColumn(params.sortBy, groupScope, 'Group') } : {}),
    descending: page.descending,
    limit: page.count,
  };
  const walk = page.method === 'cursor' ? cursorWalk(request.tenant, 'Group', params, page.cursor) : undefined;
  const found = walk
    ? await listGroupsAfter(ctx.db, ctx.plan.tenant, { ...query, after: walk.after })
    : await listGroups(ctx.db, ctx.plan.tenant, { ...query, offset: page.method === 'index' ? page.startIndex - 1 : 0 });
  const { rows, total } = found;
  // One bounded query for the members of the whole page, and only when the answer shows them.
  const members = wantsMembers(params) ? await membersOfGroups(ctx.db, ctx.plan.tenant, rows.map((r) => r.id), MAX_MEMBERS_IN_ANSWER) : null;
  if (members === undefined) throw scimError('GROUP_MEMBERS_TOO_MANY', { max: MAX_MEMBERS_IN_ANSWER });
  const base = baseUrl(request, ctx);
  // Compiled only when there is something to show, as a per-resource projection would be.
  const project = rows.length > 0 ? projection(params, groupScope, ctx.plan.timezone) : undefined;
  const resources = rows.map((row) => project!(renderGroup(row, members ? (members.get(row.id) ?? []) : undefined, base)));
  if (walk) return cursorListResponse(resources, total, walk.nextCursor('next' in found ? found.next : undefined));
  return listResponse(resources, total, page.method === 'index' ? page.startIndex : 1);
}

const baseUrl = (request: FastifyRequest, ctx: ProvisionContext): string => `${request.protocol}://${request.host}/scim/v2/${ctx.plan.tenant}`;

/** A group row (and its members, when loaded) -> the SCIM Group resource (RFC 7643 §4.2). */
export function renderGroup(row: GroupRow, members: readonly MemberRef[] | undefined, base: string): Record<string, unknown> {
  return {
    schemas: [GROUP_URN],
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
