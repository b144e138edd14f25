// `scimplan explain CONFIG USER.json`: evaluates one SCIM user clause by clause.
// With --claims the JSON is a login's claims (docs/sso.md): they become the SCIM user as the
// logins endpoint makes it, and the login's answer is printed too. Exit 0 after explaining, 1
// when the config does not compile, has no `sso:` for --claims, or the input is not a JSON object.

import { readFile } from 'node:fs/promises';
import { compileTenantFile } from '../engine/compile-plan.ts';
import { explainUser, showValue as show, type Explanation } from '../engine/explain.ts';
import { previewLogin, type LoginPreview } from '../engine/login.ts';
import { printDiagnostics } from './lint.ts';
import type { Format, Io } from './output.ts';

export async function runExplain(configPath: string, userPath: string, format: Format, now: Date, io: Io, options: { readonly claims?: boolean } = {}): Promise<number> {
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
    io.err(`error: \`${userPath}\` must hold ${options.claims ? 'the claims of one login' : 'one SCIM user'} (a JSON object)\n`);
    return 1;
  }
  if (options.claims && !compiled.plan.sso) {
    io.err(`error: \`${configPath}\` has no \`sso:\` section; --claims explains a login\n`);
    return 1;
  }
  const login = options.claims ? previewLogin(compiled.plan, user as Record<string, unknown>, now, { trace: true }) : undefined;
  const record = login ? (login.user as Record<string, unknown>) : (user as Record<string, unknown>);
  const result = explainUser(compiled.plan, record, now, login?.evaluation);
  const explanation: CliExplanation = {
    key: result.key,
    profile: result.profile,
    deactivated: result.deactivated,
    reason: result.reason,
    groups: result.groups,
    trace: result.trace,
    ...(login ? { login: loginOf(login), user: record } : {}),
  };
  io.out(format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation));
  return 0;
}

/** What `explain` prints: the engine's explanation (engine/explain.ts) and, with --claims, the login. */
export interface CliExplanation extends Explanation {
  /** --claims: what the logins endpoint answers for this login of a new account (without its id). */
  readonly login?: Pick<LoginPreview, 'status' | 'reason' | 'profile' | 'groups'>;
  /** --claims: the SCIM user the claims became. */
  readonly user?: Readonly<Record<string, unknown>>;
}

const loginOf = (p: LoginPreview): NonNullable<CliExplanation['login']> => ({ status: p.status, reason: p.reason, profile: p.profile, groups: p.groups });

function renderExplanation(result: CliExplanation): string {
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
  if (result.login) {
    lines.push('');
    lines.push(`login (as POST /logins answers for a new account):`);
    lines.push(`  status:    ${result.login.status}${result.login.reason !== null ? ` (${result.login.reason})` : ''}`);
    lines.push(`  groups:    ${result.login.groups.length ? result.login.groups.join(', ') : '(none)'}`);
    lines.push(`  user:      ${JSON.stringify(result.user)}`);
  }
  return `${lines.join('\n')}\n`;
}
