// Server: POST /Bulk of one tenant (RFC 7644 §3.7) -> a BulkResponse. Each operation is
// dispatched through the app's own routes (inject), so it runs exactly as a single request would.

import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody, ScimError, type ScimErrorBody } from '../errors.ts';

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** The limits advertised in /ServiceProviderConfig `bulk` and enforced with 413. */
export interface BulkLimits {
  /** Most operations in one request. */
  readonly maxOperations: number;
  /** Largest request body in bytes; the Bulk route's own body limit (others keep the app's). */
  readonly maxPayloadSize: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = { maxOperations: 1000, maxPayloadSize: 4 * 1024 * 1024 };

type Method = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BULK_ID_PREFIX = 'bulkId:';
/** Deeper data is refused before it is walked; single requests refuse it too. */
const MAX_DEPTH = 64;

/**
 * Request ids of dispatched operations, by a single-use random nonce sent in a private header:
 * only an operation in flight is known here, so a client cannot choose its request id.
 */
const operationIds = new Map<string, string>();
const OPERATION_HEADER = 'x-scimplan-bulk-operation';

/** For the app's `genReqId`: `<bulk request id>/<n>` (n counts from 1) for a dispatched operation. */
export function bulkOperationRequestId(headers: IncomingHttpHeaders): string | undefined {
  const nonce = headers[OPERATION_HEADER];
  if (typeof nonce !== 'string') return undefined;
  const id = operationIds.get(nonce);
  operationIds.delete(nonce);
  return id;
}

/** One operation of the request, checked; `invalid` holds why it cannot run at all. */
interface Operation {
  readonly index: number;
  /** As the client wrote it, for the response (`POST`, or what an invalid one held). */
  readonly method: string;
  readonly bulkId?: string;
  readonly version?: string;
  /** The resource endpoint (`Users`) and, except for POST, the resource id (maybe `bulkId:x`). */
  readonly endpoint: string;
  readonly id?: string;
  readonly data?: unknown;
  /** bulkIds this operation refers to, in its path or anywhere in its data. */
  readonly refs: ReadonlySet<string>;
  readonly invalid?: ScimError;
}

/** One element of the response's `Operations` (RFC 7644 §3.7.3); `status` is a string. */
export interface OperationResult {
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
export async function bulkRoutes(app: FastifyInstance, options: { limits?: BulkLimits } = {}): Promise<void> {
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
      const results = await runOperations(operations.list, operations.failOnErrors, dispatcher(app, request));
      return { schemas: [BULK_RESPONSE], Operations: results };
    },
  );
}

const tooLarge = (limits: BulkLimits): ScimError =>
  new ScimError({ status: 413, detail: `the bulk request exceeds maxPayloadSize (${limits.maxPayloadSize} bytes)` });

/** The BulkRequest body -> its operations; malformed envelopes are 400, too many operations 413. */
function parseBulkRequest(body: unknown, limits: BulkLimits): { list: Operation[]; failOnErrors: number | undefined } {
  if (!isObject(body)) throw new ScimError({ status: 400, scimType: 'invalidSyntax', detail: 'a bulk request must be a BulkRequest object' });
  const schemas = field(body, 'schemas');
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST.toLowerCase()))) {
    throw new ScimError({ status: 400, scimType: 'invalidSyntax', detail: `\`schemas\` must name \`${BULK_REQUEST}\`` });
  }
  const raw = field(body, 'Operations');
  if (!Array.isArray(raw)) throw new ScimError({ status: 400, scimType: 'invalidSyntax', detail: '`Operations` must be a list' });
  if (raw.length > limits.maxOperations) {
    throw new ScimError({ status: 413, detail: `the bulk request holds ${raw.length} operations; maxOperations is ${limits.maxOperations}` });
  }
  const failOnErrors = field(body, 'failOnErrors');
  if (failOnErrors !== undefined && failOnErrors !== null && !(Number.isSafeInteger(failOnErrors) && (failOnErrors as number) >= 0)) {
    throw new ScimError({ status: 400, scimType: 'invalidValue', detail: '`failOnErrors` must be a non-negative integer' });
  }
  const list = raw.map((op, index) => parseOperation(op, index));
  // A bulkId names one operation; a second definition is that operation's error.
  const seen = new Set<string>();
  const checked = list.map((op) => {
    if (op.bulkId === undefined || op.invalid) return op;
    if (seen.has(op.bulkId)) return { ...op, invalid: new ScimError({ status: 400, scimType: 'invalidValue', detail: `\`bulkId\` \`${op.bulkId}\` is used by more than one operation` }) };
    seen.add(op.bulkId);
    return op;
  });
  return { list: checked, failOnErrors: typeof failOnErrors === 'number' ? failOnErrors : undefined };
}

