// Server: tenant files of a config directory -> the registry of compiled plans the server
// runs. A file with errors is skipped (its diagnostics logged) and never replaces a plan.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { compileTenantFile } from '../engine/compile-plan.ts';
import type { Diagnostic } from '../engine/diagnostic.ts';
import type { Plan } from '../engine/plan.ts';
import { tokenDigests } from './auth.ts';

/** A tenant as served: its plan and the digests of the tokens that unlock it. */
export interface Tenant {
  readonly plan: Plan;
  readonly tokenDigests: readonly Buffer[];
}

/** tenant id -> Tenant. Replaced entry by entry, so a reload never leaves a tenant without a plan. */
export class TenantRegistry {
  readonly #tenants = new Map<string, Tenant>();

  constructor(plans: readonly Plan[] = [], env: NodeJS.ProcessEnv = process.env) {
    for (const plan of plans) this.set(plan, env);
  }

  set(plan: Plan, env: NodeJS.ProcessEnv = process.env): void {
    this.#tenants.set(plan.tenant, { plan, tokenDigests: tokenDigests(plan, env) });
  }

  get(tenant: string): Tenant | undefined {
    return this.#tenants.get(tenant);
  }

  list(): Tenant[] {
    return [...this.#tenants.values()];
  }
}

export interface LoadedDirectory {
  readonly plans: readonly Plan[];
  /** Files that did not compile, with all their diagnostics. */
  readonly failed: readonly { file: string; diagnostics: readonly Diagnostic[] }[];
}

/** Compiles every `*.yaml`/`*.yml` below `dir`. A second file claiming a tenant id is skipped. */
export async function loadTenantDirectory(dir: string, logger?: FastifyBaseLogger): Promise<LoadedDirectory> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const plans: Plan[] = [];
  const failed: { file: string; diagnostics: readonly Diagnostic[] }[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const { plan, diagnostics } = compileTenantFile(file, await readFile(file, 'utf8'));
    if (!plan) {
      failed.push({ file, diagnostics });
      logDiagnostics(logger, file, diagnostics);
      continue;
    }
    if (plans.some((p) => p.tenant === plan.tenant)) {
      failed.push({ file, diagnostics });
      logger?.error({ file, tenant: plan.tenant }, 'tenant id already defined by another file; file skipped');
      continue;
    }
    plans.push(plan);
  }
  return { plans, failed };
}

// Diagnostics describe the config file, never users, so they are safe to log.
function logDiagnostics(logger: FastifyBaseLogger | undefined, file: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics.filter((x) => x.severity === 'error')) {
    logger?.error({ file, code: d.code, line: d.span?.line, column: d.span?.column }, d.message);
  }
  logger?.error({ file }, 'tenant file has errors; not served');
}
