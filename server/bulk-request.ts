// Server: a BulkRequest body (RFC 7644 §3.7) -> its checked operations, before any runs: each
// operation parsed on its own (an invalid one carries its error), bulkId references collected.

import { isPlainObject } from '../dsl/values.ts';
import { type ScimError, scimError } from './errors.ts';
import { MAX_JSON_DEPTH, ownValue, put } from './scim/json.ts';

export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_ID_PREFIX = 'bulkId:';

/** The limits advertised in /ServiceProviderConfig `bulk` and enforced with 413. */
export interface BulkLimits {
  /** Most operations in one request. */
  readonly maxOperations: number;
  /** Largest request body in bytes; the Bulk route's own body limit (others keep the app's). */
  readonly maxPayloadSize: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = { maxOperations: 1000, maxPayloadSize: 4 * 1024 * 1024 };

const METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One operation of the request, checked; `invalid` holds why it cannot run at all. */
export interface BulkOperation {
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

/** A checked BulkRequest: its operations in request order, and `failOnErrors` when given. */
export interface BulkRequest {
  readonly list: readonly BulkOperation[];
  readonly failOnErrors: number | undefined;
}

/** The BulkRequest body -> its operations; malformed envelopes are 400, too many operations 413. */
export function parseBulkRequest(body: unknown, limits: BulkLimits): BulkRequest {
  if (!isPlainObject(body)) throw scimError('BULK_NOT_OBJECT');
  const schemas = ownValue(body, 'schemas');
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === BULK_REQUEST.toLowerCase()))) {
    throw scimError('BULK_SCHEMAS');
  }
  const raw = ownValue(body, 'Operations');
  if (!Array.isArray(raw)) throw scimError('BULK_OPERATIONS_LIST');
  if (raw.length > limits.maxOperations) {
    throw scimError('BULK_TOO_MANY', { count: raw.length, max: limits.maxOperations });
  }
  const failOnErrors = ownValue(body, 'failOnErrors');
  if (failOnErrors !== undefined && failOnErrors !== null && !(Number.isSafeInteger(failOnErrors) && (failOnErrors as number) >= 0)) {
    throw scimError('BULK_FAIL_ON_ERRORS');
  }
  const list = raw.map((op, index) => parseOperation(op, index));
  // A bulkId names one operation; a second definition is that operation's error.
  const seen = new Set<string>();
  const checked = list.map((op) => {
    if (op.bulkId === undefined || op.invalid) return op;
    if (seen.has(op.bulkId)) return { ...op, invalid: scimError('BULK_ID_REUSED', { bulkId: op.bulkId }) };
    seen.add(op.bulkId);
    return op;
  });
  return { list: checked, failOnErrors: typeof failOnErrors === 'number' ? failOnErrors : undefined };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const invalid = (method: string, error: ScimError): BulkOperation => ({ index, method, endpoint: '', refs: new Set(), invalid: error });
  if (!isPlainObject(raw)) return invalid('', scimError('BULK_OPERATION_NOT_OBJECT'));
  const methodRaw = ownValue(raw, 'method');
  const shown = typeof methodRaw === 'string' ? methodRaw : '';
  const method = shown.toUpperCase();
  if (!METHODS.has(method)) return invalid(shown, scimError('BULK_METHOD'));
  const bulkIdRaw = ownValue(raw, 'bulkId');
  if (bulkIdRaw !== undefined && bulkIdRaw !== null && (typeof bulkIdRaw !== 'string' || bulkIdRaw === '')) {
    return invalid(method, scimError('BULK_ID_INVALID'));
  }
  const bulkId = typeof bulkIdRaw === 'string' ? bulkIdRaw : undefined;
  const withBulkId = (op: BulkOperation): BulkOperation => (bulkId === undefined ? op : { ...op, bulkId });
  const versionRaw = ownValue(raw, 'version');
  if (versionRaw !== undefined && versionRaw !== null && typeof versionRaw !== 'string') {
    return withBulkId(invalid(method, scimError('BULK_VERSION_INVALID')));
  }
  const path = ownValue(raw, 'path');
  const parts = typeof path === 'string' ? splitPath(path) : undefined;
  if (!parts) return withBulkId(invalid(method, scimError('BULK_PATH')));
  if (parts.endpoint.toLowerCase() === 'bulk') return withBulkId(invalid(method, scimError('BULK_NESTED')));
  if ((method === 'POST') !== (parts.id === undefined)) {
    return withBulkId(invalid(method, method === 'POST' ? scimError('BULK_POST_PATH') : scimError('BULK_RESOURCE_PATH', { method })));
  }
  const data = ownValue(raw, 'data');
  if (method !== 'DELETE' && !isPlainObject(data)) return withBulkId(invalid(method, scimError('BULK_DATA', { method })));
  const refs = new Set<string>();
  if (parts.id?.startsWith(BULK_ID_PREFIX)) refs.add(parts.id.slice(BULK_ID_PREFIX.length));
  if (method !== 'DELETE' && !collectRefs(data, refs, 0)) return withBulkId(invalid(method, scimError('BULK_DATA_TOO_DEEP')));
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
  if (depth > MAX_JSON_DEPTH) return false;
  if (typeof value === 'string') {
    if (value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length) refs.add(value.slice(BULK_ID_PREFIX.length));
    return true;
  }
  if (Array.isArray(value)) return value.every((v) => collectRefs(v, refs, depth + 1));
  if (isPlainObject(value)) return Object.keys(value).every((k) => collectRefs(value[k], refs, depth + 1));
  return true;
}

/** `value` with every `bulkId:x` string whose x is resolved replaced by the created resource's id. */
export function substitute(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    return value.startsWith(BULK_ID_PREFIX) ? (ids.get(value.slice(BULK_ID_PREFIX.length)) ?? value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    // put: a `__proto__` key (refused by the JSON parser anyway) stays plain data.
    for (const k of Object.keys(value)) put(out, k, substitute(value[k], ids));
    return out;
  }
  return value;
}
