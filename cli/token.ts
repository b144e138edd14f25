// `scimplan token`: a new random bearer token and the `sha256:` line for the tenant file.

import { createHash, randomBytes } from 'node:crypto';

export function newToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, sha256: createHash('sha256').update(token).digest('hex') };
}

export function runToken(out: (text: string) => void): number {
  const { token, sha256 } = newToken();
  out(`token (give this to the identity provider, then forget it):\n  ${token}\n`);
  out(`tenant file line (commit this):\n  - sha256: ${sha256}\n`);
  return 0;
}
