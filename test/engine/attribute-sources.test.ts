// engine/attribute-sources.ts: `sso.prefer` (lint with positions, compiled to the attribute paths
// each profile field reads) and decideSources, which decides per attribute path which value a
// write keeps and records the source and time of each stored value.

import { describe, expect, it } from 'vitest';
import { decideSources, type AttributeSources } from '../../engine/attribute-sources.ts';
import { compileTenantFile } from '../../engine/compile-plan.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const tenant = (prefer: string) => `tenant: t1
tokens: [{ env: T_TOKEN }]
key: externalId
profile:
  email: emails[type eq "work"].value ?? userName
  function: title
  department: enterprise.department
  displayName: concat(name.givenName, " ", name.familyName)
sso:
  protocol: saml
  tokens: [{ env: T_LOGIN }]
  claims: { oid: externalId, jobTitle: title, department: enterprise.department }
${prefer}`;

function lint(text: string): [string, string, number, number][] {
  const { diagnostics } = compileTenantFile('t.yaml', text);
  return diagnostics.map((d) => [d.code, text.slice(d.span!.start, d.span!.end), d.span!.line, d.span!.column]);
}

describe('sso.prefer', () => {
  it('compiles to the attribute paths each field reads (a filter reads inside its attribute)', () => {
    const text = tenant('  prefer:\n    function: scim\n    department: login\n    email: scim\n    displayName: latest\n');
    expect(lint(text)).toEqual([]);
    expect(compileTenantFile('t.yaml', text).plan!.sso!.preferences).toEqual({
      title: 'scim',
      [`${ENTERPRISE}:department`.toLowerCase()]: 'login',
      emails: 'scim',
      username: 'scim',
    });
    expect(compileTenantFile('t.yaml', tenant('')).plan!.sso!.preferences).toEqual({});
  });

  it('an attribute read by fields that prefer different sources is protected by neither (W404 at the later entry)', () => {
    const text = tenant('  prefer:\n    function: scim\n    department: login\n    jobCode: login\n').replace('  department: enterprise.department\n', '  department: enterprise.department\n  jobCode: lower(title)\n');
    const found = compileTenantFile('t.yaml', text);
    expect(found.plan!.sso!.preferences['title']).toBeUndefined();
    expect(found.plan!.sso!.preferences[`${ENTERPRISE}:department`.toLowerCase()]).toBe('login');
    expect(lint(text)).toEqual([['W404', 'login', 17, 14]]);
    expect(found.diagnostics[0]!.labels![0]!.message).toBe('`function` reads `title` too');
    // The same side twice is fine.
    expect(lint(text.replace('    jobCode: login\n', '    jobCode: scim\n'))).toEqual([]);
  });

  it('refuses an unknown profile field (E201, at the key, with did-you-mean) and an unknown source', () => {
    const found = lint(tenant('  prefer:\n    functon: scim\n    department: hr\n'));
    expect(found).toContainEqual(['E201', 'functon', 14, 5]);
    expect(compileTenantFile('t.yaml', tenant('  prefer:\n    functon: scim\n')).diagnostics[0]!.help).toContain('`function`');
    expect(found.map((d) => d[0])).toContain('E004');
    expect(found.find((d) => d[0] === 'E004')!.slice(1)).toEqual(['hr', 15, 17]);
  });
});

describe('decideSources', () => {
  const preferences = { title: 'scim', [`${ENTERPRISE}:department`.toLowerCase()]: 'login' } as const;
  const t0 = '2026-05-01T09:00:00.000Z';
  const now = new Date('2026-05-02T10:00:00.000Z');
  const stored = {
    resource: { externalId: 'e1', userName: 'ada', title: 'Engineer', name: { givenName: 'Ada' }, [ENTERPRISE]: { department: 'Sales' } },
    sources: {
      externalId: { source: 'scim', at: t0 },
      userName: { source: 'scim', at: t0 },
      title: { source: 'scim', at: t0 },
      name: { source: 'scim', at: t0 },
      [`${ENTERPRISE}:department`]: { source: 'login', at: t0 },
    } satisfies AttributeSources,
  };

  it('a new account: every attribute with a value is the writer\'s, now', () => {
    const { resource, sources, kept } = decideSources({ preferences, incoming: { externalId: 'e1', userName: 'ada', nickName: null, emails: [] }, source: 'login', now });
    expect(resource).toEqual({ externalId: 'e1', userName: 'ada', nickName: null, emails: [] });
    expect(sources).toEqual({ externalId: { source: 'login', at: now.toISOString() }, userName: { source: 'login', at: now.toISOString() } });
    expect(kept).toEqual([]);
  });

  it('a login keeps what SCIM wrote into a scim-preferred attribute; other changes are the login\'s', () => {
    const incoming = { ...stored.resource, title: 'Director', name: { givenName: 'Meg' } };
    const { resource, sources, kept } = decideSources({ preferences, stored, incoming, source: 'login', now });
    expect(resource).toMatchObject({ title: 'Engineer', name: { givenName: 'Meg' } });
    expect(kept).toEqual(['title']);
    expect(sources['title']).toEqual({ source: 'scim', at: t0 });
    expect(sources['name']).toEqual({ source: 'login', at: now.toISOString() });
    expect(sources['userName']).toEqual({ source: 'scim', at: t0 });
  });

  it('SCIM and feeds keep what a login wrote into a login-preferred attribute, against a change or a removal', () => {
    for (const source of ['scim', 'feed:afas'] as const) {
      const changed = decideSources({ preferences, stored, incoming: { ...stored.resource, [ENTERPRISE]: { department: 'R&D' } }, source, now });
      expect(changed.resource[ENTERPRISE]).toEqual({ department: 'Sales' });
      expect(changed.kept).toEqual([`${ENTERPRISE}:department`]);
      const { [ENTERPRISE]: _, ...without } = stored.resource;
      const removed = decideSources({ preferences, stored, incoming: without, source, now });
      expect(removed.resource[ENTERPRISE]).toEqual({ department: 'Sales' });
      expect(removed.sources[`${ENTERPRISE}:department`]).toEqual({ source: 'login', at: t0 });
    }
    // The preferred side itself changes it, and SCIM's title is SCIM's to change.
    const byLogin = decideSources({ preferences, stored, incoming: { ...stored.resource, [ENTERPRISE]: { department: 'R&D' } }, source: 'login', now });
    expect(byLogin.resource[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect(byLogin.sources[`${ENTERPRISE}:department`]).toEqual({ source: 'login', at: now.toISOString() });
    const byScim = decideSources({ preferences, stored, incoming: { ...stored.resource, title: 'CFO' }, source: 'scim', now });
    expect(byScim.resource['title']).toBe('CFO');
  });

  it('without a preference the most recent value wins; an unchanged value keeps its source; a removed one has none', () => {
    const { resource, sources } = decideSources({ preferences: {}, stored, incoming: { externalId: 'e1', userName: 'ada', title: 'Director', name: { givenName: 'Ada' } }, source: 'login', now });
    expect(resource).toEqual({ externalId: 'e1', userName: 'ada', title: 'Director', name: { givenName: 'Ada' } });
    expect(sources).toEqual({
      externalId: { source: 'scim', at: t0 },
      userName: { source: 'scim', at: t0 },
      title: { source: 'login', at: now.toISOString() },
      name: { source: 'scim', at: t0 },
    });
  });

  it('an attribute of unknown source (stored before sources were recorded) is never protected, and stays unknown until it changes', () => {
    const old = { resource: stored.resource, sources: null };
    const { resource, sources } = decideSources({ preferences, stored: old, incoming: { ...stored.resource, title: 'Director' }, source: 'login', now });
    expect(resource['title']).toBe('Director');
    expect(sources).toEqual({ title: { source: 'login', at: now.toISOString() } });
  });
});
