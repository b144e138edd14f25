// Server: provisioning rules beyond the round trip: onDelete, reactivate: false, read-only
// parts, secrets, and what events record.

import { expect, it } from 'vitest';
import { SCIMPLAN, sha256Hex, uniqueTenant, userBody, useTestApp, settledEvents } from './helpers.ts';

const strict = uniqueTenant('strict');
const t = useTestApp(() => [
  `tenant: ${strict}
tokens: [{ sha256: ${sha256Hex(`secret-${strict}`)} }]
key: externalId
profile:
  function: title
deactivate:
  when: active eq false
  reactivate: false
onDelete: deactivate
`,
]);

it('keeps an account deactivated under reactivate: false', async () => {
  const user = (await t.scim(strict, 'POST', '/Users', userBody('s-1', 's1@example.com', { active: false }))).json();
  expect(user[SCIMPLAN].status).toBe('deactivated');
  const back = await t.scim(strict, 'PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'active', value: true }] });
  expect(back.json().active).toBe(true);
  expect(back.json()[SCIMPLAN]).toMatchObject({ status: 'deactivated', deactivatedAt: user[SCIMPLAN].deactivatedAt });
});

it('deactivates on DELETE under onDelete: deactivate, and a re-create re-links and reactivates', async () => {
  const user = (await t.scim(strict, 'POST', '/Users', userBody('s-2', 's2@example.com'))).json();
  expect((await t.scim(strict, 'DELETE', `/Users/${user.id}`)).statusCode).toBe(204);
  const row = await t.db.selectFrom('scim_users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'deactivated', reason: 'onDelete: deactivate' });
  expect(row.deleted_at).not.toBeNull();
  const types = (await settledEvents(t.db, strict)).filter((e) => e.accountId === user.id).map((e) => e.type);
  expect(types).toEqual(['user.created', 'user.deleted', 'user.deactivated']);

  const again = await t.scim(strict, 'POST', '/Users', userBody('s-2', 's2@example.com'));
  expect(again.statusCode).toBe(201);
  expect(again.json().id).toBe(user.id);
  expect(again.json()[SCIMPLAN].status).toBe('active');
});

it('ignores client writes to id, meta, groups and the scimplan extension, and never stores a password', async () => {
  const res = await t.scim(
    strict,
    'POST',
    '/Users',
    userBody('s-3', 's3@example.com', {
      id: 'client-id',
      password: 'hunter2',
      meta: { version: 'W/"99"' },
      groups: [{ value: 'x', display: 'Admins' }],
      [SCIMPLAN]: { status: 'deactivated', profile: { function: 'God' } },
      title: 'Clerk',
    }),
  );
  expect(res.statusCode).toBe(201);
  const user = res.json();
  expect(user.id).not.toBe('client-id');
  expect(user.password).toBeUndefined();
  expect(user.groups).toBeUndefined();
  expect(user.meta.version).toBe('W/"1"');
  expect(user[SCIMPLAN]).toMatchObject({ status: 'active', profile: { function: 'Clerk' } });
  const row = await t.db.selectFrom('scim_users').select('resource').where('id', '=', user.id).executeTakeFirstOrThrow();
  expect(JSON.stringify(row.resource)).not.toContain('hunter2');
});

it('records events with the config hash, the request id and changed field names only', async () => {
  const user = (await t.scim(strict, 'POST', '/Users', userBody('s-4', 's4@example.com', { title: 'Clerk' }))).json();
  await t.scim(strict, 'PATCH', `/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] });
  const events = (await settledEvents(t.db, strict)).filter((e) => e.accountId === user.id);
  expect(events.map((e) => [e.type, e.fields])).toEqual([
    ['user.created', ['function']],
    ['user.updated', ['function']],
  ]);
  for (const e of events) {
    expect(e.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  }
  expect(events[0]!.requestId).not.toBe(events[1]!.requestId);
  expect(JSON.stringify(events)).not.toContain('Boss');
});