function parseOperation(raw: unknown, index: number): Operation {
  const invalid = (method: string, detail: string, scimType: 'invalidSyntax' | 'invalidValue' | 'invalidPath' = 'invalidSyntax'): Operation => ({
    index,
    method,
    endpoint: '',
    refs: new Set(),
    invalid: new ScimError({ status: 400, scimType, detail }),
  });
  if (!isObject(raw)) return invalid('', 'an operation must be an object');
  const methodRaw = field(raw, 'method');
  const shown = typeof methodRaw === 'string' ? methodRaw : '';
  const method = shown.toUpperCase();
  if (!METHODS.has(method)) return invalid(shown, '`method` must be POST, PUT, PATCH or DELETE');
  const bulkIdRaw = field(raw, 'bulkId');
  if (bulkIdRaw !== undefined && bulkIdRaw !== null && (typeof bulkIdRaw !== 'string' || bulkIdRaw === '')) {
    return invalid(method, '`bulkId` must be a non-empty string', 'invalidValue');
  }
  const bulkId = typeof bulkIdRaw === 'string' ? bulkIdRaw : undefined;
  const withBulkId = (op: Operation): Operation => (bulkId === undefined ? op : { ...op, bulkId });
  const versionRaw = field(raw, 'version');
  if (versionRaw !== undefined && versionRaw !== null && typeof versionRaw !== 'string') {
    return withBulkId(invalid(method, '`version` must be a string', 'invalidValue'));
  }
  const path = field(raw, 'path');
  const parts = typeof path === 'string' ? splitPath(path) : undefined;
  if (!parts) return withBulkId(invalid(method, '`path` must be a resource endpoint like `/Users` or a resource like `/Users/{id}`', 'invalidPath'));
  if (parts.endpoint.toLowerCase() === 'bulk') return withBulkId(invalid(method, 'a bulk operation cannot be a bulk request', 'invalidPath'));
  if ((method === 'POST') !== (parts.id === undefined)) {
    const detail = method === 'POST' ? 'a POST `path` names a resource endpoint, like `/Users`' : `a ${method} \`path\` names one resource, like \`/Users/{id}\``;
    return withBulkId(invalid(method, detail, 'invalidPath'));
  }
  const data = field(raw, 'data');
  if (method !== 'DELETE' && !isObject(data)) return withBulkId(invalid(method, `\`data\` must be an object for ${method}`));
  const refs = new Set<string>();
  if (parts.id?.startsWith(BULK_ID_PREFIX)) refs.add(parts.id.slice(BULK_ID_PREFIX.length));
  if (method !== 'DELETE' && !collectRefs(data, refs, 0)) return withBulkId(invalid(method, '`data` is nested too deeply', 'invalidValue'));
  return {
    index,
    method,
    ...(bulkId === undefined ? {} : { bulkId }),
    ...(typeof versionRaw === 'string' ? { version: versionRaw } : {}),
    endpoint: parts.endpoint,
    ...(parts.id === undefined ? {} : { id: parts.id }),
    ...(method === 'DELETE' ? {} : { data }),
    refs,
  };
}

