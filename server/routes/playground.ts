// Server: the playground's static page at /playground/ (built by scripts/build-playground.js into
// dist/playground), for `scimplan serve` and `scimplan playground`. Every answer carries a strict
// Content-Security-Policy (scripts and styles of this origin only, no eval, no inline code). The
// page's context.json says whether a server's admin API is behind it and, offline, the file to open.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Scripts, styles and requests of this origin only; no inline code, no eval, no frames, no forms. */
export const PLAYGROUND_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The files of the built page and their media types. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.js.map': 'application/json; charset=utf-8',
  'playground.js.LEGAL.txt': 'text/plain; charset=utf-8',
};

export interface PlaygroundOptions {
  /** The built page's folder; default dist/playground next to this module (or the sources' dist/). */
  readonly assets?: string;
  /** True on `scimplan serve`: the page offers the admin API (stored users, plan). */
  readonly server: boolean;
  /** The tenant file the page opens with (`scimplan playground FILE`); default the page's own example. */
  readonly initial?: { readonly file: string; readonly text: string };
}

/** Where the built page is: dist/playground, from dist/server/routes or from the sources. */
export function defaultPlaygroundAssets(): string {
  const beside = fileURLToPath(new URL('../../playground/', import.meta.url));
  return existsSync(join(beside, 'playground.js')) ? beside : fileURLToPath(new URL('../../dist/playground/', import.meta.url));
}

export async function playgroundRoutes(app: FastifyInstance, options: PlaygroundOptions): Promise<void> {
  const folder = options.assets ?? defaultPlaygroundAssets();
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) {
    const path = join(folder, name);
    if (existsSync(path)) files.set(name, readFileSync(path));
  }
  const context = JSON.stringify({ server: options.server, ...(options.initial ?? {}) });
  const secure = (reply: FastifyReply, type: string) =>
    reply
      .header('content-security-policy', PLAYGROUND_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-cache')
      .type(type);

  // The page's relative URLs need the trailing slash; a router that ignores it serves both paths from one route.
  const page = async (request: FastifyRequest, reply: FastifyReply) => (request.url.split('?')[0]!.endsWith('/') ? send(reply, 'index.html') : reply.redirect('/playground/', 302));
  app.get('/playground', page);
  if (!app.hasRoute({ method: 'GET', url: '/playground/' })) app.get('/playground/', page);
  app.get('/playground/context.json', async (_request, reply) => secure(reply, 'application/json; charset=utf-8').send(context));
  app.get('/playground/:name', async (request, reply) => send(reply, (request.params as { name: string }).name));

  function send(reply: FastifyReply, name: string) {
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name]! : undefined;
    const body = type ? files.get(name) : undefined;
    if (!type || !body) {
      const missing = files.size === 0 ? 'the playground is not built: run `npm run build`' : 'not found';
      return secure(reply.code(404), 'text/plain; charset=utf-8').send(missing);
    }
    return secure(reply, type).send(body);
  }
}
