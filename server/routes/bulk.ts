// Server: POST /Bulk of one tenant (RFC 7644 §3.7) -> a BulkResponse. Each operation is
// dispatched through the app's own routes (inject), so it runs exactly as a single request would.

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BULK_ID_PREFIX, DEFAULT_BULK_LIMITS, parseBulkRequest, substitute, type BulkLimits, type BulkOperation } from '../bulk-request.ts';
import { errorBody, scimError, type ScimError } from '../errors.ts';
import { tenantPlan } from '../request.ts';

export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const OPERATION_HEADER = 'x-scimplan-bulk-operation';

/**
 * Request ids of dispatched operations, by a single-use random nonce sent in a private header:
 * only an operation in flight is known here, so a client cannot choose its request id. One per
 * app (buildApp makes it), so two apps in one process share nothing.
 */
export class BulkOperationIds {
  readonly #ids = new Map<string, string>();

  /** For the app's `genReqId`: `<bulk request id>/<n>` (n counts from 1) for a dispatched operation. */
  requestId(headers: IncomingHttpHeaders): string | undefined {
    const nonce = headers[OPERATION_HEADER];
    if (typeof nonce !== 'string') return undefined;
    const id = this.#ids.get(nonce);
    this.#ids.delete(nonce);
    return id;
  }

  /** A fresh nonce that stands for `requestId` until `release`. */
  register(requestId: string): string {
    const nonce = randomUUID();
    this.#ids.set(nonce, requestId);
    return nonce;
  }

  /** Forgets `nonce` (its operation finished, or never reached genReqId). */
  release(nonce: string): void {
    this.#ids.delete(nonce);
  }
}

export interface BulkRoutesOptions {
  readonly operationIds: BulkOperationIds;
  readonly limits?: BulkLimits;
}

/** One element of the response's `Operations` (RFC 7644 §3.7.3); `status` is a string. */
export interface BulkOperationResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: unknown;
}

/**
 * POST /Bulk. Invariants:
 * - operations run one at a time, each in its own transaction (that of the route it reaches):
 *   a failed operation changes nothing and never undoes earlier ones;
 * - an operation runs after the operations whose bulkIds it references; among the ready ones,
 *   request order; circular references get 409 (RFC 7644 §3.7.1 allows stopping there);
 * - with `failOnErrors: n`, processing stops after the n-th failed operation and the response
 *   lists only the operations processed, in request order;
 * - the response is 200 whenever the request itself was well formed.
 */
export async function bulkRoutes(app: FastifyInstance, options: BulkRoutesOptions): Promise<void> {
  const limits = options.limits ?? DEFAULT_BULK_LIMITS;
  app.post(
    '/Bulk',
    {
      bodyLimit: limits.maxPayloadSize,
      // Runs after authentication; a declared length says "too large" before the body is read.
      onRequest: async (request) => {
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > limits.maxPayloadSize) throw tooLarge(limits);
      },
    },
    async (request) => {
      const operations = parseBulkRequest(request.body, limits);
      const results = await runOperations(operations.list, operations.failOnErrors, dispatcher(app, request, options.operationIds));
      return { schemas: [BULK_RESPONSE], Operations: results };
    },
  );
}

const tooLarge = (limits: BulkLimits): ScimError => scimError('BULK_TOO_LARGE', { bytes: limits.maxPayloadSize });

/** What running one operation through the app answered. */
export interface Dispatched {
  readonly status: number;
  readonly location?: string;
  readonly version?: string;
  /** The created resource's id (POST). */
  readonly id?: string;
  readonly body?: unknown;
}

type Dispatch = (index: number, method: Method, path: string, data: unknown, ifMatch: string | undefined) => Promise<Dispatched>;

async function runOperations(list: readonly BulkOperation[], failOnErrors: number | undefined, dispatch: Dispatch): Promise<BulkOperationResult[]> {
  const definer = new Map<string, BulkOperation>();
  for (const op of list) if (op.bulkId !== undefined && !op.invalid && !definer.has(op.bulkId)) definer.set(op.bulkId, op);
  const ids = new Map<string, string>();
  const failed = new Set<string>();
  const done = new Set<number>();
  const results = new Map<number, BulkOperationResult>();
  const stopAfter = failOnErrors === undefined ? Infinity : Math.max(1, failOnErrors);
  let errors = 0;
  let remaining = [...list];

  const record = (op: BulkOperation, result: BulkOperationResult): void => {
    done.add(op.index);
    results.set(op.index, result);
    const ok = Number(result.status) < 400;
    if (op.bulkId !== undefined && definer.get(op.bulkId) === op && !ok) failed.add(op.bulkId);
    if (!ok) errors++;
  };
  // Unknown and self references do not wait: runOne answers them with their error.
  const ready = (op: BulkOperation): boolean =>
    [...op.refs].every((r) => {
      const d = definer.get(r);
      return d === undefined || d === op || done.has(d.index);
    });

  while (remaining.length > 0 && errors < stopAfter) {
    const next = remaining.find((op) => op.invalid || op.refs.size === 0 || ready(op));
    if (!next) {
      // Every remaining operation waits on another remaining one: a cycle, or behind one.
      for (const op of remaining) {
        if (errors >= stopAfter) break;
        record(op, failure(op, scimError('BULK_CIRCULAR')));
      }
      break;
    }
    remaining = remaining.filter((op) => op !== next);
    record(next, await runOne(next, definer, ids, failed, dispatch));
  }
  return [...results.keys()].sort((a, b) => a - b).map((i) => results.get(i)!);
}

