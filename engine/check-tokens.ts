// Stage 2, secrets: a plaintext token anywhere a token may stand is E006, reported with its
// value redacted; the paths it covers are suppressed for the schema report.

import { isPlainObject as isObject } from '../dsl/values.ts';
import { TENANT_ID_PATTERN } from './config.ts';
import { diag, has, valueSpan, type Ctx } from './shape-context.ts';

function envName(tenant: unknown): string {
  if (typeof tenant === 'string' && TENANT_ID_PATTERN.test(tenant)) return `${tenant.toUpperCase().replace(/-/g, '_')}_SCIM_TOKEN`;
  return 'ACME_SCIM_TOKEN';
}

export function checkTokens(ctx: Ctx, data: Record<string, unknown>, suppressed: string[]): void {
  const tokens = data.tokens;
  const help = `store its hash: run \`scimplan token\` and write \`- sha256: <hex>\`, or read it from the environment: \`- env: ${envName(data.tenant)}\``;
  // `token: <secret>` at the top, or `tokens: <secret>` without a list, is a secret too
  if (has(data, 'token') && (typeof data.token === 'string' || typeof data.token === 'number')) {
    diag(ctx, 'E006', 'plaintext token in a tenant file', ctx.loaded.spanAt(['token'], 'key'), { help, redact: ctx.loaded.spanAt(['token']) });
    suppressed.push('\u0000token');
  }
  if (typeof tokens === 'string' || typeof tokens === 'number') {
    diag(ctx, 'E006', 'plaintext token in a tenant file', valueSpan(ctx.loaded, ['tokens']), { help, redact: ctx.loaded.spanAt(['tokens']) });
    suppressed.push('/tokens');
  }
  if (!Array.isArray(tokens)) return;
  tokens.forEach((item, i) => {
    if (typeof item === 'string' || typeof item === 'number') {
      diag(ctx, 'E006', 'plaintext token in a tenant file', valueSpan(ctx.loaded, ['tokens', i]), { help, redact: ctx.loaded.spanAt(['tokens', i]) });
      suppressed.push(`/tokens/${i}`);
    } else if (isObject(item) && has(item, 'token')) {
      diag(ctx, 'E006', 'plaintext token in a tenant file', ctx.loaded.spanAt(['tokens', i, 'token'], 'key'), { help, redact: ctx.loaded.spanAt(['tokens', i, 'token']) });
      suppressed.push(`/tokens/${i}`);
    }
  });
}
