// Server: a login (POST /api/v1/tenants/{tenant}/logins, docs/sso.md). The ID token is verified
// with jose (signature, allowed algorithms, issuer, audience, exp, nbf), its jti recorded once per
// tenant, then the claims run the tenant's plan through provision.ts `loginUser`. Returns the
// LoginAnswer. Never logs the token or a claim value.

import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { applyClaims, type LoginAnswer } from '../engine/login.ts';
import type { Plan, SsoPlan } from '../engine/plan.ts';
import { CompiledQuery } from 'kysely';
import type { Db } from './db/users.ts';
import { sha256 } from './auth.ts';
import { scimError } from './errors.ts';
import { loginUser, type ProvisionContext } from './provision.ts';
import { orderedProfile, profileOrder } from './user-view.ts';

/** The signing keys of one plan's `sso.keys`; the caller keeps one per plan (jose caches a remote set). */
export function keySetOf(sso: SsoPlan): JWTVerifyGetKey {
  if (sso.keys?.jwks) return createLocalJWKSet({ keys: sso.keys.jwks as never[] });
  if (sso.keys?.jwksUrl) return createRemoteJWKSet(new URL(sso.keys.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  throw scimError('LOGIN_KEYS_UNAVAILABLE');
}

/**
 * Verifies an ID token against the tenant's `sso:`. Throws LOGIN_TOKEN_REFUSED with the reason
 * (never the token's content); a token of another tenant's issuer or audience is refused as any
 * other wrong issuer or audience.
 */
export async function verifyIdToken(sso: SsoPlan, keys: JWTVerifyGetKey, token: string, now: Date): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: sso.issuer,
      audience: sso.audience,
      algorithms: [...sso.algorithms],
      currentDate: now,
      requiredClaims: ['exp'],
    });
    return payload;
  } catch (error) {
    const reason = refusal(error);
    throw reason === undefined ? scimError('LOGIN_KEYS_UNAVAILABLE') : scimError('LOGIN_TOKEN_REFUSED', { reason });
  }
}

/** jose's error -> the reason a login answers (claim names only); undefined: the keys could not be read. */
function refusal(error: unknown): string | undefined {
  if (error instanceof errors.JWTExpired) return 'it has expired (`exp`)';
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reasons: Record<string, string> = {
      iss: 'its issuer (`iss`) is not this tenant\'s',
      aud: 'its audience (`aud`) is not this tenant\'s',
      nbf: 'it is not valid yet (`nbf`)',
      iat: 'its issue time (`iat`) is invalid',
      exp: 'it has no valid expiry (`exp`)',
    };
    return reasons[error.claim] ?? `its \`${error.claim}\` claim is invalid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signature algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no signing key of the identity provider matches it';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return undefined;
  if (error instanceof errors.JOSEError) return 'it is not a valid signed JWT';
  return undefined;
}

/** What identifies one token for replay: its `jti` (Entra: `uti`), else the digest of the token itself. */
export function replayId(payload: JWTPayload, token: string): string {
  const id = payload.jti ?? (typeof payload['uti'] === 'string' ? payload['uti'] : undefined);
  return id !== undefined ? `jti:${id}` : `sha256:${sha256(token).toString('hex')}`;
}

/**
 * Records the token's id until it expires; throws LOGIN_REPLAYED when the tenant saw it within
 * its lifetime. The primary key decides between two concurrent posts of one token.
 */
export async function recordToken(db: Db, tenant: string, id: string, expiresAt: Date, now: Date): Promise<void> {
  const { rows } = await db.executeQuery<{ jti: string }>(CompiledQuery.raw(RECORD_TOKEN, [tenant, now, id, expiresAt]));
  if (rows.length === 0) throw scimError('LOGIN_REPLAYED');
}

// One statement: expired ids of the tenant go (not this one, which the insert decides), and this
// id is inserted, or takes over its own expired row. Prepared (planning it was 1.1 ms of a
// login's 3 ms on PGlite): $1 tenant, $2 now, $3 the token's id, $4 its expiry.
const RECORD_TOKEN = `/* prepared:login-token */ with gone as (
    delete from login_tokens where tenant = $1 and expires_at < $2::timestamptz and jti <> $3)
  insert into login_tokens (tenant, jti, expires_at) values ($1, $3, $4::timestamptz)
  on conflict (tenant, jti) do update set expires_at = excluded.expires_at where login_tokens.expires_at < $2::timestamptz
  returning jti`;

/** Forgets a recorded token whose login failed, so that the platform may post it again. */
export async function forgetToken(db: Db, tenant: string, id: string): Promise<void> {
  await db.deleteFrom('login_tokens').where('tenant', '=', tenant).where('jti', '=', id).execute();
}

/** Runs the plan on the claims of a verified login and answers what the platform needs now. */
export async function runLogin(ctx: ProvisionContext, sso: SsoPlan, claims: Readonly<Record<string, unknown>>): Promise<LoginAnswer> {
  const stored = await loginUser(ctx, (base) => applyClaims(sso, claims, base));
  return loginAnswerOf(ctx.plan, stored.row, stored.groups, stored.created);
}

function loginAnswerOf(
  plan: Plan,
  row: { id: string; status: string; reason: string | null; profile: unknown },
  groups: readonly { display: string }[],
  created: boolean,
): LoginAnswer {
  const profile = (typeof row.profile === 'string' ? JSON.parse(row.profile) : row.profile) as Record<string, unknown>;
  return {
    accountId: row.id,
    created,
    status: row.status as LoginAnswer['status'],
    reason: row.reason,
    profile: orderedProfile(profile, profileOrder(plan)),
    groups: groups.map((g) => g.display),
  };
}