/** `/Users`, `/Users/`, `/Users/{id}` (id percent-decoded) -> its parts; anything else undefined. */
function splitPath(path: string): { endpoint: string; id?: string } | undefined {
  const m = /^\/([A-Za-z][A-Za-z0-9_-]*)(?:\/([^/?#]+))?\/?$/.exec(path.trim());
  if (!m) return undefined;
  if (m[2] === undefined) return { endpoint: m[1]! };
  let id: string;
  try {
    id = decodeURIComponent(m[2]);
  } catch {
    return undefined;
  }
  return { endpoint: m[1]!, id };
}

/** Adds every `bulkId:x` string value inside `value` to `refs`; false when nested too deeply. */
function collectRefs(value: unknown, refs: Set<string>, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (typeof value === 'string') {
    if (value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length) refs.add(value.slice(BULK_ID_PREFIX.length));
    return true;
  }
  if (Array.isArray(value)) return value.every((v) => collectRefs(v, refs, depth + 1));
  if (isObject(value)) return Object.keys(value).every((k) => collectRefs(value[k], refs, depth + 1));
  return true;
}

/** `value` with every `bulkId:x` string whose x is resolved replaced by the created resource's id. */
function substitute(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.startsWith(BULK_ID_PREFIX) ? (ids.get(value.slice(BULK_ID_PREFIX.length)) ?? value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key (refused by the JSON parser anyway) stays plain data.
    for (const k of Object.keys(value)) Object.defineProperty(out, k, { value: substitute(value[k], ids), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

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

async function runOperations(list: readonly Operation[], failOnErrors: number | undefined, dispatch: Dispatch): Promise<OperationResult[]> {
  const definer = new Map<string, Operation>();
  for (const op of list) if (op.bulkId !== undefined && !op.invalid && !definer.has(op.bulkId)) definer.set(op.bulkId, op);
  const ids = new Map<string, string>();
  const failed = new Set<string>();
  const done = new Set<number>();
  const results = new Map<number, OperationResult>();
  const stopAfter = failOnErrors === undefined ? Infinity : Math.max(1, failOnErrors);
  let errors = 0;
  let remaining = [...list];

  const record = (op: Operation, result: OperationResult): void => {
    done.add(op.index);
    results.set(op.index, result);
    const ok = Number(result.status) < 400;
    if (op.bulkId !== undefined && definer.get(op.bulkId) === op && !ok) failed.add(op.bulkId);
    if (!ok) errors++;
  };
  // Unknown and self references do not wait: runOne answers them with their error.
  const ready = (op: Operation): boolean =>
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
        record(op, failure(op, new ScimError({ status: 409, detail: 'circular `bulkId` references cannot be resolved' })));
      }
      break;
    }
    remaining = remaining.filter((op) => op !== next);
    record(next, await runOne(next, definer, ids, failed, dispatch));
  }
  return [...results.keys()].sort((a, b) => a - b).map((i) => results.get(i)!);
}

async function runOne(
  op: Operation,
  definer: ReadonlyMap<string, Operation>,
  ids: Map<string, string>,
  failed: ReadonlySet<string>,
  dispatch: Dispatch,
): Promise<OperationResult> {
  if (op.invalid) return failure(op, op.invalid);
  for (const ref of op.refs) {
    const d = definer.get(ref);
    if (d === op) return failure(op, new ScimError({ status: 409, detail: `the operation refers to its own \`bulkId\` \`${ref}\`` }));
    if (d === undefined) return failure(op, new ScimError({ status: 400, scimType: 'invalidValue', detail: `no operation defines \`bulkId\` \`${ref}\`` }));
    if (failed.has(ref) || !ids.has(ref)) return failure(op, new ScimError({ status: 409, detail: `the operation defining \`bulkId\` \`${ref}\` failed` }));
  }
  const id = op.id?.startsWith(BULK_ID_PREFIX) ? ids.get(op.id.slice(BULK_ID_PREFIX.length)) : op.id;
  const path = id === undefined ? `/${op.endpoint}` : `/${op.endpoint}/${encodeURIComponent(id)}`;
  const data = op.data === undefined || op.refs.size === 0 ? op.data : substitute(op.data, ids);
  const answer = await dispatch(op.index, op.method as Method, path, data, op.version);
  if (op.method === 'POST' && answer.status < 300 && op.bulkId !== undefined && answer.id !== undefined) ids.set(op.bulkId, answer.id);
  const result: OperationResult = { method: op.method, ...(op.bulkId === undefined ? {} : { bulkId: op.bulkId }), status: String(answer.status) };
  if (answer.location !== undefined) result.location = answer.location;
  if (answer.version !== undefined && answer.status < 300) result.version = answer.version;
  if (answer.status >= 400) result.response = answer.body ?? errorBody(answer.status, 'the operation failed');
  return result;
}

function failure(op: Operation, error: ScimError): OperationResult {
  const body: ScimErrorBody = errorBody(error.status, error.detail, error.scimType);
  return { method: op.method, ...(op.bulkId === undefined ? {} : { bulkId: op.bulkId }), status: String(error.status), response: body };
}

/**
 * Runs one operation as its own request through the app, with the Bulk request's credentials
 * and host, so authentication, validation, transactions and responses are the routes' own.
 */
function dispatcher(app: FastifyInstance, request: FastifyRequest): Dispatch {
  const tenant = request.tenant?.plan.tenant;
  if (tenant === undefined) throw new ScimError({ status: 401, detail: 'missing or invalid bearer token' });
  const prefix = `/scim/v2/${tenant}`;
  const base = `${request.protocol}://${request.host}${prefix}`;
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'host', 'user-agent'] as const) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return async (index, method, path, data, ifMatch) => {
    const nonce = randomUUID();
    operationIds.set(nonce, `${String(request.id)}/${index + 1}`);
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
      operationIds.delete(nonce);
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A member of a SCIM message by name, case-insensitive (clients send `operations`, `Method`). */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}
