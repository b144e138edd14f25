// feeds: the `feeds:` section linted with positions (E011, E201/E202/E204 in mappings), rows
// turned into SCIM users by the plan's closures, collapse per key, and source thresholds.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Diagnostic } from '../../engine/diagnostic.ts';
import { evaluatePlan } from '../../engine/evaluate.ts';
import { makeCollapser } from '../../engine/feed-collapse.ts';
import { rowToUser } from '../../engine/feed-row.ts';
import { decideThresholds, thresholdEvent } from '../../engine/feed-thresholds.ts';
import { lookupFunction } from '../../dsl/functions.ts';

const examples = join(import.meta.dirname, '../../examples/valid');
const tenantText = readFileSync(join(examples, 'hoogland-afas.yaml'), 'utf8');
const brief = (d: Diagnostic) => `${d.code} ${d.span?.line}:${d.span?.column}-${d.span?.endLine}:${d.span?.endColumn} ${d.message}`;

const head = `tenant: x
tokens:
  - env: X_TOKEN
key: externalId
profile:
  email: userName
`;
const lint = (feeds: string) => compileTenantFile('t.yaml', `${head}feeds:\n${feeds}`).diagnostics.map(brief);

describe('feeds: lint', () => {
  it('the example tenant with a feed compiles', () => {
    const result = compileTenantFile('hoogland-afas.yaml', tenantText);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan?.feeds.map((f) => f.name)).toEqual(['afas']);
    expect(result.plan?.feeds[0]?.format).toEqual({ type: 'csv', delimiter: ';', header: true, encoding: 'utf-8' });
    expect(result.plan?.feeds[0]?.thresholds).toEqual({ creates: { count: 500 }, deactivations: { percent: 10 } });
  });

  it('mapping values are checked against the columns, targets against the SCIM user, at their positions', () => {
    const out = lint(`  - name: hr
    format: { type: csv }
    columns: [nr, email, eind]
    mapping:
      externalId: nr
      userName: lowr(emial)
      name.bogus: nr
      active: parseDate(eind, "dd-MM-yyyy")
    collapse: { by: eindd }
`);
    expect(out).toEqual([
      'E202 13:17-13:21 unknown function `lowr`',
      'E201 13:22-13:27 unknown source column `emial`',
      'E201 14:12-14:17 unknown attribute `bogus` in `name`',
      'E204 15:15-15:44 this gives a date-time, `active` takes a boolean',
      'E201 16:21-16:26 unknown source column `eindd`',
    ]);
  });

  it('E011: the key unmapped, read-only, complex and list targets, a duplicate name, scim-bulk with a mapping', () => {
    const out = lint(`  - name: hr
    format: { type: csv }
    columns: [nr, email]
    mapping:
      userName: email
      meta.created: nr
      name: nr
      emails.value: email
  - name: hr
    format: { type: scim-bulk }
    mapping: { externalId: nr }
`);
    expect(out).toEqual([
      'E011 11:5-11:12 feed `hr` does not set the key `externalId`',
      'E011 13:7-13:19 `meta.created` is read-only: the server sets it',
      'E011 14:7-14:11 `name` has sub-attributes: a mapping sets one of them',
      'E011 15:7-15:13 `emails` holds a list: a mapping sets one element',
      'E011 16:11-16:13 feed `hr` is declared twice',
      'E011 18:5-18:12 a `scim-bulk` feed takes SCIM users as they are: `mapping` is not used',
    ]);
  });

  it('E204: a parseDate format literal that is no date format, at the format', () => {
    const out = lint(`  - name: hr
    format: { type: csv }
    columns: [nr, eind]
    mapping:
      externalId: nr
      title: parseDate(eind, "dd-MM")
`);
    expect(out).toEqual([expect.stringMatching(/^E204 13:30-13:37 `"dd-MM"` is not a date format/)]);
  });

  it('a csv feed without columns, and a threshold that is neither a count nor a percentage', () => {
    expect(lint(`  - name: hr\n    format: { type: csv }\n    mapping: { externalId: nr }\n`)).toEqual(['E011 8:11-8:13 feed `hr` has no `columns`']);
    const out = lint(`  - name: hr\n    format: { type: scim-bulk }\n    thresholds: { creates: "x%" }\n`);
    expect(out).toEqual([expect.stringMatching(/^E004 10:28-10:32 expected a whole number or a percentage/)]);
  });
});

describe('parseDate', () => {
  const ctx = { root: {}, now: new Date('2026-01-01T00:00:00Z'), timezone: 'Europe/Amsterdam' };
  const call = (...args: unknown[]) => lookupFunction('parseDate')!.impl(args, ctx);
  it.each<[string, string, string | null]>([
    ['31-01-2024', 'dd-MM-yyyy', '2024-01-30T23:00:00.000Z'],
    ['1/7/2024 08:30', 'd/M/yyyy HH:mm', '2024-07-01T06:30:00.000Z'],
    ['20240131', 'yyyyMMdd', '2024-01-30T23:00:00.000Z'],
    ['31-02-2024', 'dd-MM-yyyy', null],
    ['2024-01-31', 'dd-MM-yyyy', null],
    ['31-01-2024', 'dd-MM', null],
    ['31.01.2024', 'dd.MM.yyyy', '2024-01-30T23:00:00.000Z'],
    ['31x01x2024', 'dd.MM.yyyy', null],
  ])('parseDate(%j, %j)', (text, format, iso) => {
    const v = call(text, format) as Date | null;
    expect(v === null ? null : v.toISOString()).toBe(iso);
  });
  it('is total on wrong types', () => {
    expect(call(null, 'dd-MM-yyyy')).toBeNull();
    expect(call(12, 3)).toBeNull();
  });
});

