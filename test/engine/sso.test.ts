// The `sso:` section: lint with positions (claim targets checked as paths and as storable values,
// W403 for a login-name key, OIDC settings required), and engine/login.ts applyClaims.

import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { applyClaims } from '../../engine/login.ts';
import { decideLoginStatus } from '../../engine/status.ts';

const tenant = (sso: string) => `tenant: t1
tokens: [{ env: T_TOKEN }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:hr:2.0:User
    alias: hr
    attributes: { endDate: dateTime }
profile:
  email: emails[type eq "work"].value ?? userName
  department: enterprise.department
sso:
${sso}`;

const oidc = `  protocol: oidc
  tokens: [{ env: T_LOGIN }]
  issuer: https://login.example/v2.0
  audience: app
  keys: { jwks: [{ kty: RSA, n: abc, e: AQAB }] }
  claims:
`;

function lint(text: string): [string, string, number, number][] {
  const { diagnostics } = compileTenantFile('t.yaml', text);
  return diagnostics.map((d) => [d.code, text.slice(d.span!.start, d.span!.end), d.span!.line, d.span!.column]);
}

describe('sso: lint', () => {
  it('accepts claim names it does not know, and compiles the targets', () => {
    const text = tenant(`${oidc}    oid: externalId\n    whatever-claim: enterprise.department\n    mail: emails[type eq "work"].value\n`);
    expect(lint(text)).toEqual([]);
    const plan = compileTenantFile('t.yaml', text).plan!;
    expect(plan.sso?.targets.map((x) => [x.claim, x.written, x.urn ?? null])).toEqual([
      ['oid', 'externalId', null],
      ['whatever-claim', 'enterprise.department', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      ['mail', 'emails[type eq "work"].value', null],
    ]);
    expect(plan.sso?.algorithms).toEqual(['RS256']);
  });

  it('checks targets as attribute paths with positions: unknown names, dates, photos, lists', () => {
    const text = tenant(`${oidc}    oid: externalId\n    a: departmnet\n    b: hr.endDate\n    c: photos[type eq "photo"].value\n    d: emails\n    e: emails[type sw "w"].value\n`);
    const found = lint(text);
    expect(found).toContainEqual(['E201', 'departmnet', 19, 8]);
    expect(found).toContainEqual(['E301', 'hr.endDate', 20, 8]);
    expect(found).toContainEqual(['E302', 'photos[type eq "photo"].value', 21, 8]);
    expect(found).toContainEqual(['E303', 'emails', 22, 8]);
    expect(found).toContainEqual(['E206', 'type sw "w"', 23, 15]);
  });

  it('warns when the key is filled from email, upn or preferred_username, at the target', () => {
    for (const claim of ['email', 'upn', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress']) {
      const found = lint(tenant(`${oidc}    ${claim}: externalId\n`));
      expect(found, claim).toEqual([['W403', 'externalId', 18, 7 + claim.length]]);
    }
    expect(lint(tenant(`${oidc}    oid: externalId\n    preferred_username: userName\n`))).toEqual([]);
  });

  it('needs issuer, audience and keys for OIDC, not for SAML; refuses unknown algorithms', () => {
    const codes = lint(tenant(`  protocol: oidc\n  tokens: [{ env: T_LOGIN }]\n  claims: { oid: externalId }\n`)).map((d) => d[0]);
    expect(codes).toContain('E003');
    expect(lint(tenant(`  protocol: saml\n  tokens: [{ env: T_LOGIN }]\n  claims: { oid: externalId }\n`))).toEqual([]);
    expect(lint(tenant(`${oidc.replace('  claims:\n', '  algorithms: [none]\n  claims:\n')}    oid: externalId\n`)).map((d) => d[0])).toContain('E004');
  });
});

describe('applyClaims', () => {
  const plan = compileTenantFile('t.yaml', tenant(`  protocol: saml\n  tokens: [{ env: T_LOGIN }]\n  claims:\n    oid: externalId\n    name: userName\n    dept: enterprise.department\n    mail: emails[type eq "work"].value\n`)).plan!;
  const sso = plan.sso!;

  it('builds a SCIM-shaped user from the mapped claims only; a SAML list of one is its value', () => {
    const user = applyClaims(sso, { oid: 'o1', name: ['n@x'], dept: 'Sales', mail: 'N@X', other: 'ignored', __proto__: 'x' });
    expect(user).toEqual({
      externalId: 'o1',
      userName: 'n@x',
      emails: [{ type: 'work', value: 'N@X' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales' },
    });
  });

  it('writes onto a stored user without changing it, keeping what the login does not carry', () => {
    const stored = { externalId: 'o1', userName: 'n@x', title: 'CFO', emails: [{ type: 'work', value: 'old@x' }, { type: 'home', value: 'h@x' }] };
    const user = applyClaims(sso, { mail: 'new@x', name: null }, stored);
    expect(user).toEqual({ ...stored, emails: [{ type: 'work', value: 'new@x' }, { type: 'home', value: 'h@x' }] });
    expect(stored.emails[0]!.value).toBe('old@x');
  });
});

describe('decideLoginStatus', () => {
  const rules = { onDelete: 'keep' as const, safety: { maxDeactivations: 25, per: '1h', perMs: 3_600_000 }, deactivate: { source: 'active eq false', reactivate: true } };
  const now = new Date('2026-05-01T00:00:00Z');
  it('never deactivates: an active account stays active, a new one starts active', () => {
    const active = { status: 'active' as const, deactivatedAt: null, reason: null };
    expect(decideLoginStatus(rules, { state: active, conditionHolds: true, now }).next).toEqual(active);
    expect(decideLoginStatus(rules, { state: undefined, conditionHolds: true, now }).next.status).toBe('active');
    // Not even the start of a new account (engine `start`): no transition, no event.
    expect(decideLoginStatus(rules, { state: undefined, conditionHolds: true, relink: false, now })).toEqual({ next: active });
  });
  it('a deactivated account stays deactivated with its reason', () => {
    const off = { status: 'deactivated' as const, deactivatedAt: now, reason: 'deactivate.when: active eq false' };
    expect(decideLoginStatus(rules, { state: off, conditionHolds: true, now })).toEqual({ next: off });
  });
});
