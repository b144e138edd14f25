// `scimplan explain`: the text and JSON explanation name the clause of the deactivation
// condition that held (the reason the server would record), and none when nothing held.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers.ts';

const CONFIG = 'examples/valid/acme-entra.yaml';
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const NOW = '2026-05-01T09:00:00Z';

let dir: string;
const userFile = async (name: string, user: Record<string, unknown>) => {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(user));
  return file;
};
const base = { userName: 'ada@acme.example', externalId: 'x-1', active: true, title: 'Director' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scimplan-explain-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scimplan explain', () => {
  it('names the clause that held in text', async () => {
    const file = await userFile('ended', { ...base, [ACME]: { employmentEndDate: '2026-04-01T00:00:00Z' } });
    const r = await run(['explain', CONFIG, file, '--now', NOW]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('deactivated: true\nreason:      deactivate.when: acme.employmentEndDate le now()\n');
  });

  it('names the clause that held in JSON, and null when the user stays active', async () => {
    const off = await userFile('off', { ...base, active: false, [ACME]: { employmentEndDate: '2026-04-01T00:00:00Z' } });
    const json = JSON.parse((await run(['explain', CONFIG, off, '--now', NOW, '--format', 'json'])).out);
    expect(json).toMatchObject({ deactivated: true, reason: 'deactivate.when: active eq false' });
    expect(Object.keys(json)).toEqual(['key', 'profile', 'deactivated', 'reason', 'groups', 'trace']);

    const on = await userFile('on', base);
    const active = await run(['explain', CONFIG, on, '--now', NOW, '--format', 'json']);
    expect(JSON.parse(active.out)).toMatchObject({ deactivated: false, reason: null });
    const text = await run(['explain', CONFIG, on, '--now', NOW]);
    expect(text.out).toContain('deactivated: false\n');
    expect(text.out).not.toContain('reason:');
  });
});
