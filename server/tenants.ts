// Server: tenant files of a config directory -> the registry of compiled plans the server
// runs. A file with errors is skipped (its diagnostics logged) and never replaces a plan.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { decideClaims, type Claim, type RefusedClaim } from '../engine/claims.ts';
import { compileTenantFile } from '../engine/compile-plan.ts';
import type { Diagnostic } from '../engine/diagnostic.ts';
import type { Plan } from '../engine/plan.ts';
import { refDigests } from './auth.ts';

/** A tenant as served: its plan and the digests of the tokens that unlock it. */
export interface Tenant {
  readonly plan: Plan;
  readonly tokenDigests: readonly Buffer[];
  /** The digests of the platform tokens of its `sso:` section (routes/logins.ts); empty without one. */
  readonly ssoDigests: readonly Buffer[];
  /** feed name -> the digests of that feed's own `tokens:` (routes/feeds.ts). */
  readonly feedDigests: ReadonlyMap<string, readonly Buffer[]>;
}

/**
 * What the server knows of one tenant's config: the plan serving (its file and hash) and,
 * when the file changed and no longer compiles, the failure (file and error codes only).
 */
export interface ConfigState {
  readonly tenant: string;
  /** The file the serving plan was compiled from. */
  readonly file: string;
  readonly hash: string;
  readonly loadedAt: Date;
  /** Set while the tenant's file fails to compile; the plan above keeps serving. */
  readonly stale: { readonly file: string; readonly codes: readonly string[]; readonly since: Date } | null;
}

/** A file that does not compile and serves no tenant (a new file, or a duplicate tenant id). */
export interface FailedFile {
  readonly file: string;
  readonly codes: readonly string[];
}

/** What applyLoad changed, by tenant id. */
export interface ReloadSummary {
  readonly loaded: readonly string[];
  readonly unchanged: readonly string[];
  readonly stale: readonly string[];
  readonly removed: readonly string[];
  /** Files that serve nothing because another file holds (or also claims) their tenant id. */
  readonly refused: readonly RefusedClaim[];
}

/**
 * tenant id -> Tenant. Replaced entry by entry, so a reload never leaves a tenant without a
 * plan: a request reads its Tenant once and runs on that plan to the end. A tenant whose file
 * disappears is removed from serving (its data stays), and remembered so that its own clients
 * get a clear 404 instead of a 401.
 */
export class TenantRegistry {
  readonly #tenants = new Map<string, Tenant>();
  readonly #states = new Map<string, ConfigState>();
  readonly #removed = new Map<string, Tenant>();
  #failedFiles: readonly FailedFile[] = [];
  /** tenant id -> the file that served it before this process (recorded by the last one). */
  #recorded: ReadonlyMap<string, string> = new Map();

  constructor(plans: readonly Plan[] = [], env: NodeJS.ProcessEnv = process.env) {
    for (const plan of plans) this.set(plan, env);
  }

  /** The files that served each tenant id before this process started (see decideClaims). */
  recordedHolders(holders: ReadonlyMap<string, string>): void {
    this.#recorded = holders;
  }

