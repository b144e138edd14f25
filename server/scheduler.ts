// Server: the scheduler of time-dependent deactivation. Sleeps until the earliest stored
// next_check_at, then re-checks due accounts in locked batches; returns counts per run.

import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Plan } from '../engine/plan.ts';
import { needsSafetyCheck, recheckAccount, type Recheck, type StatusDecision } from '../engine/status.ts';
import { accountStateOf, statusColumns } from './db/account-state.ts';
import { recordEvents, type NewEvent } from './db/events.ts';
import { claimDueAccounts, earliestNextCheck, writeChecks, type CheckResult, type DueAccount } from './db/schedule.ts';
import type { Database } from './db/tables.ts';
import type { Db } from './db/users.ts';
import { holdDeactivation } from './safety.ts';
import type { Signals } from './signals.ts';

/** setTimeout/clearTimeout, injectable for tests. */
export interface Timer {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimer: Timer = {
  set: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface SchedulerOptions {
  readonly db: Kysely<Database>;
  /** The plans being served, read at every batch (reloads apply at once). */
  readonly plans: () => readonly Plan[];
  /** The clock; default the system clock. */
  readonly now?: () => Date;
  readonly timer?: Timer;
  /** Accounts per transaction; default 500. */
  readonly batchSize?: number;
  /** Longest sleep, so that moments stored by other server instances are seen; default 60 s. */
  readonly maxSleepMs?: number;
  /** Pause after a failed batch or when due rows are locked by another instance; default 1 s. */
  readonly retryMs?: number;
  readonly logger?: FastifyBaseLogger;
  /**
   * The signals of the app this scheduler serves with: a moment a request stores wakes it at
   * once, and the events it writes are told to the app's metrics and webhooks. None: it notices
   * new moments within `maxSleepMs`.
   */
  readonly signals?: Signals;
}

export interface RunResult {
  /** Accounts re-checked. */
  readonly checked: number;
  readonly deactivated: number;
  readonly reactivated: number;
  /** Deactivations held by the tenant's safety limit (status `pending`). */
  readonly held: number;
}

/** The request id that scheduler events carry. */
export const SCHEDULER_REQUEST_ID = 'scheduler';

/**
 * Invariants: an account is re-checked only while its moment is at or before `now()`, inside
 * one transaction that holds its row lock (SKIP LOCKED), and leaves with a moment strictly after
 * that `now()` or none, so it is never acted on twice for one moment. stop() returns at a batch
 * boundary: a batch is committed or rolled back as a whole.
 */
export class Scheduler {
  readonly #db: Kysely<Database>;
  readonly #plans: () => readonly Plan[];
  readonly #now: () => Date;
  readonly #timer: Timer;
  readonly #batchSize: number;
  readonly #maxSleepMs: number;
  readonly #retryMs: number;
  readonly #logger: FastifyBaseLogger | undefined;
  readonly #signals: Signals | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  /** The moment the current sleep ends at, to tell whether an announced one is earlier. */
  #sleepingUntil = Infinity;
  #unsubscribe: (() => void) | undefined;

  constructor(options: SchedulerOptions) {
    this.#db = options.db;
    this.#plans = options.plans;
    this.#now = options.now ?? (() => new Date());
    this.#timer = options.timer ?? realTimer;
    this.#batchSize = options.batchSize ?? 500;
    this.#maxSleepMs = options.maxSleepMs ?? 60_000;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#logger = options.logger;
    this.#signals = options.signals;
  }

  /** Starts the loop: first catches up on every moment that passed, then sleeps until the next. */
  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#unsubscribe = this.#signals?.onNextCheck((at) => this.notify(at));
    this.#running = this.#loop();
  }

