// Server: bearer-token authentication per tenant. Tokens are kept only as sha256 digests and
// compared in constant time.

import { hash, timingSafeEqual } from 'node:crypto';
import type { TokenRef } from '../engine/plan.ts';

// One-shot `hash` (no Hash object per call): every SCIM request hashes its token.
export const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/**
 * The digests that token references unlock (a tenant's `tokens`, its `sso.tokens`, a feed's):
 * the `sha256:` entries plus the sha256 of every `env:` token whose variable is set (read once,
 * at load). An unset variable unlocks nothing.
 */
export function refDigests(refs: readonly TokenRef[], env: NodeJS.ProcessEnv = process.env): Buffer[] {
  const digests: Buffer[] = [];
  for (const ref of refs) {
    if (ref.sha256 && /^[0-9a-f]{64}$/i.test(ref.sha256)) digests.push(Buffer.from(ref.sha256, 'hex'));
    const value = ref.env ? env[ref.env] : undefined;
    if (value) digests.push(sha256(value));
  }
  return digests;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}

/** True when the presented token hashes to one of `digests`; every digest is compared. */
export function tokenMatches(presented: string | undefined, digests: readonly Buffer[]): boolean {
  if (presented === undefined) return false;
  const digest = sha256(presented);
  let ok = false;
  for (const candidate of digests) ok = timingSafeEqual(digest, candidate) || ok;
  return ok;
}
