// POST /api/v1/tenants/{tenant}/logins (docs/sso.md): Entra-shaped ID tokens signed by a local key
// pair whose JWKS is served on loopback run the tenant's plan (create on the key, profile,
// add-only groups, events with `source: login`); bad tokens are refused with their reason and
// nothing is written; a SCIM user who logs in is one account; a deactivated one stays so.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/helpers.ts';
import { ENTERPRISE, settledEvents, sha256Hex, uniqueTenant, useTestApp, userBody } from './helpers.ts';

const tenant = uniqueTenant('sso');
const other = uniqueTenant('sso-other');
const HR = 'urn:ietf:params:scim:schemas:extension:hr:2.0:User';
const issuerOf = (t: string) => `https://login.example/${t}/v2.0`;
const audienceOf = (t: string) => `app-${t}`;

let privateKey: KeyLike;
let jwks: Server;
let jwksUrl = '';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`;
});
afterAll(async () => {
  await new Promise((resolve) => jwks.close(resolve));
});

const yaml = (t: string) => `tenant: ${t}
tokens: [{ sha256: ${sha256Hex(`secret-${t}`)} }]
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes: { endDate: dateTime }
profile:
  firstName: name.givenName
  lastName: name.familyName
  function: title
  department: enterprise.department
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false or hr.endDate le now() }
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: 'function in ["Director", "Head of Sales"]'
sso:
  protocol: oidc
  tokens: [{ sha256: ${sha256Hex(`login-${t}`)} }]
  issuer: ${issuerOf(t)}
  audience: ${audienceOf(t)}
  keys: { jwksUrl: "${jwksUrl}" }
  claims:
    oid: externalId
    preferred_username: userName
    given_name: name.givenName
    family_name: name.familyName
    jobTitle: title
    department: enterprise.department
`;

const saml = uniqueTenant('saml');
const samlYaml = `tenant: ${saml}
tokens: [{ sha256: ${sha256Hex(`secret-${saml}`)} }]
key: externalId
profile:
  function: title
  email: emails[type eq "work"].value ?? userName
groups:
  - group: Management
    when: function eq "Director"
sso:
  protocol: saml
  tokens: [{ env: SSO_TEST_SAML_LOGIN_TOKEN }]
  claims:
    http://schemas.microsoft.com/identity/claims/objectidentifier: externalId
    http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name: userName
    http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress: emails[type eq "work"].value
    jobtitle: title
`;
process.env['SSO_TEST_SAML_LOGIN_TOKEN'] = `login-${saml}`;

const unreachable = uniqueTenant('sso-nokeys');

const t = useTestApp(() => [yaml(tenant), yaml(other), samlYaml, yaml(unreachable).replace(jwksUrl, 'http://127.0.0.1:9/keys')]);

let serial = 0;
/** An Entra-shaped ID token for `t`, valid for an hour unless `change` says otherwise. */
async function idToken(claims: Record<string, unknown>, change: { tenant?: string; exp?: number; nbf?: number; aud?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const forTenant = change.tenant ?? tenant;
  return new SignJWT({ tid: 'entra-tenant', ver: '2.0', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setIssuer(issuerOf(forTenant))
    .setAudience(change.aud ?? audienceOf(forTenant))
    .setIssuedAt(now - 60)
    .setNotBefore(change.nbf ?? now - 60)
    .setExpirationTime(change.exp ?? now + 3600)
    .setJti(`jti-${++serial}-${Math.random()}`)
    .sign(privateKey);
}

const entra = (oid: string, extra: Record<string, unknown> = {}) => ({
  oid,
  sub: `pairwise-${oid}`,
  preferred_username: `${oid}@contoso.example`,
  given_name: 'Megan',
  family_name: 'Bowen',
  jobTitle: 'Account manager',
  department: 'Sales',
  groups: ['3f2a8b1c-0000-4000-8000-000000000001'],
  ...extra,
});

const login = (idTokenValue: unknown, to = tenant, token = `login-${to}`) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/tenants/${to}/logins`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ idToken: idTokenValue }),
  });