async function runOne(
  op: BulkOperation,
  definer: ReadonlyMap<string, BulkOperation>,
  ids: Map<string, string>,
  failed: ReadonlySet<string>,
  dispatch: Dispatch,
): Promise<BulkOperationResult> {
  if (op.invalid) return failure(op, op.invalid);
  for (const ref of op.refs) {
    const d = definer.get(ref);
    if (d === op) return failure(op, scimError('BULK_SELF_REFERENCE', { bulkId: ref }));
    if (d === undefined) return failure(op, scimError('BULK_UNKNOWN_REFERENCE', { bulkId: ref }));
    if (failed.has(ref) || !ids.has(ref)) return failure(op, scimError('BULK_REFERENCE_FAILED', { bulkId: ref }));
  }
  const id = op.id?.startsWith(BULK_ID_PREFIX) ? ids.get(op.id.slice(BULK_ID_PREFIX.length)) : op.id;
  const path = id === undefined ? `/${op.endpoint}` : `/${op.endpoint}/${encodeURIComponent(id)}`;
  const data = op.data === undefined || op.refs.size === 0 ? op.data : substitute(op.data, ids);
  const answer = await dispatch(op.index, op.method as Method, path, data, op.version);
  if (op.method === 'POST' && answer.status < 300 && op.bulkId !== undefined && answer.id !== undefined) ids.set(op.bulkId, answer.id);
  const result: BulkOperationResult = { method: op.method, ...(op.bulkId === undefined ? {} : { bulkId: op.bulkId }), status: String(answer.status) };
  if (answer.location !== undefined) result.location = answer.location;
  if (answer.version !== undefined && answer.status < 300) result.version = answer.version;
  if (answer.status >= 400) result.response = answer.body ?? errorBody(scimError('BULK_OPERATION_FAILED', { status: answer.status }));
  return result;
}

function failure(op: BulkOperation, error: ScimError): BulkOperationResult {
  return { method: op.method, ...(op.bulkId === undefined ? {} : { bulkId: op.bulkId }), status: String(error.status), response: errorBody(error) };
}

/**
 * Runs one operation as its own request through the app, with the Bulk request's credentials
 * and host, so authentication, validation, transactions and responses are the routes' own.
 */
function dispatcher(app: FastifyInstance, request: FastifyRequest, operationIds: BulkOperationIds): Dispatch {
  const tenant = tenantPlan(request).tenant;
  const prefix = `/scim/v2/${tenant}`;
  const base = `${request.protocol}://${request.host}${prefix}`;
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'host', 'user-agent'] as const) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return async (index, method, path, data, ifMatch) => {
    const nonce = operationIds.register(`${String(request.id)}/${index + 1}`);
    let response;
    try {
      response = await app.inject({
        method,
        url: `/scim/v2/${encodeURIComponent(tenant)}${path}`,
        headers: {
          ...headers,
          [OPERATION_HEADER]: nonce,
          ...(data === undefined ? {} : { 'content-type': 'application/scim+json' }),
          ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
        },
        ...(data === undefined ? {} : { payload: JSON.stringify(data) }),
      });
    } finally {
      operationIds.release(nonce);
    }
    const status = response.statusCode;
    const etag = response.headers['etag'];
    const created = typeof response.headers['location'] === 'string' ? response.headers['location'] : undefined;
    // Locations are rebuilt on the Bulk request's own base: the sub-request cannot know its scheme.
    const at = created === undefined ? -1 : created.indexOf(`${prefix}/`);
    const createdPath = created === undefined || at < 0 ? undefined : created.slice(at + prefix.length);
    const id = createdPath?.split('/').filter(Boolean).at(1);
    const location = method === 'POST' ? (createdPath === undefined ? created : base + createdPath) : base + path;
    let body: unknown;
    if (status >= 400) {
      try {
        body = response.json();
      } catch {
        body = undefined;
      }
    }
    return {
      status,
      ...(location === undefined ? {} : { location }),
      ...(typeof etag === 'string' ? { version: etag } : {}),
      ...(id === undefined ? {} : { id: decodeURIComponent(id) }),
      ...(body === undefined ? {} : { body }),
    };
  };
}
