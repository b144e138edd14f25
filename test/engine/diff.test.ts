// engine/diff: stored state vs. a new evaluation, and the tenant-file keys `safety` and `applyOnChange`.

import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { addToSummary, diffUser, emptySummary, type StoredState } from '../../engine/diff.ts';
import { parseDuration } from '../../engine/duration.ts';
import { evaluatePlan } from '../../engine/evaluate.ts';

const yaml = (extra = '') => `tenant: t
tokens: [{ env: T }]
key: externalId
profile:
  function: title
  department: enterprise.department
deactivate: { when: active eq false${extra.includes('reactivate') ? ', reactivate: false' : ''} }
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: function eq "Director"
${extra.replace('reactivate', '')}`;

const planOf = (text: string) => {
  const { plan, diagnostics } = compileTenantFile('t.yaml', text);
  if (!plan) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return plan;
};

const user = { externalId: 'k1', userName: 'a@x', title: 'Director', active: true, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales' } };
const stored = (over: Partial<StoredState> = {}): StoredState => ({
  id: 'id1',
  userName: 'a@x',
  keyValue: 'k1',
  profile: { function: 'Director', department: 'Sales' },
  status: 'active',
  groups: ['sales', 'Management'],
  ...over,
});
const now = new Date('2026-05-01T00:00:00Z');

describe('diffUser', () => {
  it('finds nothing when the stored state is what the plan computes (group names compare case-insensitively)', () => {
    const plan = planOf(yaml());
    expect(diffUser(plan, stored(), evaluatePlan(plan, user, now))).toMatchObject({ changed: false, fields: [], groupsAdded: [], keyChanged: false });
  });

  it('lists changed fields with values, missing groups in rule order, and status changes', () => {
    const plan = planOf(yaml());
    const d = diffUser(plan, stored({ profile: { function: 'Clerk', department: 'Sales', gone: 1 }, groups: [] }), evaluatePlan(plan, user, now));
    expect(d.fields).toEqual([
      { field: 'function', before: 'Clerk', after: 'Director' },
      { field: 'gone', before: 1, after: null },
    ]);
    expect(d.groupsAdded).toEqual(['Sales', 'Management']);
    const off = evaluatePlan(plan, { ...user, active: false }, now);
    expect(diffUser(plan, stored(), off).status).toBe('deactivate');
    expect(diffUser(plan, stored({ status: 'deactivated' }), off).status).toBeUndefined();
    expect(diffUser(plan, stored({ status: 'pending' }), off).status).toBeUndefined();
    expect(diffUser(plan, stored({ status: 'deactivated' }), evaluatePlan(plan, user, now)).status).toBe('reactivate');
    expect(diffUser(plan, stored({ status: 'pending' }), evaluatePlan(plan, user, now)).status).toBe('release');
    const keep = planOf(yaml('reactivate'));
    expect(diffUser(keep, stored({ status: 'deactivated' }), evaluatePlan(keep, user, now)).status).toBeUndefined();
    expect(diffUser(plan, stored({ keyValue: 'other' }), evaluatePlan(plan, user, now))).toMatchObject({ keyChanged: true, changed: true });
  });

  it('sums diffs into counts', () => {
    const plan = planOf(yaml());
    const summary = emptySummary();
    addToSummary(summary, diffUser(plan, stored(), evaluatePlan(plan, user, now)));
    addToSummary(summary, diffUser(plan, stored({ groups: [], profile: {} }), evaluatePlan(plan, { ...user, active: false }, now)));
    expect(summary).toMatchObject({ users: 2, changedUsers: 1, profileChanges: 1, deactivations: 1, usersJoiningGroups: 1 });
    expect({ ...summary.fields }).toEqual({ department: 1, function: 1 });
    expect({ ...summary.groupAdditions }).toEqual({ Sales: 1, Management: 1 });
  });
});

describe('safety and applyOnChange keys', () => {
  it('default to 25 per 1h and next-sync', () => {
    const plan = planOf(yaml());
    expect(plan.safety).toEqual({ maxDeactivations: 25, per: '1h', perMs: 3_600_000 });
    expect(plan.applyOnChange).toBe('next-sync');
  });

  it('take the values of the file', () => {
    const plan = planOf(yaml('safety: { maxDeactivations: 5, per: 30m }\napplyOnChange: now\n'));
    expect(plan.safety).toEqual({ maxDeactivations: 5, per: '30m', perMs: 1_800_000 });
    expect(plan.applyOnChange).toBe('now');
  });

  it('reject a duration of another form with help', () => {
    const { plan, diagnostics } = compileTenantFile('t.yaml', yaml('safety: { per: 1 hour }\n'));
    expect(plan).toBeUndefined();
    const d = diagnostics.find((x) => x.code === 'E004')!;
    expect(d.message).toBe('expected a duration for `safety.per`');
    expect(d.help).toContain('`30m`');
  });

  it('parse durations', () => {
    expect([parseDuration('45s'), parseDuration('30m'), parseDuration('1h'), parseDuration('2d')]).toEqual([45_000, 1_800_000, 3_600_000, 172_800_000]);
    expect([parseDuration('0h'), parseDuration('1 h'), parseDuration('1w'), parseDuration('')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