  set(plan: Plan, env: NodeJS.ProcessEnv = process.env): void {
    const previous = this.#states.get(plan.tenant);
    // Every token digest is read once, here, with the registry's env (auth.ts).
    this.#tenants.set(plan.tenant, {
      plan,
      tokenDigests: refDigests(plan.tokens, env),
      ssoDigests: plan.sso ? refDigests(plan.sso.tokens, env) : [],
      feedDigests: new Map(plan.feeds.map((feed) => [feed.name, refDigests(feed.tokens, env)])),
    });
    this.#removed.delete(plan.tenant);
    const loadedAt = previous && previous.hash === plan.hash && previous.file === plan.file ? previous.loadedAt : new Date();
    this.#states.set(plan.tenant, { tenant: plan.tenant, file: plan.file, hash: plan.hash, loadedAt, stale: null });
  }

  get(tenant: string): Tenant | undefined {
    return this.#tenants.get(tenant);
  }

  list(): Tenant[] {
    return [...this.#tenants.values()];
  }

  /** Stops serving `tenant`; its data is untouched. Returns false when it was not served. */
  remove(tenant: string): boolean {
    const served = this.#tenants.get(tenant);
    if (!served) return false;
    this.#tenants.delete(tenant);
    this.#states.delete(tenant);
    this.#removed.set(tenant, served);
    return true;
  }

  /** A tenant removed while this process ran (its last tokens still identify its clients). */
  removed(tenant: string): Tenant | undefined {
    return this.#removed.get(tenant);
  }

  /** Config state of every served tenant, by tenant id. */
  states(): ConfigState[] {
    return [...this.#states.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
  }

  /** Files of the last load that serve no tenant because they do not compile. */
  failedFiles(): readonly FailedFile[] {
    return this.#failedFiles;
  }

  /**
   * Applies one load of the config directory: compiled plans replace the serving ones; a
   * tenant whose file now fails keeps its plan and is marked stale; a tenant whose file is gone
   * (and that no other file declares) stops being served.
   */
  applyLoad(loaded: LoadedDirectory, env: NodeJS.ProcessEnv = process.env): ReloadSummary {
    const summary = { loaded: [] as string[], unchanged: [] as string[], stale: [] as string[], removed: [] as string[] };
    const now = new Date();
    const failedByFile = new Map(loaded.failed.map((f) => [f.file, errorCodes(f.diagnostics)]));
    // A tenant id is claimed once: the file serving it (or recorded as serving it) keeps it,
    // also while it fails to compile; which file wins never depends on names or order.
    const holders = new Map(this.#recorded);
    for (const state of this.#states.values()) holders.set(state.tenant, state.file);
    const claims: Claim[] = [
      ...loaded.plans.map((p) => ({ tenant: p.tenant, file: p.file })),
      ...[...this.#states.values()].filter((s) => failedByFile.has(s.file)).map((s) => ({ tenant: s.tenant, file: s.file })),
    ];
    const { serving, refused } = decideClaims(claims, holders);
    const compiled = new Set<string>();
    for (const plan of loaded.plans) {
      if (serving.get(plan.tenant) !== plan.file) continue;
      compiled.add(plan.tenant);
      const before = this.#states.get(plan.tenant);
      (before?.hash === plan.hash && before.file === plan.file ? summary.unchanged : summary.loaded).push(plan.tenant);
      this.set(plan, env);
    }
    for (const r of refused) failedByFile.set(r.file, [...new Set([...(failedByFile.get(r.file) ?? []), 'E008'])].sort());
    const unclaimed = new Set(failedByFile.keys());
    for (const state of this.states()) {
      if (compiled.has(state.tenant)) continue;
      const codes = serving.get(state.tenant) === state.file ? failedByFile.get(state.file) : undefined;
      if (codes) {
        unclaimed.delete(state.file);
        const same = state.stale?.file === state.file && state.stale.codes.join() === codes.join();
        this.#states.set(state.tenant, { ...state, stale: same && state.stale ? state.stale : { file: state.file, codes, since: now } });
        summary.stale.push(state.tenant);
      } else {
        this.remove(state.tenant);
        summary.removed.push(state.tenant);
      }
    }
    this.#failedFiles = [...unclaimed].sort().map((file) => ({ file, codes: failedByFile.get(file) ?? [] }));
    return { ...summary, refused };
  }

  /** The plans of one load that this registry serves (a refused duplicate is not among them). */
  serving(loaded: LoadedDirectory): Plan[] {
    return loaded.plans.filter((p) => this.#states.get(p.tenant)?.file === p.file && this.#tenants.get(p.tenant)?.plan === p);
  }
}

const errorCodes = (diagnostics: readonly Diagnostic[]): string[] =>
  [...new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))].sort();

export interface LoadedDirectory {
  readonly plans: readonly Plan[];
  /** Files that did not compile, with all their diagnostics. */
  readonly failed: readonly { file: string; diagnostics: readonly Diagnostic[] }[];
}

/**
 * Compiles every `*.yaml`/`*.yml` below `dir`. Two files may claim one tenant id here; the
 * registry decides which serves (TenantRegistry.applyLoad, engine/claims.ts).
 */
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
