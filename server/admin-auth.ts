// Server: the admin API's bearer token (SCIMPLAN_ADMIN_TOKEN) -> an onRequest hook that lets only
// its holder through. Kept as a sha256 digest and compared in constant time, like tenant tokens.

import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, sha256 } from './auth.ts';
import { ScimError, scimError } from './errors.ts';

export const ADMIN_TOKEN_ENV = 'SCIMPLAN_ADMIN_TOKEN';

/**
 * The digest of the admin token, or null when none is configured (the admin API is then
 * disabled). `token` defaults to `SCIMPLAN_ADMIN_TOKEN`; an empty value counts as none.
 */
export function adminTokenDigest(token: string | undefined = process.env[ADMIN_TOKEN_ENV]): Buffer | null {
  return token ? sha256(token) : null;
}

/**
 * Throws the ScimError the admin API answers with: 503 when no admin token is configured,
 * 401 when the presented one is missing or wrong. Returns when the request may proceed.
 */
export function checkAdmin(authorization: string | undefined, digest: Buffer | null): void {
  if (!digest) {
    throw scimError('ADMIN_DISABLED');
  }
  const presented = bearerToken(authorization);
  if (presented === undefined || !timingSafeEqual(sha256(presented), digest)) {
    throw scimError('ADMIN_UNAUTHORIZED');
  }
}

/**
 * An onRequest hook for admin routes: `app.addHook('onRequest', requireAdmin(digest))`.
 * `digest` comes from adminTokenDigest(), read once when the app is built.
 */
export function requireAdmin(digest: Buffer | null): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    try {
      checkAdmin(request.headers.authorization, digest);
    } catch (error) {
      if (error instanceof ScimError && error.status === 401) void reply.header('WWW-Authenticate', 'Bearer realm="scimplan-admin"');
      throw error;
    }
  };
}
