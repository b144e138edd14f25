// engine/held-clause and the reason engine/status.ts writes from it: which clause of the
// deactivation condition held, for `or` chains, nested and parenthesised ones, `and`, `not`,
// bare attributes, and a condition that does not hold.

import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import { heldClause } from '../../engine/held-clause.ts';
import type { Plan } from '../../engine/plan.ts';
import { deactivationReason, decideStatus } from '../../engine/status.ts';

const HR = 'urn:ietf:params:scim:schemas:extension:hr:2.0:User';
const NOW = new Date('2026-05-01T09:00:00Z');
const PAST = '2026-04-01T00:00:00Z';
const FUTURE = '2026-06-01T00:00:00Z';

function planWith(when: string): Plan {
  const { plan, diagnostics } = compileTenantFile(
    't.yaml',
    `tenant: t
tokens: [{ env: T }]
key: externalId
schemas:
  - urn: ${HR}
    alias: hr
    attributes: { endDate: dateTime, leaver: boolean, onLeave: boolean, type: string }
profile: { function: title }
deactivate:
  when: '${when}'
`,
  );
  if (!plan?.deactivate) throw new Error(`does not compile: ${diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return plan;
}

const user = (hr: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ externalId: 'k', userName: 'u', active: true, [HR]: hr, ...extra });
const clauseOf = (plan: Plan, u: Record<string, unknown>) => heldClause(plan.deactivate!, { root: u, now: NOW, timezone: plan.timezone });

describe('heldClause', () => {
  it('names the first disjunct of a top-level `or` that holds', () => {
    const plan = planWith('active eq false or hr.endDate le now()');
    expect(clauseOf(plan, user({ endDate: PAST }))).toBe('hr.endDate le now()');
    expect(clauseOf(plan, user({ endDate: FUTURE }, { active: false }))).toBe('active eq false');
    // both hold: the first one is the reason
    expect(clauseOf(plan, user({ endDate: PAST }, { active: false }))).toBe('active eq false');
  });

  it('is undefined when the condition does not hold', () => {
    const plan = planWith('active eq false or hr.endDate le now()');
    expect(clauseOf(plan, user({ endDate: FUTURE }))).toBeUndefined();
    expect(clauseOf(plan, user({}))).toBeUndefined();
  });

  it('flattens parentheses and nested `or`s, in either nesting', () => {
    const left = planWith('(active eq false or hr.type eq "x") or (hr.endDate le now())');
    expect(clauseOf(left, user({ type: 'X' }))).toBe('hr.type eq "x"');
    expect(clauseOf(left, user({ endDate: PAST }))).toBe('hr.endDate le now()');
    const right = planWith('active eq false or (hr.type eq "x" or (hr.endDate le now()))');
    expect(clauseOf(right, user({ endDate: PAST }))).toBe('hr.endDate le now()');
    expect(clauseOf(right, user({ type: 'x', endDate: PAST }))).toBe('hr.type eq "x"');
  });

  it('keeps a conjunction and a negation whole', () => {
    const and = planWith('active eq false or (hr.type eq "contractor" and hr.endDate le now())');
    expect(clauseOf(and, user({ type: 'contractor', endDate: PAST }))).toBe('hr.type eq "contractor" and hr.endDate le now()');
    const top = planWith('hr.type eq "contractor" and (active eq false or hr.endDate le now())');
    expect(clauseOf(top, user({ type: 'contractor', endDate: PAST }))).toBe('hr.type eq "contractor" and (active eq false or hr.endDate le now())');
    // A bare negation as a disjunct holds on absence (E603); guarded, it is kept whole.
    const not = planWith('(hr.endDate pr and not (hr.endDate gt now())) or active eq false');
    expect(clauseOf(not, user({ endDate: PAST }))).toBe('hr.endDate pr and not (hr.endDate gt now())');
  });

  it('tells bare boolean attributes apart by what the `or` evaluated next', () => {
    const plan = planWith('hr.leaver or hr.endDate le now()');
    expect(clauseOf(plan, user({ leaver: true, endDate: PAST }))).toBe('hr.leaver');
    expect(clauseOf(plan, user({ leaver: false, endDate: PAST }))).toBe('hr.endDate le now()');
    const last = planWith('hr.endDate le now() or hr.leaver');
    expect(clauseOf(last, user({ leaver: true, endDate: FUTURE }))).toBe('hr.leaver');
  });

  it('names both of two adjacent bare attributes when the trace cannot tell them apart', () => {
    const plan = planWith('hr.leaver or hr.onLeave or hr.endDate le now()');
    expect(clauseOf(plan, user({ onLeave: true }))).toBe('hr.leaver or hr.onLeave');
    expect(clauseOf(plan, user({ leaver: true }))).toBe('hr.leaver or hr.onLeave');
    expect(clauseOf(plan, user({ endDate: PAST }))).toBe('hr.endDate le now()');
  });

  it('a single comparison is its own clause', () => {
    const plan = planWith('hr.endDate le now()');
    expect(clauseOf(plan, user({ endDate: PAST }))).toBe('hr.endDate le now()');
  });
});

describe('the reason a deactivation records', () => {
  const plan = planWith('active eq false or hr.endDate le now()');

  it('names the clause that held, for the decision and for explain alike', () => {
    const u = user({ endDate: PAST });
    const decision = decideStatus(plan, { state: undefined, conditionHolds: true, now: NOW, user: u });
    expect(decision.next.reason).toBe('deactivate.when: hr.endDate le now()');
    expect(deactivationReason(plan, u, NOW)).toBe(decision.next.reason);
  });

  it('falls back to the whole condition without the user, or when it does not hold for them', () => {
    expect(decideStatus(plan, { state: undefined, conditionHolds: true, now: NOW }).next.reason).toBe('deactivate.when: active eq false or hr.endDate le now()');
    expect(deactivationReason(plan, user({ endDate: FUTURE }), NOW)).toBe('deactivate.when: active eq false or hr.endDate le now()');
  });

  it('reads the clock it is given, in the tenant time zone', () => {
    const u = user({ endDate: '2026-05-01T09:30:00Z' });
    expect(deactivationReason(plan, u, new Date('2026-05-01T10:00:00Z'))).toBe('deactivate.when: hr.endDate le now()');
  });
});
