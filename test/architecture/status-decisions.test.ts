// Keeps account status decisions in the engine (engine/status.ts): no file under server/ sets or
// compares a status literal, reads the status rules of a plan, writes a reason or a status event.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/**
 * What deciding a status looks like in code. Reading rows by status is not deciding: kysely's
 * `.where('status', '=', 'pending')` (counting holds, selecting them for approval) is allowed,
 * and so are the migrations (schema text: a partial index `where status = 'pending'`).
 */
const RULES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  // `status: 'deactivated'`, `status === 'active'`, SQL `set status = 'deactivated'`.
  { name: 'sets or compares a status literal', pattern: /\bstatus\b['"]?\s*(?::|={1,3}|!==?|<>)\s*['"](?:active|deactivated|pending)['"]/ },
  { name: 'compares a status literal', pattern: /['"](?:active|deactivated|pending)['"]\s*(?:={2,3}|!==?)/ },
  // The plan's status rules: `plan.deactivate?.reactivate`, `plan.onDelete === 'deactivate'`.
  { name: 'reads the status rules of a plan', pattern: /\.(?:reactivate|onDelete)\b|\b(?:reactivate|onDelete)\s*(?:={2,3}|!==?)/ },
  // Reasons are written by the engine only; they record where a status came from.
  { name: 'writes a status reason', pattern: /['"`](?:onDelete: deactivate|held by the safety limit|deactivate\.when: )/ },
  // A status event comes with the engine's decision (`decision.event`).
  {
    name: 'builds or compares a status event',
    pattern: /\btype\s*:\s*['"]user\.(?:deactivated|reactivated|deactivation_held)['"]|(?:={2,3}|!==?)\s*['"]user\.(?:deactivated|reactivated|deactivation_held)['"]/,
  },
];

const withoutComments = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

/** `file:line rule` for every line of `text` that decides a status. */
function violations(file: string, text: string): string[] {
  const lines = withoutComments(text).split('\n');
  return lines.flatMap((line, i) => RULES.filter((r) => r.pattern.test(line)).map((r) => `${file}:${i + 1} ${r.name}: ${line.trim()}`));
}

describe('status decisions live in engine/status.ts', () => {
  it('no file under server/ decides an account status', () => {
    const files = readdirSync(join(root, 'server'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith(join('db', 'migrations')))
      .map((f) => join(root, 'server', f));
    expect(files.length).toBeGreaterThan(20);
    const bad = files.flatMap((f) => violations(relative(root, f), readFileSync(f, 'utf8')));
    expect(bad).toEqual([]);
  });

  it('the rules catch the shapes the server used to decide with, and leave reads alone', () => {
    const decided = [
      `const wasDeactivated = previous?.status === 'deactivated';`,
      `return { columns: { status: 'active', deactivated_at: null, reason: null } };`,
      `...(deactivate ? { status: 'deactivated' as const, deactivated_at: now, reason: 'onDelete: deactivate' } : {}),`,
      `if (plan.deactivate?.reactivate === false && !byDelete) {`,
      `const deactivate = plan.onDelete === 'deactivate';`,
      "const reason = `deactivate.when: ${plan.deactivate?.source ?? ''}`;",
      "update scim_users set status = 'deactivated' where tenant = $1",
      `list.push({ type: 'user.deactivated', accountId: row.id });`,
      "const HELD_PREFIX = 'held by the safety limit';",
      `if (decision.event === 'user.reactivated') counts.reactivated++;`,
      `if ('pending' === row.status) release();`,
    ];
    for (const line of decided) expect(violations('x.ts', line).length, line).toBeGreaterThan(0);
    const reads = [
      `.where('status', '=', 'pending')`,
      `if (decision.transition === 'reactivate') counters.reactivated++;`,
      `// status: 'deactivated' in a comment`,
      `.where('type', '=', 'user.deactivated')`,
      `status: statusColumns(decision.next),`,
      `help: 'Accounts whose deactivation is held by the safety limit, waiting for approval',`,
    ];
    for (const line of reads) expect(violations('x.ts', line), line).toEqual([]);
  });
});
