// Server: the parameters of a SCIM list or search (RFC 7644 §3.4.2, §3.4.3) of Users or Groups,
// from the query string or a SearchRequest body -> ListParams, and the page they ask for: by
// `startIndex` (RFC 7644 §3.4.2.4) or by `cursor` (RFC 9865).

import { isPlainObject } from '../../dsl/values.ts';
import { scimError } from '../errors.ts';
import type { ProjectionParams } from '../scim/projection.ts';
import { ownValue } from '../scim/json.ts';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
/** Advertised as `filter.maxResults` and `pagination.maxPageSize`; a larger `count` is capped to it. */
export const MAX_RESULTS = 200;

export interface ListParams extends ProjectionParams {
  readonly filter?: string | undefined;
  readonly startIndex?: unknown;
  /** RFC 9865: `''` asks for the first page of a cursor walk; undefined means index paging. */
  readonly cursor?: string | undefined;
  readonly count?: unknown;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: string | undefined;
}

/**
 * The page a list asks for: `count` capped to MAX_RESULTS, the order, and either a 1-based
 * `startIndex` or an RFC 9865 `cursor` (`''` for the first page, else a `nextCursor`).
 */
export type Page =
  | { readonly method: 'index'; readonly startIndex: number; readonly count: number; readonly descending: boolean }
  | { readonly method: 'cursor'; readonly cursor: string; readonly count: number; readonly descending: boolean };

/** Query parameter names are matched case-insensitively (Entra sends `startIndex`, others `startindex`). */
export function queryParams(query: unknown): ListParams {
  const q = (query ?? {}) as Record<string, unknown>;
  const get = (name: string): string | undefined => {
    const value = ownValue(q, name);
    if (Array.isArray(value)) throw scimError('PARAM_REPEATED', { name });
    return typeof value === 'string' ? value : undefined;
  };
  return {
    filter: get('filter'),
    startIndex: get('startIndex'),
    cursor: get('cursor'),
    count: get('count'),
    sortBy: get('sortBy'),
    sortOrder: get('sortOrder'),
    attributes: get('attributes'),
    excludedAttributes: get('excludedAttributes'),
  };
}

/** RFC 7644 §3.4.3: a SearchRequest body; attribute lists may be arrays. */
export function searchParams(body: unknown): ListParams {
  if (!isPlainObject(body)) throw scimError('SEARCH_BODY');
  const get = (name: string): unknown => ownValue(body, name);
  const text = (name: string): string | undefined => {
    const value = get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
    throw scimError('PARAM_NOT_STRING', { name });
  };
  return {
    filter: text('filter'),
    startIndex: get('startIndex'),
    cursor: text('cursor'),
    count: get('count'),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    attributes: text('attributes'),
    excludedAttributes: text('excludedAttributes'),
  };
}

/**
 * The page of `params`; 400 for a non-integer `startIndex`/`count`, an unknown `sortOrder`, or
 * `cursor` together with `startIndex` (RFC 9865 §2.4: a request names one method). Without
 * either, the page is by index (RFC 9865 §2.4: the method this server had before cursors).
 */
export function pageOf(params: ListParams): Page {
  const startIndex = integer(params.startIndex, 'startIndex');
  // RFC 9865 §2: a negative count is 0, and 0 returns only totalResults.
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(params.count, 'count') ?? MAX_RESULTS));
  const order = params.sortOrder?.toLowerCase();
  if (order !== undefined && order !== 'ascending' && order !== 'descending') throw scimError('SORT_ORDER');
  const descending = order === 'descending';
  if (params.cursor === undefined) return { method: 'index', startIndex: Math.max(1, startIndex ?? 1), count, descending };
  if (startIndex !== undefined) throw scimError('PAGINATION_BOTH');
  return { method: 'cursor', cursor: params.cursor, count, descending };
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw scimError('PARAM_NOT_INTEGER', { name });
  return n;
}

/** The ListResponse of one page of resources by index. */
export function listResponse(resources: readonly unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_RESPONSE], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources };
}

/** The ListResponse of one page of a cursor walk (RFC 9865 §2): `nextCursor` unless it is the last page. */
export function cursorListResponse(resources: readonly unknown[], total: number, nextCursor: string | undefined) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    itemsPerPage: resources.length,
    ...(nextCursor !== undefined ? { nextCursor } : {}),
    Resources: resources,
  };
}
