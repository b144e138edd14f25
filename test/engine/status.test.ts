// engine/status: every account status transition as a table (state x condition x rules),
// the safety limit's pure part, DELETE, approval, and the scheduler's re-check.

import { describe, expect, it } from 'vitest';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import {
  approveHold,
  decideDelete,
  decideStatus,
  deactivatedByDelete,
  limitDeactivation,
  needsSafetyCheck,
  recheckAccount,
  type AccountState,
  type StatusRules,
} from '../../engine/status.ts';

const NOW = new Date('2026-05-01T09:00:00Z');
const EARLIER = new Date('2026-04-01T09:00:00Z');
const safety = { maxDeactivations: 2, per: '1h', perMs: 3_600_000 };
const rules = (reactivate = true, onDelete: 'keep' | 'deactivate' = 'keep'): StatusRules => ({
  deactivate: { source: 'active eq false', reactivate },
  onDelete,
  safety,
});

const ACTIVE: AccountState = { status: 'active', deactivatedAt: null, reason: null };
const DEACTIVATED: AccountState = { status: 'deactivated', deactivatedAt: EARLIER, reason: 'deactivate.when: active eq false' };
const BY_DELETE: AccountState = { status: 'deactivated', deactivatedAt: EARLIER, reason: 'onDelete: deactivate' };
const HELD: AccountState = { status: 'pending', deactivatedAt: null, reason: 'held by the safety limit (2 per 1h); deactivate.when: active eq false' };
const NEW_DEACTIVATED: AccountState = { status: 'deactivated', deactivatedAt: NOW, reason: 'deactivate.when: active eq false' };

describe('decideStatus', () => {
  const table: [string, AccountState | undefined, boolean, { reactivate?: boolean; relink?: boolean }, string | undefined, AccountState, string | undefined][] = [
    // name, state, condition holds, options, transition, next state, event
    ['new account, condition holds: starts deactivated, without the safety limit', undefined, true, {}, 'start', NEW_DEACTIVATED, 'user.deactivated'],
    ['new account, condition does not hold', undefined, false, {}, undefined, ACTIVE, undefined],
    ['active, condition holds', ACTIVE, true, {}, 'deactivate', NEW_DEACTIVATED, 'user.deactivated'],
    ['active, condition does not hold', ACTIVE, false, {}, undefined, ACTIVE, undefined],
    ['deactivated, condition holds: keeps its moment and reason', DEACTIVATED, true, {}, undefined, DEACTIVATED, undefined],
    ['deactivated, condition stops holding: reactivated', DEACTIVATED, false, {}, 'reactivate', ACTIVE, 'user.reactivated'],
    ['deactivated, condition stops holding, reactivate: false', DEACTIVATED, false, { reactivate: false }, undefined, DEACTIVATED, undefined],
    ['pending, condition holds: stays held without a new event', HELD, true, {}, undefined, HELD, undefined],
    ['pending, condition stops holding: released', HELD, false, {}, 'release', ACTIVE, undefined],
    ['pending, condition stops holding, reactivate: false: released all the same', HELD, false, { reactivate: false }, 'release', ACTIVE, undefined],
    ['re-link of an account a DELETE deactivated, reactivate: false: a new start', BY_DELETE, false, { reactivate: false, relink: true }, 'reactivate', ACTIVE, 'user.reactivated'],
    ['re-link of an account a DELETE deactivated, condition holds: stays', BY_DELETE, true, { relink: true }, undefined, BY_DELETE, undefined],
    ['re-link of an account the condition deactivated, reactivate: false: stays', DEACTIVATED, false, { reactivate: false, relink: true }, undefined, DEACTIVATED, undefined],
    ['request (no re-link) for an account a DELETE deactivated, reactivate: false: stays', BY_DELETE, false, { reactivate: false }, undefined, BY_DELETE, undefined],
    ['re-link of an active account, condition holds', ACTIVE, true, { relink: true }, 'deactivate', NEW_DEACTIVATED, 'user.deactivated'],
  ];
  it.each(table)('%s', (_name, state, holds, options, transition, next, event) => {
    const decision = decideStatus(rules(options.reactivate ?? true), { state, conditionHolds: holds, relink: options.relink ?? false, now: NOW });
    expect(decision.transition).toBe(transition);
    expect(decision.next).toEqual(next);
    expect(decision.event).toBe(event);
    expect(needsSafetyCheck(decision)).toBe(transition === 'deactivate');
    // The event's reason: the new state's for a deactivation, the ended one's for a reactivation.
    expect(decision.reason).toBe(event === undefined ? undefined : ((transition === 'reactivate' ? state : next)?.reason ?? undefined));
  });

  it('names the condition in the reason, also without a deactivate rule', () => {
    expect(decideStatus({ onDelete: 'keep', safety }, { state: ACTIVE, conditionHolds: true, now: NOW }).next.reason).toBe('deactivate.when: ');
  });
});

