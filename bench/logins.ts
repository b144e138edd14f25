// Logins: POST /api/v1/tenants/{tenant}/logins over fastify inject (verify the ID token, record its
// jti, run the plan, write) as logins/second, against bare jose verification of the same tokens
// in the same run (PGlite; PostgreSQL with BENCH_DATABASE_URL).

import { createHash } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { buildApp } from '../server/app.ts';
import { openDatabase } from '../server/db/database.ts';
import { TenantRegistry } from '../server/tenants.ts';
import { measure, report } from './measure.ts';

const USERS = 200;
const ROUNDS = 5;
const ISSUER = 'https://login.example/bench/v2.0';
const AUDIENCE = 'bench-app';

export async function benchLogins(): Promise<void> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
  const tenant = `bench-logins-${Math.random().toString(36).slice(2, 8)}`;
  const yaml = `tenant: ${tenant}
tokens: [{ sha256: ${createHash('sha256').update('scim').digest('hex')} }]
key: externalId
profile:
  firstName: name.givenName
  function: title
  department: enterprise.department
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: function eq "Director"
sso:
  protocol: oidc
  tokens: [{ sha256: ${createHash('sha256').update('login').digest('hex')} }]
  issuer: ${ISSUER}
  audience: ${AUDIENCE}
  keys: { jwks: [${JSON.stringify(jwk)}] }
  claims: { oid: externalId, preferred_username: userName, given_name: name.givenName, jobTitle: title, department: enterprise.department }
`;
  const plan = compileTenantFile('bench.yaml', yaml).plan;
  if (!plan) throw new Error('bench tenant does not compile');
  const url = process.env['BENCH_DATABASE_URL'];
  const database = await openDatabase(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  const app = buildApp({ db: database.db, tenants: new TenantRegistry([plan]) });
  try {
    // One set of fresh tokens per call of `measure` (a warm-up and ROUNDS rounds): a token is accepted once.
    const now = Math.floor(Date.now() / 1000);
    const sets: string[][] = [];
    for (let s = 0; s <= ROUNDS; s++) {
      const set: string[] = [];
      for (let i = 0; i < USERS; i++) {
        set.push(
          await new SignJWT({ oid: `oid-${i}`, preferred_username: `u${i}@bench.example`, given_name: `U${i}`, jobTitle: s % 2 ? 'Director' : 'Engineer', department: i % 3 ? 'Sales' : 'R&D' })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 3600).setJti(`b-${s}-${i}`)
            .sign(privateKey),
        );
      }
      sets.push(set);
    }
    const keys = createLocalJWKSet({ keys: [jwk] });
    let bareCall = 0;
    const bare = await measure('bare jwtVerify', USERS, async () => {
      for (const token of sets[bareCall++ % sets.length]!) await jwtVerify(token, keys, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] });
    }, ROUNDS);
    let loginCall = 0;
    const logins = await measure('POST /logins', USERS, async () => {
      for (const token of sets[loginCall++]!) {
        const r = await app.inject({ method: 'POST', url: `/api/v1/tenants/${tenant}/logins`, headers: { authorization: 'Bearer login', 'content-type': 'application/json' }, payload: JSON.stringify({ idToken: token }) });
        if (r.statusCode !== 200) throw new Error(`login answered ${r.statusCode}: ${r.body}`);
      }
    }, ROUNDS);
    report(`logins: ${USERS} Entra-shaped ID tokens per round (first round creates, later ones update) (${database.kind})`, bare, [logins], 'logins');
  } finally {
    await app.close();
    await database.close();
  }
}