async function written(): Promise<{ users: number; events: number }> {
  const users = await t.db.selectFrom('scim_users').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant', '=', tenant).executeTakeFirstOrThrow();
  const events = await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant', '=', tenant).executeTakeFirstOrThrow();
  return { users: Number(users.n), events: Number(events.n) };
}

describe('a login runs the tenant plan', () => {
  it('creates the account with the mapped profile and rule groups, then updates it and only adds groups', async () => {
    const first = await login(await idToken(entra('oid-megan')));
    expect(first.statusCode, first.body).toBe(200);
    const created = first.json();
    expect(created).toMatchObject({
      created: true,
      status: 'active',
      reason: null,
      profile: { firstName: 'Megan', lastName: 'Bowen', function: 'Account manager', department: 'Sales', email: 'oid-megan@contoso.example' },
      groups: ['Sales'],
    });

    const second = await login(await idToken(entra('oid-megan', { jobTitle: 'Head of Sales', department: 'Sales leadership' })));
    expect(second.statusCode, second.body).toBe(200);
    const updated = second.json();
    expect(updated.accountId).toBe(created.accountId);
    expect(updated.created).toBe(false);
    expect(updated.profile).toMatchObject({ function: 'Head of Sales', department: 'Sales leadership' });
    // Sales no longer holds for the new department, and is kept: a login never removes a group.
    expect(updated.groups).toEqual(['Management', 'Sales']);

    const events = await t.db.selectFrom('events').selectAll().where('tenant', '=', tenant).where('account_id', '=', created.accountId).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['user.created', 'group.member_added', 'user.updated', 'group.member_added']);
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['login']));
    expect(events.every((e) => typeof e.config_hash === 'string' && e.config_hash.length === 64)).toBe(true);
    expect(events[2]!.fields).toEqual(expect.arrayContaining(['function', 'department']));
    const feed = await settledEvents(t.db, tenant);
    expect(feed.filter((e) => e.accountId === created.accountId).map((e) => e.source)).toEqual(['login', 'login', 'login', 'login']);
  });

  it('refuses expired, wrong-audience, wrong-issuer, alg none, replayed and tampered tokens, writing nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await idToken(entra('oid-refused'));
    expect((await login(good)).statusCode).toBe(200);
    const before = await written();

    const [header, payload] = good.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...forged, jobTitle: 'CEO', jti: 'forged' })).toString('base64url')}.${good.split('.')[2]}`;
    const cases: [string, string, RegExp][] = [
      ['expired', await idToken(entra('oid-x1'), { exp: now - 120, nbf: now - 600 }), /expired/],
      ['wrong audience', await idToken(entra('oid-x2'), { aud: 'someone-else' }), /audience/],
      ['another tenant\'s issuer and audience', await idToken(entra('oid-x3'), { tenant: other }), /issuer|audience/],
      ['not yet valid', await idToken(entra('oid-x4'), { nbf: now + 600 }), /not valid yet/],
      ['alg none', unsigned, /algorithm|not a valid/],
      ['replayed', good, /already used/],
      ['tampered', tampered, /signature/],
      ['not a JWT', 'abc.def', /not a valid signed JWT/],
    ];
    for (const [name, token, reason] of cases) {
      const answer = await login(token);
      expect(answer.statusCode, name).toBe(401);
      const body = answer.json();
      expect(body.schemas, name).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body.detail, name).toMatch(reason);
      expect(answer.body, `${name}: no claim value in the answer`).not.toContain('Megan');
    }
    expect(await written()).toEqual(before);
  });

  it('refuses a missing or wrong platform token, and an empty body, with SCIM error bodies', async () => {
    const token = await idToken(entra('oid-auth'));
    expect((await login(token, tenant, 'wrong')).statusCode).toBe(401);
    expect((await login(token, tenant, `secret-${tenant}`)).statusCode).toBe(401);
    expect((await login(token, 'no-such-tenant')).statusCode).toBe(401);
    const noKeys = await login(await idToken(entra('oid-nokeys'), { tenant: unreachable }), unreachable);
    expect(noKeys.statusCode, noKeys.body).toBe(503);
    expect(noKeys.json().detail).toContain('signing keys');
    const empty = await login(undefined);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toContain('idToken');
  });
});

describe('one account per person across sources', () => {
  it('a user created by SCIM who logs in by OIDC is the same account', async () => {
    const scim = await t.scim(tenant, 'POST', '/Users', userBody('oid-ada', 'ada@contoso.example', { title: 'Engineer', [ENTERPRISE]: { department: 'R&D' } }));
    expect(scim.statusCode, scim.body).toBe(201);
    const id = scim.json().id as string;
    const answer = await login(await idToken(entra('oid-ada', { preferred_username: 'ada@contoso.example', jobTitle: 'Director', department: 'R&D' })));
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ accountId: id, created: false, status: 'active', profile: { function: 'Director' }, groups: ['Management'] });
    const list = await t.scim(tenant, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "oid-ada"')}`);
    expect(list.json().totalResults).toBe(1);
    const events = await t.db.selectFrom('events').select(['type', 'source']).where('tenant', '=', tenant).where('account_id', '=', id).orderBy('id').execute();
    expect(events.filter((e) => e.type.startsWith('user.'))).toEqual([{ type: 'user.created', source: null }, { type: 'user.updated', source: 'login' }]);
  });

  it('a user deactivated by an end date stays deactivated when logging in, and the answer says why', async () => {
    const scim = await t.scim(tenant, 'POST', '/Users', userBody('oid-left', 'left@contoso.example', { [HR]: { endDate: '2020-01-31T00:00:00Z' } }));
    expect(scim.statusCode, scim.body).toBe(201);
    const answer = await login(await idToken(entra('oid-left', { preferred_username: 'left@contoso.example' })));
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ accountId: scim.json().id, status: 'deactivated', reason: 'deactivate.when: hr.endDate le now()' });
  });
});

