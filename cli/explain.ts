// `scimplan explain CONFIG USER.json`: evaluates one SCIM user clause by clause.
// Exit 0 after explaining, 1 when the config does not compile or the user is not a JSON object.

import { readFile } from 'node:fs/promises';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { evaluatePlan } from '../engine/evaluate.ts';
import type { Evaluation } from '../engine/plan.ts';
import { deactivationReason } from '../engine/status.ts';
import { printDiagnostics } from './lint.ts';
import type { Format, Io } from './output.ts';

export async function runExplain(configPath: string, userPath: string, format: Format, now: Date, io: Io): Promise<number> {
  const text = await readFile(configPath, 'utf8').catch(() => undefined);
  if (text === undefined) {
    io.err(`error: cannot read \`${configPath}\`\n`);
    return 1;
  }
  const compiled = compileTenantFile(configPath, text);
  if (!compiled.plan) {
    printDiagnostics(compiled.diagnostics.filter((d) => d.severity === 'error'), 1, new Map([[configPath, text]]), format, io);
    return 1;
  }
  const raw = userPath === '-' ? await io.readStdin() : await readFile(userPath, 'utf8').catch(() => undefined);
  if (raw === undefined) {
    io.err(`error: cannot read \`${userPath}\`\n`);
    return 1;
  }
  let user: unknown;
  try {
    user = JSON.parse(raw);
  } catch (e) {
    io.err(`error: \`${userPath}\` is not valid JSON: ${(e as Error).message}\n`);
    return 1;
  }
  if (typeof user !== 'object' || user === null || Array.isArray(user)) {
    io.err(`error: \`${userPath}\` must hold one SCIM user (a JSON object)\n`);
    return 1;
  }
  const record = user as Record<string, unknown>;
  const result = evaluatePlan(compiled.plan, record, now, { trace: true });
  const explanation: Explanation = {
    key: result.key,
    profile: result.profile,
    deactivated: result.deactivated,
    reason: result.deactivated ? deactivationReason(compiled.plan, record, now) : null,
    groups: result.groups,
    trace: result.trace,
  };
  io.out(format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
  return 0;
}

/**
 * What `explain` prints: the evaluation, and the reason a deactivation would record (the clause
 * of the condition that held, as the server's User `reason` shows it); null when not deactivated.
 */
export interface Explanation extends Evaluation {
  readonly reason: string | null;
}

function show(value: unknown): string {
  return value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? 'null';
}

function renderExplanation(result: Explanation): string {
  const lines: string[] = [];
  for (const entry of result.trace) {
    lines.push(`${entry.clause}: ${entry.source}`);
    for (const part of entry.parts) {
      if (part.source !== entry.source) lines.push(`    ${part.source}  =>  ${show(part.value)}`);
    }
    lines.push(`  => ${show(entry.value)}`);
  }
  lines.push('');
  lines.push(`key:         ${show(result.key)}`);
  lines.push(`deactivated: ${result.deactivated}`);
  if (result.reason !== null) lines.push(`reason:      ${result.reason}`);
  lines.push(`groups:      ${result.groups.length ? result.groups.join(', ') : '(none)'}`);
  lines.push('profile:');
  for (const [field, value] of Object.entries(result.profile)) lines.push(`  ${field}: ${show(value)}`);
  return `${lines.join('\n')}\n`;
}
