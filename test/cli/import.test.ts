// `scimplan import`: the AFAS example export through the tenant plan into the worker's database
// (the must-show cases of issue 14): accounts, profiles and groups; an end date in the past
// deactivates exactly that person; rows left out change nothing; a source threshold holds an
// import; a person sent by SCIM and by the feed is one account.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../../server/db/database.ts';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { runFeedImport } from '../../server/feed-import.ts';
import { openFeedJob } from '../../server/feed-jobs.ts';
import { createUser, getUser } from '../../server/provision.ts';
import { openTestDatabase, planOf, uniqueTenant } from '../server/helpers.ts';
import { runImport } from '../../cli/import.ts';
import { run } from './helpers.ts';

const examples = join(import.meta.dirname, '../../examples/valid');
const NOW = ['--now', '2026-05-01T09:00:00Z'];
let database: OpenDatabase;
let dir: string;
let yamlText: string;
let csvText: string;

beforeAll(async () => {
  database = await openTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'scimplan-import-'));
  yamlText = await readFile(join(examples, 'hoogland-afas.yaml'), 'utf8');
  csvText = await readFile(join(examples, 'hoogland-afas.csv'), 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tenantFiles(edit: (yaml: string) => string = (y) => y) {
  const tenant = uniqueTenant('feed');
  const yaml = edit(yamlText.replace('tenant: hoogland', `tenant: ${tenant}`));
  const config = join(dir, `${tenant}.yaml`);
  await writeFile(config, yaml);
  const csv = async (name: string, text: string) => {
    const path = join(dir, `${tenant}-${name}.csv`);
    await writeFile(path, text);
    return path;
  };
  const importJson = async (file: string, extra: string[] = []) => {
    const r = await run(['import', config, 'afas', file, '--format', 'json', ...NOW, ...extra], database.db);
    return { code: r.code, err: r.err, body: JSON.parse(r.out || '{}') as { counts: Record<string, number>; records: { row: number; key?: string; outcome: string; reason?: string; column?: string }[]; held: unknown } };
  };
  const users = () =>
    database.db.selectFrom('scim_users').select(['id', 'key_value', 'status', 'profile', 'version']).where('tenant', '=', tenant).orderBy('key_value').execute();
  const events = () => database.db.selectFrom('events').select(['type', 'account_id']).where('tenant', '=', tenant).orderBy('id').execute();
  const groups = async () => {
    const rows = await database.db
      .selectFrom('memberships as m')
      .innerJoin('scim_groups as g', 'g.id', 'm.group_id')
      .innerJoin('scim_users as u', 'u.id', 'm.user_id')
      .select(['u.key_value as key', 'g.display_name as group'])
      .where('u.tenant', '=', tenant)
      .execute();
    const out: Record<string, string[]> = {};
    for (const r of rows) (out[r.key] ??= []).push(r.group);
    for (const k of Object.keys(out)) out[k]!.sort();
    return out;
  };
  return { tenant, yaml, config, csv, importJson, users, events, groups };
}

const profileOf = (p: unknown) => (typeof p === 'string' ? JSON.parse(p) : p) as Record<string, unknown>;

describe('scimplan import', () => {
  it('imports the AFAS export (BOM, semicolons, several contracts per person), then changes nothing on a second run', async () => {
    const t = await tenantFiles();
    const file = await t.csv('export', csvText);
    const first = await t.importJson(file);
    expect(first.code).toBe(0);
    expect(first.body.counts).toEqual({ created: 4, updated: 0, unchanged: 0, deactivated: 0, held: 0, rejected: 0 });
    const users = await t.users();
    expect(users.map((u) => [u.key_value, u.status])).toEqual([
      ['10042', 'active'],
      ['10077', 'active'],
      ['10103', 'active'],
      ['10155', 'active'],
    ]);
    expect(profileOf(users[0]!.profile)).toMatchObject({ firstName: 'An', lastName: 'de Jong', function: 'Teamleider zorg', department: 'Zorg', email: 'an.dejong@hoogland.example' });
    expect(profileOf(users[3]!.profile)).toMatchObject({ lastName: 'van den Berg', displayName: 'Joris van den Berg' });
    expect(await t.groups()).toEqual({
      '10042': ['Iedereen', 'Zorg'],
      '10077': ['Iedereen', 'Kantoor'],
      '10103': ['Iedereen', 'Kantoor'],
      '10155': ['Iedereen', 'Zorg'],
    });
    const eventsBefore = await t.events();
    const second = await t.importJson(file);
    expect(second.body.counts).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 4 });
    expect(await t.events()).toEqual(eventsBefore);
    expect((await t.users()).map((u) => u.version)).toEqual(users.map((u) => u.version));
  });

  it('an end date in the past deactivates exactly that person; rows left out change nothing', async () => {
    const t = await tenantFiles((y) => y.replace('deactivations: "10%"', 'deactivations: "25%"'));
    await t.importJson(await t.csv('export', csvText));
    const before = await t.users();
    const ended = csvText.replace('01-09-2020;31-12-2027', '01-09-2020;31-03-2026');
    const second = await t.importJson(await t.csv('ended', ended));
    expect(second.code).toBe(0);
    expect(second.body.records.filter((r) => r.outcome !== 'unchanged').map((r) => [r.key, r.outcome])).toEqual([['10077', 'deactivated']]);
    const after = await t.users();
    expect(after.map((u) => [u.key_value, u.status])).toEqual([
      ['10042', 'active'],
      ['10077', 'deactivated'],
      ['10103', 'active'],
      ['10155', 'active'],
    ]);
    // The third export leaves out 10103 and 10155 (and An's old contract): nobody is touched.
    const fewer = ended.split('\r\n').filter((l) => !/^(10103|10155);/.test(l) && !l.includes('31-01-2024')).join('\r\n');
    const third = await t.importJson(await t.csv('fewer', fewer));
    expect(third.body.counts).toMatchObject({ created: 0, updated: 0, deactivated: 0, unchanged: 2 });
    const last = await t.users();
    expect(last.map((u) => [u.key_value, u.status, u.version])).toEqual(after.map((u) => [u.key_value, u.status, u.version]));
    expect(before.find((u) => u.key_value === '10103')!.version).toBe(last.find((u) => u.key_value === '10103')!.version);
  });

  it('a source threshold holds an import that would deactivate 30% of the users; nothing is written', async () => {
    const t = await tenantFiles((y) => y.replace('deactivations: "10%"', 'deactivations: "25%"'));
    const header = csvText.split('\r\n')[0]!;
    const people = (ended: number) =>
      [header, ...Array.from({ length: 10 }, (_, i) => `${20000 + i};P${i};;Achternaam${i};p${i}@hoogland.example;Zorg;Verzorgende;01-01-2020;${i < ended ? '31-03-2026' : ''}`)].join('\r\n');
    expect((await t.importJson(await t.csv('ten', people(0)))).body.counts.created).toBe(10);
    const before = (await t.events()).length;
    const since = async () => (await t.events()).slice(before).map((e) => e.type);
    const held = await t.importJson(await t.csv('three-ended', people(3)));
    expect(held.code).toBe(2);
    expect(held.body.held).toEqual({ held: true, exceeded: [{ threshold: 'deactivations', count: 3, limit: 2, written: '25%' }] });
    expect(held.body.counts).toMatchObject({ held: 3, unchanged: 7, deactivated: 0 });
    expect((await t.users()).every((u) => u.status === 'active')).toBe(true);
    // The hold writes its event and nothing else: the feed name and the counts, never a value.
    const heldEvents = await database.db.selectFrom('events').select(['type', 'account_id', 'fields', 'reason']).where('tenant', '=', t.tenant).where('type', 'like', 'feed.%').execute();
    expect(heldEvents).toEqual([{ type: 'feed.import_held', account_id: null, fields: ['deactivations'], reason: 'feed `afas`: 3 deactivations, threshold 25% (2)' }]);
    expect(await since()).toEqual(['feed.import_held']);
    // A dry run with --approve decides and writes nothing, not even an event.
    const dry = await t.importJson(await t.csv('three-ended', people(3)), ['--approve', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.body.counts).toMatchObject({ deactivated: 3, held: 0 });
    expect(await since()).toEqual(['feed.import_held']);
    // --approve runs it past the threshold and says so with an event.
    const approved = await t.importJson(await t.csv('three-ended', people(3)), ['--approve']);
    expect(approved.code).toBe(0);
    expect(approved.body.held).toBeNull();
    expect((approved.body as unknown as { approved: unknown }).approved).toEqual([{ threshold: 'deactivations', count: 3, limit: 2, written: '25%' }]);
    expect(approved.body.counts).toMatchObject({ deactivated: 3, unchanged: 7, held: 0 });
    expect((await t.users()).filter((u) => u.status === 'deactivated')).toHaveLength(3);
    expect(await since()).toEqual(['feed.import_held', 'feed.import_approved', 'user.deactivated', 'user.deactivated', 'user.deactivated']);
  });

  it('the text summary of a held import points at --approve', async () => {
    const t = await tenantFiles((y) => y.replace('creates: 500', 'creates: 2'));
    const r = await run(['import', t.config, 'afas', await t.csv('all', csvText), ...NOW], database.db);
    expect(r.code).toBe(2);
    expect(r.out).toContain("held: 4 creates is more than the feed's threshold 2 (2); nothing was written; run again with --approve to import it");
    const again = await run(['import', t.config, 'afas', await t.csv('all', csvText), '--approve', ...NOW], database.db);
    expect(again.code).toBe(0);
    expect(again.out).toContain("approved: 4 creates is more than the feed's threshold 2 (2)");
    expect(await t.users()).toHaveLength(4);
  });

  it('a person sent by SCIM and then by the feed is one account', async () => {
    const t = await tenantFiles();
    const plan = planOf(t.yaml);
    const scim = await createUser({ db: database.db, plan, requestId: 'scim', now: new Date('2026-04-01T00:00:00Z') }, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      externalId: '10042',
      userName: 'an.dejong@hoogland.example',
      name: { givenName: 'An', familyName: 'Jong' },
    });
    const r = await t.importJson(await t.csv('export', csvText));
    expect(r.body.records.find((x) => x.key === '10042')?.outcome).toBe('updated');
    const users = await t.users();
    expect(users.filter((u) => u.key_value === '10042').map((u) => u.id)).toEqual([scim.row.id]);
    expect(profileOf(users[0]!.profile)).toMatchObject({ lastName: 'de Jong', function: 'Teamleider zorg' });
  });

  it('bad rows are rejected with row and column; the others are imported', async () => {
    const t = await tenantFiles();
    const bad = csvText.replace('01-09-2020;31-12-2027', '01-09-2020;31-13-2027').replace('10103;Fatima;;El Amrani', '10103;Fatima;El Amrani');
    const r = await run(['import', t.config, 'afas', await t.csv('bad', bad), ...NOW], database.db);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 created');
    expect(r.out).toContain('2 rejected');
    expect(r.out).toMatch(/bad\.csv:4: row 3, column `Einddatum`: `hr\.contractEnd` cannot be read/);
    expect(r.out).toMatch(/bad\.csv:5: row 4: the row has another number of fields than the header/);
    expect(r.out).not.toContain('Fatima');
  });

  it('--dry-run decides and writes nothing; an unknown feed is an error', async () => {
    const t = await tenantFiles();
    const dry = await t.importJson(await t.csv('export', csvText), ['--dry-run']);
    expect(dry.body.counts.created).toBe(4);
    expect(await t.users()).toEqual([]);
    const r = await run(['import', t.config, 'visma', join(dir, 'x.csv')], database.db);
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no feed `visma`; its feeds: `afas`');
  });

  it('reads jsonl and a SCIM BulkRequest feed through the same plan', async () => {
    const t = await tenantFiles((y) =>
      y.replace('feeds:\n', `feeds:
  - name: lines
    format: { type: jsonl }
    columns: [nr, mail]
    mapping:
      externalId: nr
      userName: lower(mail)
  - name: bulk
    format: { type: scim-bulk }
`),
    );
    const jsonl = join(dir, `${t.tenant}.jsonl`);
    await writeFile(jsonl, '{"nr":"30001","mail":"A@x.example"}\n\n\nnot json\n{"nr":"30002","mail":"b@x.example"}\n');
    const dry = await run(['import', t.config, 'lines', jsonl, '--dry-run', ...NOW], database.db);
    // The rejected line is reported at its line in the file, blank lines counted.
    expect(dry.out).toContain(`${t.tenant}.jsonl:4: row 2: the line is not a JSON object`);
    const a = await run(['import', t.config, 'lines', jsonl, '--format', 'json', ...NOW], database.db);
    const body = JSON.parse(a.out) as { records: { row: number; outcome: string; reason?: string }[] };
    expect(body.records.map((r) => [r.row, r.outcome])).toEqual([[1, 'created'], [2, 'rejected'], [3, 'created']]);
    const bulk = join(dir, `${t.tenant}.json`);
    await writeFile(bulk, JSON.stringify({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: '30001', userName: 'a@x.example', title: 'Arts' } },
        { method: 'DELETE', path: '/Users/x' },
      ],
    }));
    const b = await run(['import', t.config, 'bulk', bulk, '--format', 'json', ...NOW], database.db);
    const bBody = JSON.parse(b.out) as { records: { row: number; key?: string; outcome: string }[] };
    expect(bBody.records.map((r) => [r.row, r.key ?? null, r.outcome])).toEqual([[1, '30001', 'updated'], [2, null, 'rejected']]);
    expect((await t.users()).map((u) => u.key_value)).toEqual(['30001', '30002']);
  });

  it('an interrupted import continues where it stopped, says so, and ends as one uninterrupted import', async () => {
    const header = csvText.split('\r\n')[0]!;
    const people = [header, ...Array.from({ length: 10 }, (_, i) => `${40000 + i};P${i};;Achternaam${i};p${i}@hoogland.example;${i % 2 ? 'Zorg' : 'ICT'};Verzorgende;01-01-2020;${i === 4 ? '31-03-2026' : ''}`)].join('\r\n');
    const whole = await tenantFiles();
    const once = await whole.importJson(await whole.csv('people', people));
    expect(once.body.counts).toMatchObject({ created: 10 });

    const t = await tenantFiles();
    const file = await t.csv('people', people);
    const plan = planOf(t.yaml);
    const now = new Date(NOW[1]!);
    const hash = createHash('sha256').update(await readFile(file)).digest('hex');
    // The first run stops after its second batch of three (as a killed process would: the job stays running).
    const job = await openFeedJob(database.db, { tenant: t.tenant, feed: 'afas', hash, origin: 'cli', now });
    const interrupted = runFeedImport({ db: database.db, plan, requestId: 'import:afas', now }, plan.feeds[0]!, { open: () => createReadStream(file) }, {
      job,
      batchSize: 3,
      afterBatch: (n) => {
        if (n === 2) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect(await t.users()).toHaveLength(6);

    const resumed = await t.importJson(file);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain('resuming the interrupted import');
    expect(resumed.err).toContain('6 records were written before it stopped');
    expect((resumed.body as unknown as { resumed: unknown }).resumed).toEqual({ done: 6 });
    expect(resumed.body.records).toEqual(once.body.records);
    expect(resumed.body.counts).toEqual(once.body.counts);
    const shape = async (x: typeof t) => (await x.users()).map((u) => [u.key_value, u.status, profileOf(u.profile), u.version]);
    expect(await shape(t)).toEqual(await shape(whole));
    expect((await t.events()).map((e) => e.type)).toEqual((await whole.events()).map((e) => e.type));
    // Finished: the next import of the file is a new job, and changes nothing.
    const third = await t.importJson(file);
    expect(third.err).not.toContain('resuming');
    expect(third.body.counts).toMatchObject({ unchanged: 10 });
  });

  it('a feed writes the attributes it maps and keeps those a SCIM client set; an emptied cell clears its attribute', async () => {
    const t = await tenantFiles();
    const plan = planOf(t.yaml);
    const ctx = { db: database.db, plan, requestId: 'scim', now: new Date('2026-04-01T00:00:00Z') };
    const scim = await createUser(ctx, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: '10077',
      userName: 'piet.bakker@hoogland.example',
      nickName: 'Piet B',
      phoneNumbers: [{ type: 'work', value: '+31 20 555 0100' }],
      emails: [{ type: 'Work', value: 'old@hoogland.example' }],
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Oud', costCenter: 'K-12' },
    });
    const noDepartment = csvText.replace('10077;Piet;;Bakker;piet.bakker@hoogland.example;Administratie;', '10077;Piet;;Bakker;piet.bakker@hoogland.example;;');
    const r = await t.importJson(await t.csv('export', noDepartment));
    expect(r.body.records.find((x) => x.key === '10077')?.outcome).toBe('updated');
    const stored = (await getUser(ctx, scim.row.id)).row.resource;
    const user = (typeof stored === 'string' ? JSON.parse(stored) : stored) as Record<string, unknown>;
    // Kept: what the mapping does not set.
    expect(user.nickName).toBe('Piet B');
    expect(user.phoneNumbers).toEqual([{ type: 'work', value: '+31 20 555 0100' }]);
    // Written: the mapped values; `type eq "work"` picks the element sent as `Work` (SCIM case rule).
    expect(user.emails).toEqual([{ type: 'Work', value: 'piet.bakker@hoogland.example' }]);
    expect(user.title).toBe('Salarisadministrateur');
    // The empty Afdeling cell clears the department the feed maps; the cost center stays.
    expect(user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toMatchObject({ costCenter: 'K-12' });
    expect(user['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).not.toHaveProperty('department');
    expect((await t.users()).find((u) => u.key_value === '10077')!.status).toBe('active');
  });

  it('draws a progress bar on stderr only when asked for a terminal (not when stderr is redirected)', async () => {
    const t = await tenantFiles();
    const file = await t.csv('export', csvText);
    const capture = async (progressBar: boolean) => {
      let err = '';
      const io = { out: () => undefined, err: (x: string) => void (err += x), readStdin: async () => '', color: false };
      const code = await runImport(t.config, 'afas', file, { db: database.db, progressBar, now: new Date(NOW[1]!) }, io);
      return { code, err };
    };
    const drawn = await capture(true);
    expect(drawn.code).toBe(0);
    expect(drawn.err).toContain('\r[##############################] 100% 4/4 users');
    expect(drawn.err.endsWith('\n')).toBe(true);
    expect((await capture(false)).err).toBe('');
  });
});
