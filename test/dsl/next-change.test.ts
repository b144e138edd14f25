// The next moment a time-dependent condition can change (dsl/next-change.ts through the plan):
// exact instants for now(), midnights in the tenant zone for today(), DST in Europe/Amsterdam,
// date-only values, missing attributes, the midnight fallback, and a sampled "never late" check.

import { describe, expect, test } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { deactivationHolds, nextCheckAt } from '../../engine/next-check.ts';
import type { Plan } from '../../engine/plan.ts';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

function plan(when: string, timezone = 'Europe/Amsterdam'): Plan {
  const yaml = `tenant: t
tokens: [{ env: T_TOKEN }]
timezone: ${timezone}
key: externalId
schemas:
  - urn: ${ACME}
    alias: acme
    attributes: { employmentEndDate: dateTime, hireDate: dateTime, startDate: dateTime, graceDays: integer, label: string }
profile: { function: title }
deactivate: { when: '${when.replace(/'/g, "''")}' }
`;
  const { plan, diagnostics } = compileTenantFile('t.yaml', yaml);
  if (!plan) throw new Error(diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return plan;
}

const user = (ext: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ userName: 'u', externalId: '1', active: true, ...extra, [ACME]: ext });
const next = (p: Plan, u: Record<string, unknown>, now: string) => nextCheckAt(p, u, new Date(now))?.toISOString() ?? null;

describe('which conditions are time-dependent', () => {
  test('no now()/today(): no next-change function, nothing stored', () => {
    const p = plan('active eq false or acme.employmentEndDate le "2026-01-01"');
    expect(p.deactivate?.nextChange).toBeUndefined();
    expect(nextCheckAt(p, user({ employmentEndDate: '2030-01-01T00:00:00Z' }), new Date())).toBeNull();
  });

  test('now() and today() are, in any case', () => {
    expect(plan('acme.employmentEndDate le NOW()').deactivate?.nextChange).toBeDefined();
    expect(plan('acme.employmentEndDate lt Today()').deactivate?.nextChange).toBeDefined();
  });
});

