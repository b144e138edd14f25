// The tenant-file pipeline end to end: checkTenantFile (parseYaml -> validateShape ->
// parseExpressions -> checkConfig) -> compilePlan (compile-checked.ts), the plan named by the
// sha256 of the text. Returns a frozen Plan when the file has no errors, and always the
// diagnostics sorted by position.

import { createHash } from 'node:crypto';
import { checkTenantFile } from './check-tenant-file.ts';
import { planOfCheck } from './compile-checked.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { RawConfig } from './config.ts';
import type { Plan } from './plan.ts';

export { compilePlan, DEFAULT_REQUESTS_PER_SECOND } from './compile-checked.ts';

export interface CompileResult {
  /** Present exactly when no diagnostic is an error. */
  readonly plan?: Plan;
  readonly config?: RawConfig;
  readonly diagnostics: readonly Diagnostic[];
}

export function compileTenantFile(file: string, text: string): CompileResult {
  const check = checkTenantFile(file, text);
  const plan = planOfCheck(file, check, () => createHash('sha256').update(text).digest('hex'));
  return { ...(plan ? { plan } : {}), ...(check.config ? { config: check.config } : {}), diagnostics: check.diagnostics };
}