describe('scimplan explain --claims', () => {
  it('prints the answer the endpoint gives for the same claims', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scimplan-sso-'));
    try {
      const config = join(dir, 'tenant.yaml');
      const claimsFile = join(dir, 'claims.json');
      const claims = entra('oid-explain', { jobTitle: 'Director', department: 'Sales' });
      await writeFile(config, yaml(tenant));
      await writeFile(claimsFile, JSON.stringify(claims));
      const explained = await run(['explain', config, claimsFile, '--claims', '--format', 'json']);
      expect(explained.code, explained.err).toBe(0);
      const answer = await login(await idToken(claims));
      expect(answer.statusCode, answer.body).toBe(200);
      const { accountId: _id, created, ...rest } = answer.json();
      expect(created).toBe(true);
      expect(JSON.parse(explained.out).login).toEqual(rest);
      expect(rest.groups).toEqual(['Management', 'Sales']);

      const text = await run(['explain', config, claimsFile, '--claims']);
      expect(text.out).toContain('login (as POST /logins answers for a new account):\n  status:    active\n  groups:    Management, Sales\n');
      const noSso = await run(['explain', 'examples/valid/acme-entra.yaml', claimsFile, '--claims']);
      expect(noSso.code).toBe(1);
      expect(noSso.err).toContain('has no `sso:` section');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a SAML login', () => {
  it('runs the plan on the attributes of an assertion the platform verified (lists of one are values)', async () => {
    const post = (attributes: unknown) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/tenants/${saml}/logins`,
        headers: { authorization: `Bearer login-${saml}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ attributes }),
      });
    const answer = await post({
      'http://schemas.microsoft.com/identity/claims/objectidentifier': ['5e1c0000-aaaa-4bbb-8ccc-000000000001'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': ['lee@fabrikam.example'],
      'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['Lee@Fabrikam.example'],
      jobtitle: ['Director'],
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ created: true, status: 'active', profile: { function: 'Director', email: 'Lee@Fabrikam.example' }, groups: ['Management'] });
    const bad = await post('not an object');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('attributes');
    const noKey = await post({ jobtitle: 'Director' });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().detail).toContain('externalId');
  });
});