describe('now()', () => {
  const p = plan('active eq false or acme.employmentEndDate le now()');

  test('changes at the end date itself', () => {
    expect(next(p, user({ employmentEndDate: '2026-06-30T17:00:00Z' }), '2026-05-01T00:00:00Z')).toBe('2026-06-30T17:00:00.000Z');
  });

  test('a date-only value is midnight in the tenant zone (CEST in summer, CET in winter)', () => {
    expect(next(p, user({ employmentEndDate: '2026-06-30' }), '2026-05-01T00:00:00Z')).toBe('2026-06-29T22:00:00.000Z');
    expect(next(p, user({ employmentEndDate: '2026-12-31' }), '2026-05-01T00:00:00Z')).toBe('2026-12-30T23:00:00.000Z');
  });

  test('a passed end date gives no further change; a missing one gives null', () => {
    expect(next(p, user({ employmentEndDate: '2026-01-01T00:00:00Z' }), '2026-05-01T00:00:00Z')).toBeNull();
    expect(next(p, user({}), '2026-05-01T00:00:00Z')).toBeNull();
    expect(next(p, { userName: 'u', externalId: '1' }, '2026-05-01T00:00:00Z')).toBeNull();
    expect(next(p, user({ employmentEndDate: 'not a date' }), '2026-05-01T00:00:00Z')).toBeNull();
  });

  test('strictly after now: at the very instant, the next candidate is one millisecond later (lt)', () => {
    const q = plan('acme.employmentEndDate lt now()');
    expect(next(q, user({ employmentEndDate: '2026-06-30T17:00:00Z' }), '2026-06-30T17:00:00Z')).toBe('2026-06-30T17:00:00.001Z');
    expect(deactivationHolds(q, user({ employmentEndDate: '2026-06-30T17:00:00Z' }), new Date('2026-06-30T17:00:00.001Z'))).toBe(true);
  });

  test('either side, symbolic operators, and a literal date', () => {
    const q = plan('now() >= date("2026-01-01")');
    expect(next(q, user({}), '2025-12-01T00:00:00Z')).toBe('2025-12-31T23:00:00.000Z');
    expect(next(q, user({}), '2026-02-01T00:00:00Z')).toBeNull();
  });

  test('the earliest of several comparisons, whether or not they decide the outcome', () => {
    const q = plan('active eq false or (acme.employmentEndDate le now() and acme.startDate le now())');
    const u = user({ employmentEndDate: '2026-09-01T00:00:00Z', startDate: '2026-07-01T00:00:00Z' });
    expect(next(q, u, '2026-05-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next(q, u, '2026-08-01T00:00:00Z')).toBe('2026-09-01T00:00:00.000Z');
  });

  test('addDays(now(), n) with n from the user', () => {
    const q = plan('addDays(now(), acme.graceDays) gt acme.employmentEndDate');
    // end - 10 days, in wall-clock days: 2026-03-31 12:00 CEST - 10 days = 2026-03-21 12:00 CET.
    expect(next(q, user({ employmentEndDate: '2026-03-31T12:00:00+02:00', graceDays: 10 }), '2026-03-01T00:00:00Z')).toBe('2026-03-21T11:00:00.001Z');
    expect(next(q, user({ employmentEndDate: '2026-03-31T12:00:00+02:00' }), '2026-03-01T00:00:00Z')).toBeNull();
  });

  test('a multi-valued or list operand: every element counts', () => {
    const q = plan('now() in [date("2026-01-01"), date("2027-01-01")]');
    expect(next(q, user({}), '2026-06-01T00:00:00Z')).toBe('2026-12-31T23:00:00.000Z');
  });
});

describe('today() in the tenant zone', () => {
  test('addDays(x, 30) lt today() changes at the midnight after x + 30 days', () => {
    const p = plan('addDays(acme.employmentEndDate, 30) lt today()');
    // x + 30 = 2026-07-30 15:00 CEST; today() > that from 2026-07-31 00:00 CEST.
    expect(next(p, user({ employmentEndDate: '2026-06-30T15:00:00+02:00' }), '2026-05-01T00:00:00Z')).toBe('2026-07-30T22:00:00.000Z');
    expect(deactivationHolds(p, user({ employmentEndDate: '2026-06-30T15:00:00+02:00' }), new Date('2026-07-30T21:59:59.999Z'))).toBe(false);
    expect(deactivationHolds(p, user({ employmentEndDate: '2026-06-30T15:00:00+02:00' }), new Date('2026-07-30T22:00:00Z'))).toBe(true);
  });

  test('a date-only end date against today(): `le` changes at its midnight, `lt` one day later', () => {
    expect(next(plan('acme.employmentEndDate le today()'), user({ employmentEndDate: '2026-06-30' }), '2026-05-01T00:00:00Z')).toBe('2026-06-29T22:00:00.000Z');
    expect(next(plan('acme.employmentEndDate lt today()'), user({ employmentEndDate: '2026-06-30' }), '2026-05-01T00:00:00Z')).toBe('2026-06-30T22:00:00.000Z');
  });

  test('across the spring DST change (2026-03-29, 23 hours long)', () => {
    const p = plan('acme.employmentEndDate lt today()');
    // today() exceeds 2026-03-29 00:00 CET from 2026-03-30 00:00 CEST = 2026-03-29T22:00Z.
    expect(next(p, user({ employmentEndDate: '2026-03-29' }), '2026-03-01T00:00:00Z')).toBe('2026-03-29T22:00:00.000Z');
    const q = plan('addDays(acme.employmentEndDate, 1) le today()');
    expect(next(q, user({ employmentEndDate: '2026-03-28' }), '2026-03-01T00:00:00Z')).toBe('2026-03-28T23:00:00.000Z');
  });

  test('across the autumn DST change (2026-10-25, 25 hours long)', () => {
    const p = plan('addDays(today(), -1) ge acme.employmentEndDate');
    // yesterday >= 2026-10-25 00:00 CEST from 2026-10-26 00:00 CET = 2026-10-25T23:00Z.
    expect(next(p, user({ employmentEndDate: '2026-10-25' }), '2026-10-01T00:00:00Z')).toBe('2026-10-25T23:00:00.000Z');
  });

  test('UTC and a zone west of it', () => {
    expect(next(plan('acme.employmentEndDate lt today()', 'UTC'), user({ employmentEndDate: '2026-06-30' }), '2026-05-01T00:00:00Z')).toBe('2026-07-01T00:00:00.000Z');
    expect(next(plan('acme.employmentEndDate lt today()', 'America/New_York'), user({ employmentEndDate: '2026-06-30' }), '2026-05-01T00:00:00Z')).toBe('2026-07-01T04:00:00.000Z');
  });
});

describe('not analysable: the next midnight in the tenant zone', () => {
  test.each([
    ['concat(now(), "") co "2027"'],
    ['now() gt today()'],
    ['concat(today(), "x") eq "y"'],
    ['(acme.employmentEndDate ?? now()) le addDays(now(), -1)'],
  ])('%s', (when) => {
    const p = plan(when);
    expect(next(p, user({}), '2026-05-01T10:00:00Z')).toBe('2026-05-01T22:00:00.000Z');
  });

  test('an analysable comparison still counts when it comes earlier', () => {
    const p = plan('acme.employmentEndDate le now() or concat(now(), "") co "2027"');
    expect(next(p, user({ employmentEndDate: '2026-05-01T12:00:00Z' }), '2026-05-01T10:00:00Z')).toBe('2026-05-01T12:00:00.000Z');
  });

  test('a comparison over analysed comparisons adds nothing', () => {
    const p = plan('if(acme.employmentEndDate le now(), "gone", "here") eq "gone"');
    expect(next(p, user({ employmentEndDate: '2026-06-01T00:00:00Z' }), '2026-05-01T00:00:00Z')).toBe('2026-06-01T00:00:00.000Z');
  });
});

describe('never late: the value is constant from now until the next check', () => {
  const conditions = [
    'acme.employmentEndDate le now()',
    'acme.employmentEndDate lt now() and acme.startDate le now()',
    'addDays(acme.employmentEndDate, 30) lt today()',
    'acme.employmentEndDate eq today()',
    'addDays(today(), acme.graceDays) ge acme.employmentEndDate',
    'addDays(addDays(now(), 1), acme.graceDays) gt acme.hireDate',
    'acme.hireDate pr and today() ne acme.hireDate',
  ];
  const zones = ['Europe/Amsterdam', 'UTC', 'Australia/Lord_Howe'];
  const dates = ['2026-03-28', '2026-03-29', '2026-03-29T02:30:00', '2026-03-29T01:59:59Z', '2026-10-25', '2026-10-25T02:30:00', '2026-04-05T01:45:00', '2026-11-01T01:30:00'];

  for (const when of conditions) {
    for (const zone of zones) {
      test(`${when} in ${zone}`, () => {
        const p = plan(when, zone);
        for (const end of dates) {
          for (const grace of [-2, 0, 30]) {
            const u = user({ employmentEndDate: end, startDate: end, hireDate: end, graceDays: grace });
            let now = Date.parse(`${end.slice(0, 10)}T00:00:00Z`) - 20 * 86_400_000;
            const end_ = now + 50 * 86_400_000;
            for (let hop = 0; hop < 8 && now < end_; hop++) {
              const at = nextCheckAt(p, u, new Date(now));
              const before = deactivationHolds(p, u, new Date(now));
              const limit = at === null ? end_ : Math.min(at.getTime(), end_);
              // Sample every 3 hours, and the millisecond before the check.
              let bad: string | undefined;
              for (let t = now; t < limit && !bad; t += 3 * 3_600_000) if (deactivationHolds(p, u, new Date(t)) !== before) bad = new Date(t).toISOString();
              expect(bad, `${end} grace ${grace}: changed before the check at ${at?.toISOString()}`).toBeUndefined();
              expect(deactivationHolds(p, u, new Date(limit - 1))).toBe(before);
              if (at === null) break;
              expect(at.getTime()).toBeGreaterThan(now);
              now = at.getTime();
            }
          }
        }
      });
    }
  }
});
