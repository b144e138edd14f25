// Server: the admin plan and apply API (POST /api/v1/tenants/{tenant}/plan and /apply): the admin
// token, a broken file or another tenant's file refused by code and position, plan's report as
// previewTenant sees it, apply's writes and events through the app's own database and signals.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserDiff } from '../../engine/diff.ts';
import { previewTenant } from '../../server/reevaluate.ts';
import { TenantRegistry } from '../../server/tenants.ts';
import { edit, exampleData, planOf, type ExampleData } from '../cli/helpers.ts';
import { validatedApp } from './helpers.ts';

const ADMIN = 'admin-token-for-plan-tests';
const NOW = '2026-05-02T09:00:00.000Z';
let data: ExampleData;
let app: FastifyInstance;

beforeAll(async () => {
  data = await exampleData();
  const { db } = await data.open();
  app = validatedApp({ db, tenants: new TenantRegistry([planOf(data.yaml)]), adminToken: ADMIN });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await data?.remove();
});

const post = (what: 'plan' | 'apply', body: unknown, token: string | null = ADMIN, tenant = data.tenant) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/tenants/${tenant}/${what}`,
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    payload: JSON.stringify(body),
  });

describe('admin plan and apply API', () => {
  it('answers 401 without the admin token, or with a tenant token, and changes nothing', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    for (const what of ['plan', 'apply'] as const) {
      const none = await post(what, { config: yaml }, null);
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
      expect((await post(what, { config: yaml }, 'secret-acme')).statusCode).toBe(401);
    }
    const plan = await post('plan', { config: yaml, now: NOW });
    expect(plan.json().changedUsers).toBe(24);
  });

  it('refuses a file with errors with 400, naming codes and positions but no text of the file', async () => {
    const broken = edit(data.yaml, '  function: title\n', '  function: titel_secret_word\n');
    for (const what of ['plan', 'apply'] as const) {
      const res = await post(what, { config: broken, file: 'acme.yaml' });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(body.scimType).toBe('invalidValue');
      expect(body.detail).toMatch(/^the tenant file does not compile: E\d{3} at 21:\d+$/);
      expect(JSON.stringify(body)).not.toContain('titel_secret_word');
    }
  });

  it('refuses a file for another tenant than the URL’s, and a malformed body', async () => {
    const res = await post('apply', { config: data.yaml }, ADMIN, 'someone-else');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe(`the tenant file is for tenant \`${data.tenant}\`, not \`someone-else\``);
    expect((await post('plan', { config: data.yaml, now: 'yesterday' })).json().detail).toBe('`now` must be an ISO 8601 date-time');
    expect((await post('plan', { text: data.yaml })).statusCode).toBe(400);
    expect((await post('plan', { config: data.yaml, maxDeactivations: -1 })).statusCode).toBe(400);
    expect((await post('plan', { config: data.yaml, maxDeactivations: -1 })).json().scimType).toBe('invalidValue');
  });

  it('plans what previewTenant sees for the same file, and lists at most `changes` accounts', async () => {
    const yaml = edit(data.yaml, 'groups:\n', 'groups:\n  - group: Engineering\n    when: department eq "Engineering"\n');
    const diffs: UserDiff[] = [];
    const { db } = await data.open();
    const summary = await previewTenant({ db, plan: planOf(yaml), now: new Date(NOW), onChange: (d) => void diffs.push(d) });
    const res = await post('plan', { config: yaml, file: 'engineering.yaml', now: NOW, maxDeactivations: 0 });
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({
      tenant: data.tenant,
      config: 'engineering.yaml',
      configHash: planOf(yaml).hash,
      now: NOW,
      users: summary.users,
      changedUsers: summary.changedUsers,
      profile: { users: summary.profileChanges, fields: summary.fields },
      deactivations: summary.deactivations,
      groups: { users: summary.usersJoiningGroups, additions: summary.groupAdditions },
      maxDeactivations: 0,
      exceeded: false,
    });
    expect(summary.changedUsers).toBe(5);
    expect(report.changes.map((c: { id: string }) => c.id)).toEqual(diffs.map((d) => d.id));
    const few = (await post('plan', { config: yaml, now: NOW, changes: 2 })).json();
    expect(few.changedUsers).toBe(5);
    expect(few.changes.map((c: { id: string }) => c.id)).toEqual(diffs.slice(0, 2).map((d) => d.id));
  });

  it('applies through the app: writes the changes and events, tells the app’s signals, then plans nothing', async () => {
    const yaml = edit(data.yaml, '  function: title\n', '  function: upper(title)\n');
    const heard: string[] = [];
    const stop = app.signals.observeEvents((tenant) => void heard.push(tenant));
    try {
      const res = await post('apply', { config: yaml, now: NOW, batchSize: 7 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ tenant: data.tenant, configHash: planOf(yaml).hash, done: 24, changed: 24, updated: 24, completed: true });
    } finally {
      stop();
    }
    expect(heard).toContain(data.tenant);
    const { db } = await data.open();
    const events = await db.selectFrom('events').select(['type']).where('tenant', '=', data.tenant).where('request_id', '=', 'apply').where('config_hash', '=', planOf(yaml).hash).execute();
    expect(events.filter((e) => e.type === 'user.updated')).toHaveLength(24);
    expect(events.filter((e) => e.type === 'config.applied')).toHaveLength(1);
    const again = await post('plan', { config: yaml, now: NOW });
    expect(again.json().changedUsers).toBe(0);
    const rerun = await post('apply', { config: yaml, now: NOW });
    expect(rerun.json()).toMatchObject({ done: 0, changed: 0, completed: true });
  });

  it('apply announces the new next-check moments to the app’s scheduler signal, after commit', async () => {
    const noEndDate = edit(data.yaml, '  when: active eq false or acme.employmentEndDate le now()\n', '  when: active eq false\n');
    expect((await post('apply', { config: noEndDate, now: NOW })).json().completed).toBe(true);
    const heard: string[] = [];
    const stop = app.signals.onNextCheck((at) => void heard.push(at.toISOString()));
    try {
      // The end-date clause is back: the four temps get their moment again.
      expect((await post('apply', { config: data.yaml, now: NOW })).json()).toMatchObject({ done: 24, completed: true });
    } finally {
      stop();
    }
    expect(heard).toEqual(['2026-06-30T22:00:00.000Z']);
  });
});