describe('feeds: rows, collapse, thresholds', () => {
  const plan = compileTenantFile('hoogland-afas.yaml', tenantText).plan!;
  const feed = plan.feeds[0]!;
  const now = new Date('2026-05-01T09:00:00Z');
  const rows = parse(readFileSync(join(examples, 'hoogland-afas.csv')), { bom: true, columns: true, delimiter: ';' }) as Record<string, string>[];

  it('one AFAS row becomes the SCIM user a client would send, keyed by the tenant key', () => {
    const r = rowToUser(plan, feed, rows[2]!, now);
    expect(r).toEqual({
      ok: true,
      key: '10077',
      user: {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:User',
          'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          'urn:ietf:params:scim:schemas:extension:hoogland:2.0:User',
        ],
        externalId: '10077',
        userName: 'piet.bakker@hoogland.example',
        name: { givenName: 'Piet', familyName: 'Bakker' },
        displayName: 'Piet Bakker',
        emails: [{ type: 'work', value: 'piet.bakker@hoogland.example' }],
        title: 'Salarisadministrateur',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Administratie', employeeNumber: '10077' },
        'urn:ietf:params:scim:schemas:extension:hoogland:2.0:User': { contractEnd: '2027-12-30T23:00:00.000Z' },
      },
    });
    const evaluation = evaluatePlan(plan, (r as { user: Record<string, unknown> }).user, now);
    expect(evaluation.groups).toEqual(['Kantoor', 'Iedereen']);
    expect(evaluation.deactivated).toBe(false);
  });

  it('a filled cell its mapping cannot read rejects the row, naming the column', () => {
    expect(rowToUser(plan, feed, { ...rows[2]!, Einddatum: '31-02-2027' }, now)).toEqual({
      ok: false,
      column: 'Einddatum',
      reason: '`hr.contractEnd` cannot be read from `parseDate(Einddatum, "dd-MM-yyyy")`',
    });
    expect(rowToUser(plan, feed, { ...rows[2]!, Medewerker: ' ' }, now)).toEqual({ ok: false, reason: 'the row has no `externalId`' });
  });

  it('several contracts per person collapse to the one that ends last; no end date wins', () => {
    const c = makeCollapser(plan, feed, now);
    rows.forEach((row, i) => {
      const r = rowToUser(plan, feed, row, now);
      if (r.ok) c.offer(r.key, row, i + 1);
    });
    const out = [...c.results()];
    expect(out.map((u) => [u.key, u.row])).toEqual([
      ['10042', 2],
      ['10077', 3],
      ['10103', 4],
      ['10155', 6],
    ]);
    expect(rows[1]!['Functie']).toBe('Teamleider zorg');
    // The winners are a bit per row: the rows themselves are read again by the importer.
    const winners = c.winners();
    expect([1, 2, 3, 4, 5, 6].filter((r) => winners.has(r))).toEqual([2, 3, 4, 6]);
    expect(winners.size).toBe(4);
    // It grows with the rows: row 100,000 fits, and a row added twice counts once.
    winners.add(100_000);
    winners.add(100_000);
    expect([winners.has(100_000), winners.has(99_999), winners.size]).toEqual([true, false, 5]);
  });

  it('collapse ranks numbers as numbers and bare dates in the tenant zone (not Date.parse)', () => {
    const ranked = (by: string, cells: readonly string[]) => {
      const p = compileTenantFile('t.yaml', `${head}timezone: Europe/Amsterdam\nfeeds:\n  - name: hr\n    format: { type: csv }\n    columns: [nr, rang]\n    mapping: { externalId: nr }\n    collapse: { by: ${by} }\n`).plan!;
      const c = makeCollapser(p, p.feeds[0]!, now);
      cells.forEach((rang, i) => c.offer('1', { nr: '1', rang }, i + 1));
      return [...c.results()][0]!.row;
    };
    // Date.parse reads `2` as 2001 and `32` as 1932: the row with 2 won.
    expect(ranked('rang', ['32', '2'])).toBe(1);
    expect(ranked('rang', ['2', '32'])).toBe(2);
    // A bare date is midnight in Amsterdam (22:00 UTC the day before), earlier than 23:00 UTC.
    expect(ranked('rang', ['2026-04-30T23:00:00Z', '2026-05-01'])).toBe(1);
  });

  it('thresholds: a count, and a percentage of the accounts before the import', () => {
    const counts = { creates: 3, deactivations: 3, changedKeys: 3 };
    expect(decideThresholds(feed, counts, 30)).toEqual({ held: false });
    expect(decideThresholds(feed, counts, 10)).toEqual({
      held: true,
      exceeded: [{ threshold: 'deactivations', count: 3, limit: 1, written: '10%' }],
    });
    expect(decideThresholds(feed, { ...counts, creates: 501 }, 100).held).toBe(true);
  });

  it('thresholds: an approved import goes ahead; its event and a held one name the feed and the counts', () => {
    const counts = { creates: 3, deactivations: 3, changedKeys: 3 };
    const exceeded = [{ threshold: 'deactivations', count: 3, limit: 1, written: '10%' }];
    expect(decideThresholds(feed, counts, 10, true)).toEqual({ held: false, approved: exceeded });
    expect(decideThresholds(feed, counts, 30, true)).toEqual({ held: false });
    const reason = `feed \`${feed.name}\`: 3 deactivations, threshold 10% (1)`;
    expect(thresholdEvent(feed, decideThresholds(feed, counts, 10))).toEqual({ type: 'feed.import_held', fields: ['deactivations'], reason });
    expect(thresholdEvent(feed, decideThresholds(feed, counts, 10, true))).toEqual({ type: 'feed.import_approved', fields: ['deactivations'], reason });
    expect(thresholdEvent(feed, decideThresholds(feed, counts, 30, true))).toBeUndefined();
  });
});
