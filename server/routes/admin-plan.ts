// Server: POST /api/v1/tenants/{tenant}/plan and /apply -> a posted tenant file's plan report
// (read only) or its apply result (written through this server's database, events and safety limit);
// apply streams its progress as NDJSON lines to a client that asks (Accept: application/x-ndjson).

import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { compileTenantFile } from '../../engine/compile-plan.ts';
import type { Plan } from '../../engine/plan.ts';
import type { Database } from '../db/tables.ts';
import { scimErrorOf } from '../error-answer.ts';
import { errorBody, scimError, type ScimErrorBody } from '../errors.ts';
import { planReport } from '../plan-report.ts';
import { reevaluateTenant, type ReevaluateProgress } from '../reevaluate.ts';
import type { Signals } from '../signals.ts';

export interface AdminPlanRoutesOptions {
  readonly db: Kysely<Database>;
  /** The app's signals: apply's events and stored moments are announced here (metrics, webhooks, scheduler). */
  readonly signals?: Signals;
}

/**
 * The body of both routes (application/json): `config` is the tenant file's text; `file` its name
 * as the caller knows it (diagnostics and the report's `config`; default `<tenant>.yaml`); `now`
 * fixes the clock (ISO 8601). Plan also takes `maxDeactivations`, `showValues` and `changes` (how
 * many changed accounts to list; default all); apply takes `batchSize`.
 */
export interface AdminPlanBody {
  readonly config: string;
  readonly file?: string;
  readonly now?: string;
  readonly maxDeactivations?: number;
  readonly showValues?: boolean;
  readonly changes?: number;
  readonly batchSize?: number;
}

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Diagnostics named in a CONFIG_INVALID detail; the rest are counted. */
const LISTED_DIAGNOSTICS = 20;

const bodySchema = (extra: Record<string, object>) => ({
  type: 'object',
  required: ['config'],
  additionalProperties: false,
  properties: { config: { type: 'string' }, file: { type: 'string', minLength: 1, maxLength: 1000 }, now: { type: 'string' }, ...extra },
});
const count = { type: 'integer', minimum: 0 };

/** Register inside a scope guarded by the admin token (app.ts registers it beside the events API). */
export async function adminPlanRoutes(app: FastifyInstance, options: AdminPlanRoutesOptions): Promise<void> {
  app.post(
    '/tenants/:tenant/plan',
    { schema: { body: bodySchema({ maxDeactivations: count, showValues: { type: 'boolean' }, changes: count }) } },
    async (request) => {
      const body = request.body as AdminPlanBody;
      const plan = compiledFor(request.params as { tenant: string }, body);
      const report = await planReport(options.db, plan, {
        now: clockOf(body) ?? new Date(),
        config: body.file ?? `${plan.tenant}.yaml`,
        ...(body.maxDeactivations !== undefined ? { maxDeactivations: body.maxDeactivations } : {}),
        ...(body.showValues ? { showValues: true } : {}),
        ...(body.changes !== undefined ? { listLimit: body.changes } : {}),
      });
      request.log.info({ tenant: plan.tenant, configHash: plan.hash, users: report.users, changed: report.changedUsers }, 'plan previewed');
      return report;
    },
  );

  app.post('/tenants/:tenant/apply', { schema: { body: bodySchema({ batchSize: { type: 'integer', minimum: 1 } }) } }, async (request, reply) => {
    const body = request.body as AdminPlanBody;
    const plan = compiledFor(request.params as { tenant: string }, body);
    const now = clockOf(body);
    // A client that goes away (Ctrl-C) stops the run at its next batch boundary, as `apply` does.
    const controller = new AbortController();
    const gone = () => {
      if (!reply.raw.writableEnded) controller.abort();
    };
    reply.raw.once('close', gone);
    const run = async (onProgress?: (progress: ReevaluateProgress) => void) => {
      try {
        const result = await reevaluateTenant({
          db: options.db,
          plan,
          requestId: 'apply',
          ...(now ? { now: () => now } : {}),
          ...(body.batchSize ? { batchSize: body.batchSize } : {}),
          signal: controller.signal,
          ...(options.signals ? { signals: options.signals } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
        request.log.info(
          { tenant: plan.tenant, configHash: plan.hash, users: result.done, changed: result.changed, deactivated: result.deactivated, held: result.held, completed: result.completed },
          'tenant file applied through the admin API',
        );
        return { tenant: plan.tenant, configHash: plan.hash, ...result };
      } finally {
        reply.raw.off('close', gone);
      }
    };
    if (!acceptsLines(request.headers.accept)) return run();
    // Progress as it happens: one line per committed batch, then the result (or the error) line.
    const lines = new PassThrough();
    const write = (line: ApplyLine) => {
      if (!lines.destroyed) lines.write(`${JSON.stringify(line)}\n`);
    };
    void run((progress) => write({ progress }))
      .then(
        (result) => write({ result }),
        (error: unknown) => write({ error: errorBody(scimErrorOf(error, request.log)) }),
      )
      .finally(() => lines.end());
    return reply.type(NDJSON).send(lines);
  });
}

/** The media type of apply's streamed answer: one JSON object per line. */
export const NDJSON = 'application/x-ndjson';

/**
 * One line of the streamed apply answer: a progress line per committed batch, then exactly one
 * `result` (the body the JSON answer has) or `error` (an RFC 7644 §3.12 body; the status stays 200,
 * as the headers were sent already).
 */
export type ApplyLine = { readonly progress: ReevaluateProgress } | { readonly result: Record<string, unknown> } | { readonly error: ScimErrorBody };

/** The client asks for the streamed answer (`Accept: application/x-ndjson`). */
function acceptsLines(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((type) => type.split(';')[0]!.trim().toLowerCase() === NDJSON);
}

/** The posted file compiled, for the URL's tenant; errors name codes and positions, never text. */
function compiledFor(params: { tenant: string }, body: AdminPlanBody): Plan {
  if (!TENANT.test(params.tenant)) throw scimError('TENANT_ID_INVALID');
  const compiled = compileTenantFile(body.file ?? `${params.tenant}.yaml`, body.config);
  if (!compiled.plan) {
    const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
    const listed = errors.slice(0, LISTED_DIAGNOSTICS).map((d) => (d.span ? `${d.code} at ${d.span.line}:${d.span.column}` : d.code));
    const more = errors.length > LISTED_DIAGNOSTICS ? `, and ${errors.length - LISTED_DIAGNOSTICS} more` : '';
    throw scimError('CONFIG_INVALID', { diagnostics: `${listed.join(', ')}${more}` });
  }
  if (compiled.plan.tenant !== params.tenant) throw scimError('CONFIG_TENANT_MISMATCH', { file: compiled.plan.tenant, tenant: params.tenant });
  return compiled.plan;
}

function clockOf(body: AdminPlanBody): Date | undefined {
  if (body.now === undefined) return undefined;
  const date = new Date(body.now);
  if (!/^\d{4}-\d\d-\d\d/.test(body.now) || Number.isNaN(date.getTime())) throw scimError('ADMIN_PARAM_INVALID', { name: 'now', what: 'an ISO 8601 date-time' });
  return date;
}
