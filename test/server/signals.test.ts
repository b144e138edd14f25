// Server: the signals of one app (server/signals.ts). A request tells its own app that events
// were written and that a moment was stored; another app of the same process hears nothing.

import { expect, it } from 'vitest';
import type { EventObserver, NewEvent } from '../../server/db/events.ts';
import { createSignals } from '../../server/signals.ts';
import { buildTestApp, openTestDatabase, sha256Hex, uniqueTenant, userBody } from './helpers.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

const yaml = (tenant: string) => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: ${ACME}
    alias: acme
    attributes: { employmentEndDate: dateTime }
profile: { function: title }
deactivate:
  when: 'active eq false or acme.employmentEndDate le now()'
`;

it('tells each listener once, skips one that throws, stops after unsubscribe, and announces no absent moment', () => {
  const signals = createSignals();
  const heard: string[] = [];
  const stopThrowing = signals.observeEvents(() => {
    throw new Error('an observer that fails');
  });
  const stop = signals.observeEvents((tenant, events) => heard.push(`${tenant}:${events.map((e) => e.type).join(',')}`));
  const moments: number[] = [];
  const stopMoments = signals.onNextCheck((at) => moments.push(at.getTime()));

  expect(() => signals.eventsWritten('t', [{ type: 'user.created' }])).not.toThrow();
  signals.nextCheckStored(new Date(5));
  signals.nextCheckStored(null);
  signals.nextCheckStored(undefined);
  stop();
  stopThrowing();
  stopMoments();
  signals.eventsWritten('t', [{ type: 'user.updated' }]);
  signals.nextCheckStored(new Date(6));

  expect(heard).toEqual(['t:user.created']);
  expect(moments).toEqual([5]);
});

it('two sets of signals share no listener', () => {
  const [a, b] = [createSignals(), createSignals()];
  const heard: string[] = [];
  a.observeEvents(() => heard.push('a events'));
  a.onNextCheck(() => heard.push('a moment'));
  b.eventsWritten('t', [{ type: 'user.created' }]);
  b.nextCheckStored(new Date());
  expect(heard).toEqual([]);
});

it("two apps in one process (one database, one tenant): a request's signals reach only its own app", async () => {
  const database = await openTestDatabase();
  const tenant = uniqueTenant('signals');
  const a = buildTestApp(database.db, [yaml(tenant)]);
  const b = buildTestApp(database.db, [yaml(tenant)]);
  try {
    const heard = { a: [] as string[], b: [] as string[] };
    const moments = { a: [] as Date[], b: [] as Date[] };
    const observer =
      (into: string[]): EventObserver =>
      (t: string, events: readonly NewEvent[]) => {
        for (const e of events) into.push(`${t}:${e.type}`);
      };
    a.app.signals.observeEvents(observer(heard.a));
    b.app.signals.observeEvents(observer(heard.b));
    a.app.signals.onNextCheck((at) => moments.a.push(at));
    b.app.signals.onNextCheck((at) => moments.b.push(at));

    const end = new Date(Date.now() + 86_400_000);
    const res = await a.scim(tenant, 'POST', '/Users', userBody('s-1', 's-1@example.com', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ACME], [ACME]: { employmentEndDate: end.toISOString() } }));
    expect(res.statusCode, res.body).toBe(201);

    // Both signals are given before the response is sent, so b would have heard by now.
    expect(heard.a).toEqual([`${tenant}:user.created`]);
    expect(moments.a.map((d) => d.getTime())).toEqual([end.getTime()]);
    expect(heard.b).toEqual([]);
    expect(moments.b).toEqual([]);

    // The metrics of each app count only what was written through it.
    const counted = async (app: typeof a.app) => (await app.metrics.registry.getSingleMetricAsString('scimplan_events_total')).includes(`tenant="${tenant}",type="user.created"`);
    expect(await counted(a.app)).toBe(true);
    expect(await counted(b.app)).toBe(false);
  } finally {
    await a.app.close();
    await b.app.close();
  }
});