describe('limitDeactivation', () => {
  const deactivate = decideStatus(rules(), { state: ACTIVE, conditionHolds: true, now: NOW });
  it('lets a deactivation through below the limit', () => {
    expect(limitDeactivation(deactivate, 0, safety)).toBe(deactivate);
    expect(limitDeactivation(deactivate, 1, safety)).toBe(deactivate);
  });
  it('holds it once the window holds maxDeactivations', () => {
    for (const recent of [2, 3, 100]) {
      expect(limitDeactivation(deactivate, recent, safety)).toEqual({ transition: 'hold', event: 'user.deactivation_held', next: HELD, reason: HELD.reason });
    }
  });
  it('holds every deactivation under maxDeactivations: 0', () => {
    expect(limitDeactivation(deactivate, 0, { ...safety, maxDeactivations: 0 }).transition).toBe('hold');
  });
  it('passes any other decision unchanged', () => {
    for (const state of [ACTIVE, DEACTIVATED, HELD]) {
      const d = decideStatus(rules(), { state, conditionHolds: state.status !== 'active', now: NOW });
      expect(limitDeactivation(d, 100, safety)).toBe(d);
    }
    const reactivate = decideStatus(rules(), { state: DEACTIVATED, conditionHolds: false, now: NOW });
    expect(limitDeactivation(reactivate, 100, safety)).toBe(reactivate);
  });
  it('never holds a new account that starts deactivated, whatever the window holds', () => {
    const start = decideStatus(rules(), { state: undefined, conditionHolds: true, relink: false, now: NOW });
    expect(start).toEqual({ transition: 'start', event: 'user.deactivated', next: NEW_DEACTIVATED, reason: NEW_DEACTIVATED.reason });
    expect(needsSafetyCheck(start)).toBe(false);
    for (const max of [0, 2]) expect(limitDeactivation(start, 100, { ...safety, maxDeactivations: max })).toBe(start);
  });
});

describe('decideDelete', () => {
  it('deactivates under onDelete: deactivate, a held account included', () => {
    for (const state of [ACTIVE, HELD]) {
      expect(decideDelete(rules(true, 'deactivate'), state, NOW)).toEqual({
        transition: 'delete',
        event: 'user.deactivated',
        next: { status: 'deactivated', deactivatedAt: NOW, reason: 'onDelete: deactivate' },
        reason: 'onDelete: deactivate',
      });
    }
    expect(deactivatedByDelete(decideDelete(rules(true, 'deactivate'), ACTIVE, NOW).next)).toBe(true);
  });
  it('leaves a deactivated account and every account under onDelete: keep', () => {
    expect(decideDelete(rules(true, 'deactivate'), DEACTIVATED, NOW)).toEqual({ next: DEACTIVATED });
    for (const state of [ACTIVE, DEACTIVATED, HELD]) expect(decideDelete(rules(), state, NOW)).toEqual({ next: state });
  });
});

describe('approveHold', () => {
  it('deactivates a held account with the reason it wrapped', () => {
    expect(approveHold(HELD, NOW)).toEqual({ transition: 'approve', event: 'user.deactivated', next: NEW_DEACTIVATED, reason: NEW_DEACTIVATED.reason });
  });
  it('keeps a pending reason that is not a hold as it is', () => {
    const odd: AccountState = { status: 'pending', deactivatedAt: null, reason: 'held by the safety limit' };
    expect(approveHold(odd, NOW).next).toEqual({ status: 'deactivated', deactivatedAt: NOW, reason: 'held by the safety limit' });
    expect(approveHold({ ...odd, reason: null }, NOW).next.reason).toBeNull();
  });
  it('leaves accounts that are not held', () => {
    for (const state of [ACTIVE, DEACTIVATED, BY_DELETE]) expect(approveHold(state, NOW)).toEqual({ next: state });
  });
});

describe('recheckAccount', () => {
  const { plan } = compileTenantFile(
    't.yaml',
    `tenant: t
tokens: [{ env: T }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:acme:2.0:User
    alias: acme
    attributes: { startDate: dateTime }
profile: { function: title }
deactivate: { when: acme.startDate gt now() }
`,
  );
  if (!plan) throw new Error('the test plan does not compile');
  const start = new Date('2026-06-01T00:00:00Z');
  const user = { externalId: 'k', userName: 'u', 'urn:ietf:params:scim:schemas:extension:acme:2.0:User': { startDate: start.toISOString() } };

  it('deactivates while the condition holds and names the moment it can change', () => {
    const r = recheckAccount(plan, user, ACTIVE, NOW);
    expect(r.change?.transition).toBe('deactivate');
    expect(r.nextCheckAt?.getTime()).toBeGreaterThan(NOW.getTime());
  });
  it('reactivates and releases once the moment has passed, and changes nothing otherwise', () => {
    const after = new Date(start.getTime() + 1000);
    expect(recheckAccount(plan, user, DEACTIVATED, after).change?.transition).toBe('reactivate');
    expect(recheckAccount(plan, user, HELD, after).change?.transition).toBe('release');
    expect(recheckAccount(plan, user, ACTIVE, after)).toEqual({ nextCheckAt: null });
    expect(recheckAccount(plan, user, HELD, NOW).change).toBeUndefined();
  });
  it('records the clause of the condition that held, also when the hold wraps it', () => {
    const { plan: either } = compileTenantFile(
      't.yaml',
      `tenant: t
tokens: [{ env: T }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:acme:2.0:User
    alias: acme
    attributes: { startDate: dateTime }
profile: { function: title }
deactivate: { when: active eq false or acme.startDate gt now() }
`,
    );
    if (!either) throw new Error('the test plan does not compile');
    const r = recheckAccount(either, user, ACTIVE, NOW);
    expect(r.change?.next.reason).toBe('deactivate.when: acme.startDate gt now()');
    expect(limitDeactivation(r.change!, 2, safety).next.reason).toBe('held by the safety limit (2 per 1h); deactivate.when: acme.startDate gt now()');
    expect(recheckAccount(either, { ...user, active: false }, ACTIVE, NOW).change?.next.reason).toBe('deactivate.when: active eq false');
  });
  it('leaves an account a DELETE deactivated alone, without a next moment', () => {
    expect(recheckAccount(plan, user, BY_DELETE, new Date(start.getTime() + 1000))).toEqual({ nextCheckAt: null });
  });
});
