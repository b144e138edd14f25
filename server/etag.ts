// Server: HTTP entity tags of SCIM resources (RFC 7644 §3.14): reading If-Match / If-None-Match
// and a hook that answers a GET whose If-None-Match matches the resource's ETag with 304.

import type { FastifyInstance, FastifyRequest } from 'fastify';

/** One request header as a single string (a repeated header joined with commas, as HTTP allows). */
export function headerValue(request: FastifyRequest, name: 'if-match' | 'if-none-match'): string | undefined {
  const header = request.headers[name];
  return Array.isArray(header) ? header.join(',') : header;
}

/** The opaque part of an entity tag: `W/"3"` and `"3"` both give `3` (RFC 9110 §8.8.3.2 weak comparison). */
function opaque(tag: string): string {
  const t = tag.trim();
  const strong = t.startsWith('W/') || t.startsWith('w/') ? t.slice(2) : t;
  return strong.length >= 2 && strong.startsWith('"') && strong.endsWith('"') ? strong.slice(1, -1) : strong;
}

/**
 * Whether an If-Match / If-None-Match list names `etag`: `*` matches any existing resource,
 * otherwise tags compare weakly (`W/"3"` equals `"3"`), which is what both headers use for
 * SCIM's weak versions.
 */
export function etagListMatches(list: string, etag: string): boolean {
  const wanted = opaque(etag);
  return list.split(',').some((tag) => tag.trim() === '*' || (tag.trim() !== '' && opaque(tag) === wanted));
}

/**
 * Registers the conditional-GET hook on an encapsulated SCIM scope: a 200 answer to a GET that
 * carries `If-None-Match` matching the answer's `ETag` header becomes 304 without a body. Any
 * route that sets `ETag` (Users, Groups) gets it without code of its own.
 */
export function conditionalGet(app: FastifyInstance): void {
  // Callback style: no promise per SCIM response.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'GET' || reply.statusCode !== 200) return done(null, payload);
    const condition = headerValue(request, 'if-none-match');
    const etag = reply.getHeader('etag');
    if (condition === undefined || typeof etag !== 'string' || !etagListMatches(condition, etag)) return done(null, payload);
    void reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    done(null, null);
  });
}