  /** Stops after the batch in progress; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#wake?.();
    await this.#running;
    this.#running = undefined;
  }

  /** A moment was stored: wake up if it is earlier than the current sleep's end. */
  notify(at: Date): void {
    if (at.getTime() < this.#sleepingUntil) this.#wake?.();
  }

  /**
   * Re-checks every account due at `now()`, batch by batch, until none is left (or stop()).
   * Usable without start(), e.g. by tests with an injected clock.
   */
  async runDue(): Promise<RunResult> {
    const total = { checked: 0, deactivated: 0, reactivated: 0, held: 0 };
    for (;;) {
      const batch = await this.runBatch();
      total.checked += batch.checked;
      total.deactivated += batch.deactivated;
      total.reactivated += batch.reactivated;
      total.held += batch.held;
      if (batch.checked < this.#batchSize || this.#stopped) break;
    }
    return total;
  }

  /** One transaction: claims up to batchSize due accounts, re-checks them, writes and records. */
  async runBatch(): Promise<RunResult> {
    const plans = new Map(this.#plans().map((p) => [p.tenant, p]));
    const now = this.#now();
    return this.#db.transaction().execute(async (trx) => {
      const due = await claimDueAccounts(trx, [...plans.keys()], now, this.#batchSize);
      const tenantOf = new Map<string, string>();
      const decided: { account: DueAccount; recheck: Recheck; decision?: StatusDecision }[] = [];
      for (const account of due) {
        tenantOf.set(account.id, account.tenant);
        const recheck = recheckAccount(plans.get(account.tenant)!, account.resource, accountStateOf(account), now);
        decided.push(recheck.change ? { account, recheck, decision: recheck.change } : { account, recheck });
      }
      await this.#applySafetyLimits(trx, plans, decided, now);
      const results: CheckResult[] = [];
      const events = new Map<string, NewEvent[]>();
      const counts = { deactivated: 0, reactivated: 0, held: 0 };
      for (const { account, recheck, decision } of decided) {
        const changed = decision?.transition !== undefined;
        results.push(changed ? { id: account.id, next_check_at: recheck.nextCheckAt, status: statusColumns(decision.next) } : { id: account.id, next_check_at: recheck.nextCheckAt });
        if (decision?.transition === 'deactivate') counts.deactivated++;
        if (decision?.transition === 'reactivate') counts.reactivated++;
        if (decision?.transition === 'hold') counts.held++;
        if (!decision?.event) continue;
        let list = events.get(account.tenant);
        if (!list) events.set(account.tenant, (list = []));
        list.push({ type: decision.event, accountId: account.id, reason: decision.reason });
      }
      await writeChecks(trx, tenantOf, results, now);
      // One insert per tenant (each with its config hash); events take no lock (server/db/events.ts).
      for (const [tenant, list] of [...events].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        await recordEvents(trx, { tenant, configHash: plans.get(tenant)!.hash, requestId: SCHEDULER_REQUEST_ID, now, onWritten: this.#signals?.eventsWritten }, list);
      }
      return { checked: due.length, ...counts };
    });
  }

  /**
   * Every deactivation passes the tenant's safety limit (server/safety.ts). One check per tenant
   * and batch when the whole batch fits the limit; account by account when it does not.
   */
  async #applySafetyLimits(trx: Db, plans: ReadonlyMap<string, Plan>, decided: { account: DueAccount; decision?: StatusDecision }[], now: Date): Promise<void> {
    const byTenant = new Map<string, { account: DueAccount; decision?: StatusDecision }[]>();
    for (const d of decided) {
      if (!d.decision || !needsSafetyCheck(d.decision)) continue;
      let list = byTenant.get(d.account.tenant);
      if (!list) byTenant.set(d.account.tenant, (list = []));
      list.push(d);
    }
    for (const [tenant, list] of byTenant) {
      const plan = plans.get(tenant)!;
      const last = list[list.length - 1]!;
      const checked = await holdDeactivation(trx, plan, last.decision!, now, list.length - 1);
      if (checked === last.decision) continue;
      let uncommitted = 0;
      for (const d of list) {
        d.decision = await holdDeactivation(trx, plan, d.decision!, now, uncommitted);
        if (d.decision.transition === 'deactivate') uncommitted++;
      }
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let wait: number;
      try {
        const run = await this.runDue();
        if (run.checked > 0) this.#logger?.info({ ...run }, 'scheduler re-checked due accounts');
        if (this.#stopped) break;
        const next = await earliestNextCheck(this.#db, this.#plans().map((p) => p.tenant));
        const now = this.#now().getTime();
        wait = next === null ? this.#maxSleepMs : Math.min(Math.max(next.getTime() - now, 0), this.#maxSleepMs);
        // Due but nothing claimed: another instance holds those rows. Look again shortly.
        if (wait === 0 && run.checked === 0) wait = this.#retryMs;
      } catch (error) {
        const { name, code } = error as { name?: string; code?: string };
        this.#logger?.error({ err: { name, code } }, 'scheduler batch failed; retrying');
        wait = this.#retryMs;
      }
      if (wait > 0 && !this.#stopped) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#sleepingUntil = this.#now().getTime() + ms;
      const done = () => {
        this.#timer.clear(handle);
        this.#wake = undefined;
        this.#sleepingUntil = Infinity;
        resolve();
      };
      const handle = this.#timer.set(done, ms);
      this.#wake = done;
    });
  }
}
