// Server: what a Users or a Groups request shares: its context, one transaction (a unique
// violation becomes the caller's 409), the live row or 404 with If-Match, the events context.

import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AttributeSource } from '../engine/attribute-sources.ts';
import type { Plan } from '../engine/plan.ts';
import type { EventContext } from './db/events.ts';
import type { Database } from './db/tables.ts';
import type { Db } from './db/users.ts';
import { scimError, type ScimError } from './errors.ts';
import { etagListMatches } from './etag.ts';
import type { Signals } from './signals.ts';
import { etagOf } from './user-view.ts';

export interface ProvisionContext {
  readonly db: Kysely<Database>;
  readonly plan: Plan;
  readonly requestId: string;
  /** Fixed clock for tests; defaults to the time of the call. */
  readonly now?: Date;
  /** The app's signals, told of written events and stored moments; none (the CLI, tests): nobody is told. */
  readonly signals?: Signals;
  /**
   * Who writes, as the attributes it writes record it (engine/attribute-sources.ts); a SCIM
   * client when absent. `login`: a login (server/login.ts) runs the plan, its events say so, and
   * it never deactivates. `feed:<name>`: a feed import (server/feed-import.ts).
   */
  readonly source?: AttributeSource;
}

/** The plan of the request's authenticated tenant; 401 when the request has none. */
export function tenantPlan(request: FastifyRequest): Plan {
  if (!request.tenant) throw scimError('UNAUTHORIZED');
  return request.tenant.plan;
}

/** The context a Users or Groups route hands to provisioning. */
export function provisionContext(request: FastifyRequest, db: Kysely<Database>, signals: Signals): ProvisionContext {
  return { db, plan: tenantPlan(request), requestId: String(request.id), signals };
}

/** The database's unique-constraint violation (SQLSTATE 23505), on PostgreSQL and PGlite. */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * Runs one request's transaction with the request's clock. A deadlock or serialization failure
 * (PostgreSQL chose this transaction to roll back: nothing of it is written) runs it again, up
 * to `CONFLICT_ATTEMPTS` times. A unique violation (a concurrent create of the same key,
 * userName or display name) becomes `onUniqueViolation`'s ScimError, whose `cause` is the
 * database error; every other error passes unchanged.
 */
export async function transact<T>(
  ctx: ProvisionContext,
  work: (trx: Db, now: Date) => Promise<T>,
  onUniqueViolation: (error: unknown) => ScimError,
): Promise<T> {
  const now = ctx.now ?? new Date();
  for (let attempt = 1; ; attempt++) {
    try {
      return await uniqueAs(onUniqueViolation, () => ctx.db.transaction().execute((trx) => work(trx, now)));
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !isRolledBackConflict(error)) throw error;
    }
  }
}

/** Runs of one transaction that PostgreSQL rolls back as a deadlock victim before the error reaches the client. */
const CONFLICT_ATTEMPTS = 3;

/** 40P01 deadlock_detected, 40001 serialization_failure: the transaction was rolled back whole. */
export const isRolledBackConflict = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ['40P01', '40001'].includes(String((error as { code?: unknown }).code));

/**
 * Runs one optimistic write (one statement, conditional on a version): a deadlock or
 * serialization failure wrote nothing and gives undefined, as a version that changed meanwhile
 * does, so the caller reads again or takes its locked transaction.
 */
export async function unlessConflict<T>(run: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    if (isRolledBackConflict(error)) return undefined;
    throw error;
  }
}

/** Runs `run` (a transaction or one statement); a unique violation becomes `onUniqueViolation`'s ScimError. */
export async function uniqueAs<T>(onUniqueViolation: (error: unknown) => ScimError, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const mapped = onUniqueViolation(error);
    mapped.cause = error;
    throw mapped;
  }
}

/**
 * The stored row, or 404 (`notFound`) when there is none; 412 when `ifMatch` (an If-Match
 * header: `*` or entity tags, compared weakly) does not name the row's version.
 */
export function liveOr404<R extends { readonly version: number }>(row: R | undefined, notFound: 'USER_NOT_FOUND' | 'GROUP_NOT_FOUND', ifMatch: string | undefined): R {
  if (!row) throw scimError(notFound);
  if (ifMatch !== undefined && !etagListMatches(ifMatch, etagOf(row.version))) throw scimError('PRECONDITION_FAILED');
  return row;
}

/** Who and what the request's events are recorded for. */
export const eventContext = (ctx: ProvisionContext, now: Date): EventContext => ({
  tenant: ctx.plan.tenant,
  configHash: ctx.plan.hash,
  requestId: ctx.requestId,
  now,
  onWritten: ctx.signals?.eventsWritten,
  ...(ctx.source === 'login' ? { source: ctx.source } : {}),
});
