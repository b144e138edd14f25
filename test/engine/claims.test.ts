// Engine: a tenant id is claimed once; the holder keeps it, no file name or order picks a winner.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideClaims, type Claim } from '../../engine/claims.ts';

const holders = (entries: [string, string][] = []) => new Map(entries);

describe('decideClaims', () => {
  it('one claimant serves, whoever held the id before (a renamed file)', () => {
    const d = decideClaims([{ tenant: 'acme', file: 'b.yaml' }], holders([['acme', 'a.yaml']]));
    expect([...d.serving]).toEqual([['acme', 'b.yaml']]);
    expect(d.refused).toEqual([]);
  });

  it('the holder keeps its id against a stray file, in any order', () => {
    for (const claims of [
      [{ tenant: 'acme', file: '00-dup.yaml' }, { tenant: 'acme', file: 'acme.yaml' }],
      [{ tenant: 'acme', file: 'acme.yaml' }, { tenant: 'acme', file: '00-dup.yaml' }],
    ]) {
      const d = decideClaims(claims, holders([['acme', 'acme.yaml']]));
      expect(d.serving.get('acme')).toBe('acme.yaml');
      expect(d.refused).toEqual([{ tenant: 'acme', file: '00-dup.yaml', holder: 'acme.yaml', others: ['acme.yaml'] }]);
    }
  });

  it('without a holder among them, two claimants both serve nothing', () => {
    const d = decideClaims([{ tenant: 'acme', file: 'a.yaml' }, { tenant: 'acme', file: 'b.yaml' }, { tenant: 'other', file: 'c.yaml' }], holders([['acme', 'gone.yaml']]));
    expect([...d.serving]).toEqual([['other', 'c.yaml']]);
    expect(d.refused.map((r) => [r.file, r.holder, r.others])).toEqual([
      ['a.yaml', undefined, ['b.yaml']],
      ['b.yaml', undefined, ['a.yaml']],
    ]);
  });

  it('never depends on the order of the claims', () => {
    const claim = fc.record({ tenant: fc.constantFrom('a', 'b'), file: fc.constantFrom('x.yaml', 'y.yaml', 'z.yaml') });
    fc.assert(
      fc.property(fc.array(claim, { maxLength: 6 }), fc.option(fc.constantFrom('x.yaml', 'y.yaml', 'z.yaml'), { nil: undefined }), (claims: Claim[], holder) => {
        const h = holder ? holders([['a', holder]]) : holders();
        const forward = decideClaims(claims, h);
        const backward = decideClaims([...claims].reverse(), h);
        expect(new Map(backward.serving)).toEqual(new Map(forward.serving));
        const key = (r: { file: string; tenant: string }) => `${r.tenant}/${r.file}`;
        expect(backward.refused.map(key).sort()).toEqual(forward.refused.map(key).sort());
        for (const tenant of forward.serving.keys()) expect(claims.some((c) => c.tenant === tenant && c.file === forward.serving.get(tenant))).toBe(true);
      }),
    );
  });
});
