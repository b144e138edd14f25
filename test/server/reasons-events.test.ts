// Server: a deactivation's `reason` on the User names the clause that held (request, scheduler);
// a request that changes no profile field and no status writes no event; a real change writes one.

import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../server/scheduler.ts';
import { planOf, SCIMPLAN, sha256Hex, tenantYaml, uniqueTenant, userBody, useTestApp, settledEvents } from './helpers.ts';

const HR = 'urn:ietf:params:scim:schemas:extension:hr:2.0:User';
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const plain = uniqueTenant('noevent');
const either = uniqueTenant('reasons');
const eitherYaml = (tenant: string) => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes: { endDate: dateTime }
profile: { function: title }
deactivate:
  when: active eq false or hr.endDate le now()
`;
const t = useTestApp(() => [tenantYaml(plain), eitherYaml(either)]);

const hrUser = (id: string, hr: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  userBody(id, `${id}@example.com`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', HR], [HR]: hr, ...extra });

describe('the reason of a deactivation', () => {
  it('names the clause that held on a request, not the whole condition', async () => {
    const ended = await t.scim(either, 'POST', '/Users', hrUser('r-1', { endDate: iso(Date.now() - DAY) }));
    expect(ended.statusCode, ended.body).toBe(201);
    expect(ended.json()[SCIMPLAN]).toMatchObject({ status: 'deactivated', reason: 'deactivate.when: hr.endDate le now()' });

    const off = await t.scim(either, 'POST', '/Users', hrUser('r-2', { endDate: iso(Date.now() + 30 * DAY) }, { active: false }));
    expect(off.json()[SCIMPLAN]).toMatchObject({ status: 'deactivated', reason: 'deactivate.when: active eq false' });
    const read = await t.scim(either, 'GET', `/Users/${off.json().id}`);
    expect(read.json()[SCIMPLAN].reason).toBe('deactivate.when: active eq false');
  });

  it('names the clause when the scheduler deactivates', async () => {
    const now = Date.now();
    const created = await t.scim(either, 'POST', '/Users', hrUser('r-3', { endDate: iso(now + DAY) }));
    expect(created.json()[SCIMPLAN].status).toBe('active');
    const plan = planOf(eitherYaml(either));
    const scheduler = new Scheduler({ db: t.db, plans: () => [plan], now: () => new Date(now + 2 * DAY) });
    expect(await scheduler.runDue()).toMatchObject({ deactivated: 1 });
    const read = await t.scim(either, 'GET', `/Users/${created.json().id}`);
    expect(read.json()[SCIMPLAN]).toMatchObject({ status: 'deactivated', reason: 'deactivate.when: hr.endDate le now()' });
  });
});

describe('events of updates', () => {
  const eventsOf = async (id: string) => (await settledEvents(t.db, plain, 0, 1000)).filter((e) => e.accountId === id).map((e) => [e.type, e.fields]);

  it('a replayed PUT or PATCH, or a change no mapping reads, writes no event; a profile change writes one', async () => {
    const body = userBody('e-1', 'e1@example.com', { title: 'Clerk' });
    const created = await t.scim(plain, 'POST', '/Users', body);
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const patch = { Operations: [{ op: 'replace', path: 'title', value: 'Clerk' }] };
    for (let i = 0; i < 2; i++) {
      expect((await t.scim(plain, 'PUT', `/Users/${id}`, body)).statusCode).toBe(200);
      expect((await t.scim(plain, 'PATCH', `/Users/${id}`, patch)).statusCode).toBe(200);
    }
    // `nickName` is stored but no profile field reads it.
    const nick = await t.scim(plain, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'add', path: 'nickName', value: 'Bee' }] });
    expect(nick.json().nickName).toBe('Bee');
    // The event that would disprove the negatives: a real change after them, recorded next.
    expect((await t.scim(plain, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] })).statusCode).toBe(200);
    expect(await eventsOf(id)).toEqual([
      ['user.created', ['email', 'function']],
      ['user.updated', ['function']],
    ]);
  });

  it('a status change alone writes its status event and no empty update', async () => {
    const id = (await t.scim(plain, 'POST', '/Users', userBody('e-2', 'e2@example.com', { title: 'Clerk' }))).json().id as string;
    expect((await t.scim(plain, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] })).json()[SCIMPLAN].status).toBe('deactivated');
    expect((await t.scim(plain, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] })).statusCode).toBe(200);
    expect((await t.scim(plain, 'PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] })).statusCode).toBe(200);
    expect(await eventsOf(id)).toEqual([
      ['user.created', ['email', 'function']],
      ['user.deactivated', null],
      ['user.updated', ['function']],
    ]);
  });
});
