// Bench baseline: a bare fastify server doing one SQL statement per request (POST inserts,
// GET ?filter=userName eq "x" reads by index, PATCH updates) on PGlite or PostgreSQL.
// Run as a child process: `node --import tsx bench/bare-server.ts --port 0 --data-dir DIR`
// (PGlite) or with DATABASE_URL set (PostgreSQL). Prints `listening on URL` when ready.

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';

interface Sql {
  query(text: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function openSql(databaseUrl: string | undefined, dataDir: string): Promise<Sql> {
  if (databaseUrl) {
    const { default: pg } = await import('pg');
    // The same pool size as scimplan's, so the comparison is about the work per request.
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    return {
      query: async (text, params) => (await pool.query(text, [...params])).rows as Record<string, unknown>[],
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(dataDir);
  await db.waitReady;
  return {
    query: async (text, params) => (await db.query<Record<string, unknown>>(text, [...params])).rows,
    close: () => db.close(),
  };
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: 'memory://' },
  },
});

const sql = await openSql(process.env['DATABASE_URL'], values['data-dir']!);
await sql.query(
  'create table if not exists bench_users (id uuid primary key, user_name text not null unique, resource jsonb not null)',
  [],
);

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

const base = '/scim/v2/:tenant/Users';
const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

app.post(base, async (request, reply) => {
  const body = request.body as Record<string, unknown> | null;
  if (!body || typeof body.userName !== 'string') return reply.code(400).send({ detail: 'userName is required' });
  const id = randomUUID();
  await sql.query('insert into bench_users (id, user_name, resource) values ($1, $2, $3)', [id, body.userName, JSON.stringify(body)]);
  return reply.code(201).send({ ...body, id, meta: { resourceType: 'User' } });
});

app.get(base, async (request, reply) => {
  const filter = (request.query as { filter?: string }).filter ?? '';
  const match = /^userName eq "([^"]*)"$/.exec(filter);
  if (!match) return reply.code(400).send({ scimType: 'invalidFilter' });
  const rows = await sql.query('select id, resource from bench_users where user_name = $1', [match[1]]);
  const resources = rows.map((r) => ({ ...(r.resource as object), id: r.id }));
  return { schemas: [listSchema], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
});

app.patch(`${base}/:id`, async (request, reply) => {
  const { id } = request.params as { id: string };
  const ops = ((request.body as { Operations?: unknown } | null)?.Operations ?? []) as { op?: string; path?: string; value?: unknown }[];
  const changes: Record<string, unknown> = {};
  for (const op of ops) if (typeof op.path === 'string' && op.op?.toLowerCase() === 'replace') changes[op.path] = op.value;
  const rows = await sql.query('update bench_users set resource = resource || $2::jsonb where id = $1 returning resource', [
    id,
    JSON.stringify(changes),
  ]);
  if (rows.length === 0) return reply.code(404).send({ status: '404' });
  return { ...(rows[0]!.resource as object), id };
});

const stop = async () => {
  await app.close();
  await sql.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

const url = await app.listen({ port: Number(values.port), host: values.host! });
process.stdout.write(`listening on ${url}\n`);
