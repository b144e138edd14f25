// Server: POST /api/v1/tenants/{tenant}/logins (docs/sso.md). The platform's login layer posts
// the raw ID token (OIDC) or the attributes of an assertion it verified (SAML) with one of the
// tenant's `sso.tokens`; answers the LoginAnswer. Logs codes only, never the token or claims.

import type { FastifyInstance } from 'fastify';
import type { JWTVerifyGetKey } from 'jose';
import type { Kysely } from 'kysely';
import type { Plan, SsoPlan } from '../../engine/plan.ts';
import { bearerToken, tokenMatches } from '../auth.ts';
import type { Database } from '../db/tables.ts';
import { scimError } from '../errors.ts';
import { forgetToken, keySetOf, recordToken, replayId, runLogin, verifyIdToken } from '../login.ts';
import type { Signals } from '../signals.ts';
import type { TenantRegistry } from '../tenants.ts';
import { isPlainObject } from '../../dsl/values.ts';

export interface LoginRoutesOptions {
  readonly db: Kysely<Database>;
  readonly tenants: TenantRegistry;
  readonly signals?: Signals;
  /** Fixed clock for tests. */
  readonly now?: () => Date;
}

/** Register with `{ prefix: '/api/v1' }`. Guards itself with the tenant's `sso.tokens` (constant-time compare). */
export async function loginRoutes(app: FastifyInstance, options: LoginRoutesOptions): Promise<void> {
  // Per plan (a reload makes a new one): the key set, whose remote keys jose caches. Held by this
  // plugin instance, not by the module. The token digests are the registry's (read at load).
  const keySets = new WeakMap<Plan, JWTVerifyGetKey>();
  const keysOf = (plan: Plan, sso: SsoPlan) => {
    let keys = keySets.get(plan);
    if (!keys) keySets.set(plan, (keys = keySetOf(sso)));
    return keys;
  };

  app.post('/tenants/:tenant/logins', { bodyLimit: 64 * 1024 }, async (request, reply) => {
    const { tenant: name } = request.params as { tenant: string };
    const tenant = options.tenants.get(name);
    const plan = tenant?.plan;
    const sso = plan?.sso;
    // An unknown tenant, or one without `sso:`, answers like a wrong token to those without one.
    if (!tenant || !plan || !sso || !tokenMatches(bearerToken(request.headers.authorization), tenant.ssoDigests)) {
      void reply.header('WWW-Authenticate', 'Bearer realm="scimplan-login"');
      throw scimError('LOGIN_UNAUTHORIZED');
    }
    const now = options.now?.() ?? new Date();
    const body = request.body;
    const ctx = { db: options.db, plan, requestId: String(request.id), now, ...(options.signals ? { signals: options.signals } : {}) };
    const login = async (claims: Record<string, unknown>) => {
      const answer = await runLogin(ctx, sso, claims);
      request.log.info({ tenant: plan.tenant, created: answer.created, status: answer.status }, 'login');
      return answer;
    };
    if (sso.protocol === 'saml') {
      const attributes = isPlainObject(body) ? body['attributes'] : undefined;
      if (!isPlainObject(attributes)) throw scimError('LOGIN_BODY_INVALID', { what: 'an `attributes` object (SAML)' });
      return login(attributes);
    }
    const token = isPlainObject(body) ? body['idToken'] : undefined;
    if (typeof token !== 'string' || token.length === 0 || token.length > 16_384) throw scimError('LOGIN_BODY_INVALID', { what: 'the ID token as `idToken` (OIDC)' });
    const payload = await verifyIdToken(sso, keysOf(plan, sso), token, now);
    const id = replayId(payload, token);
    await recordToken(options.db, plan.tenant, id, new Date((payload.exp ?? 0) * 1000), now);
    try {
      return await login(payload as Record<string, unknown>);
    } catch (error) {
      // A login that failed does not use up its token: the platform may post it again.
      await forgetToken(options.db, plan.tenant, id);
      throw error;
    }
  });
}
