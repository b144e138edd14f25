// The playground's summary over pasted users, recounted after each edit from the previous one
// (only the groups whose rules changed are evaluated again), equals a summary computed afresh.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createCheckCache } from '../../engine/check-cache.ts';
import { analyse, summariseUsers, type SampleSummary } from '../../playground/session.ts';
import { tenantYaml, users } from '../../bench/synthetic.ts';

const now = new Date('2026-05-01T09:00:00Z');
const sample = users(120);
const base = tenantYaml('summary', 12);
const acme = readFileSync(new URL('../../examples/valid/acme-entra.yaml', import.meta.url), 'utf8');

/** Edits that keep the file valid: a rule's value, a mapping, the deactivation, a duplicated group. */
const edits: readonly ((text: string) => string)[] = [
  (t) => t.replace('eq "Sales"', 'eq "Engineering"'),
  (t) => t.replace('  function: title\n', '  function: lower(title)\n'),
  (t) => t.replace('when: active eq false', 'when: active eq false or title eq "Intern"'),
  (t) => t.replace('  - group: G1\n', '  - group: G0\n'),
  (t) => t.replace(/(when: .*)\n/, '$1 or department eq "Sales"\n'),
  (t) => t.replace('timezone: UTC', 'timezone: Europe/Amsterdam'),
  (t) => `${t}  - group: Added\n    when: department eq "Sales"\n`,
];

describe('summary of the pasted users, recounted edit after edit', () => {
  test.each([
    ['synthetic', base],
    ['acme-entra', acme],
  ])('equals a fresh summary (%s)', (_name, text) => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: edits.length - 1 }), { maxLength: 8 }), fc.boolean(), (steps, shiftClock) => {
        const cache = createCheckCache();
        let current = text;
        let previous: SampleSummary | undefined;
        for (const [i, step] of [-1, ...steps].entries()) {
          if (step >= 0) current = edits[step]!(current);
          const at = shiftClock && i % 2 === 1 ? new Date(now.getTime() + 86_400_000) : now;
          const analysis = analyse('f.yaml', current, at, cache);
          if (!analysis.plan) continue;
          const summary = summariseUsers(analysis.plan, sample, at, previous);
          const fresh = summariseUsers(analyse('f.yaml', current, at).plan!, sample, at);
          expect({ ...summary, basis: undefined }).toEqual({ ...fresh, basis: undefined });
          previous = summary;
        }
      }),
      { numRuns: 40 },
    );
  });
});
