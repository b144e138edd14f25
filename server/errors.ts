// Server: the catalogue of every SCIM error the server sends (status, scimType, message
// template by stable name) and the one place that builds the RFC 7644 §3.12 response body.

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 `scimType` values (plus none for 401/404/409-less cases). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 §2.1 (cursor pagination).
  | 'invalidCursor'
  | 'expiredCursor';

/**
 * One catalogue entry. `message` is the `detail` template: `<name>` is replaced by the
 * parameter `name`. `status: 'given'` means the caller passes the HTTP status as the parameter
 * `status` (an answer relayed from the framework or from a Bulk operation).
 */
export interface ScimErrorEntry {
  readonly status: number | 'given';
  readonly scimType?: ScimType;
  readonly message: string;
}

/**
 * Every error the server sends, by stable name; docs/scim-errors.md documents each entry (a
 * test keeps the two in step). Parameters are attribute names, paths as the schema spells them,
 * counts and limits, never attribute values: a detail is logged as well as sent.
 */
export const scimCatalogue = {
  // Authentication and routing.
  UNAUTHORIZED: { status: 401, message: 'missing or invalid bearer token' },
  TENANT_NOT_CONFIGURED: { status: 404, message: 'tenant `<tenant>` is not configured' },
  ENDPOINT_NOT_FOUND: { status: 404, message: 'no such endpoint' },
  ADMIN_DISABLED: { status: 503, message: 'the admin API is disabled: set SCIMPLAN_ADMIN_TOKEN to enable it' },
  ADMIN_UNAUTHORIZED: { status: 401, message: 'missing or invalid admin bearer token' },
  TENANT_ID_INVALID: { status: 400, scimType: 'invalidValue', message: 'the tenant id must match `[a-z0-9][a-z0-9-]{0,62}`' },
  EVENTS_PARAM_INVALID: { status: 400, scimType: 'invalidValue', message: '`<name>` must be an integer from <min> to <max>' },
  CONFIG_INVALID: { status: 400, scimType: 'invalidValue', message: 'the tenant file does not compile: <diagnostics>' },
  CONFIG_TENANT_MISMATCH: { status: 400, scimType: 'invalidValue', message: 'the tenant file is for tenant `<file>`, not `<tenant>`' },
  ADMIN_PARAM_INVALID: { status: 400, scimType: 'invalidValue', message: '`<name>` must be <what>' },

  // Logins (docs/sso.md): the platform's token, then the ID token or the SAML attributes.
  LOGIN_UNAUTHORIZED: { status: 401, message: 'missing or invalid platform bearer token' },
  LOGIN_TOKEN_REFUSED: { status: 401, scimType: 'invalidValue', message: 'the ID token is refused: <reason>' },
  LOGIN_REPLAYED: { status: 401, scimType: 'invalidValue', message: 'the ID token is refused: its `jti` was already used' },
  LOGIN_KEYS_UNAVAILABLE: { status: 503, message: 'the signing keys of the identity provider cannot be read' },
  LOGIN_BODY_INVALID: { status: 400, scimType: 'invalidValue', message: 'the login body must hold <what>' },

  // The request as the framework read it.
  BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'the request body must be application/scim+json or application/json' },
  BODY_EMPTY: { status: 400, scimType: 'invalidSyntax', message: 'the request body is empty' },
  CONTENT_LENGTH_MISMATCH: { status: 400, scimType: 'invalidSyntax', message: 'the request body does not match its content length' },
  REQUEST_SHAPE: { status: 400, scimType: 'invalidValue', message: 'invalid request: <part> does not match the expected shape' },
  FORBIDDEN_KEY: { status: 400, scimType: 'invalidSyntax', message: 'the request body holds a forbidden key (`__proto__` or `constructor`)' },
  INVALID_JSON: { status: 400, scimType: 'invalidSyntax', message: 'the request body is not valid JSON' },
  REQUEST_REFUSED: { status: 'given', message: 'the request cannot be processed' },
  INTERNAL: { status: 500, message: 'internal server error' },
  URL_INVALID: { status: 400, scimType: 'invalidSyntax', message: 'the request URL is not valid (a malformed percent-encoding)' },
  PATH_SEGMENT_TOO_LONG: { status: 414, message: 'a segment of the request path is longer than <max> characters' },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request headers are too large' },
  REQUEST_MALFORMED: { status: 400, scimType: 'invalidSyntax', message: 'the request is not valid HTTP' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request was not received in time' },
  TEXT_INVALID: { status: 400, scimType: 'invalidValue', message: '<where> holds <problem>, which cannot be stored' },
  QUERY_TEXT_INVALID: { status: 400, scimType: 'invalidValue', message: 'the query parameter `<name>` holds <problem>' },
  FILTER_TEXT_INVALID: { status: 400, scimType: 'invalidFilter', message: 'the filter holds <problem>' },
  DATABASE_UNAVAILABLE: { status: 503, message: 'the database is not reachable; retry later' },
  RATE_LIMITED: { status: 429, message: 'too many requests for this tenant; retry after <seconds> s' },

  // Resources.
  USER_NOT_FOUND: { status: 404, message: 'user not found' },
  GROUP_NOT_FOUND: { status: 404, message: 'group not found' },
  RESOURCE_TYPE_NOT_FOUND: { status: 404, message: 'resource type not found' },
  SCHEMA_NOT_FOUND: { status: 404, message: 'schema not found' },
  PRECONDITION_FAILED: { status: 412, message: 'the resource was changed since the given version (If-Match)' },

  // Users: the body and the mapping key.
  BODY_NOT_OBJECT: { status: 400, scimType: 'invalidSyntax', message: 'the request body must be a JSON object' },
  SCHEMAS_NOT_STRINGS: { status: 400, scimType: 'invalidValue', message: '`schemas` must be a list of strings' },
  WRONG_TYPE: { status: 400, scimType: 'invalidValue', message: '`<attribute>` must be <type>' },
  NOT_A_LIST: { status: 400, scimType: 'invalidValue', message: '`<attribute>` must be a list' },
  EXTENSION_NOT_OBJECT: { status: 400, scimType: 'invalidValue', message: '`<urn>` must be an object' },
  VALUE_TOO_DEEP: { status: 400, scimType: 'invalidValue', message: 'value is nested too deeply' },
  UNKNOWN_ATTRIBUTE: { status: 400, scimType: 'invalidValue', message: '`<attribute>` is not an attribute of this tenant\'s schemas<hint>' },
  UNKNOWN_EXTENSION: { status: 400, scimType: 'invalidValue', message: 'the extension `<urn>` is not declared in this tenant\'s file (`schemas:`)' },
  USER_NAME_REQUIRED: { status: 400, scimType: 'invalidValue', message: '`userName` is required' },
  REQUIRED_MISSING: { status: 400, scimType: 'invalidValue', message: '`<attribute>` is required' },
  KEY_MISSING: { status: 400, scimType: 'invalidValue', message: 'the mapping key `<attribute>` has no value' },
  KEY_CHANGE: { status: 400, scimType: 'mutability', message: 'the mapping key `<attribute>` cannot change' },
  USER_EXISTS: { status: 409, scimType: 'uniqueness', message: 'a user with this `<attribute>` already exists' },
  USER_NAME_TAKEN: { status: 409, scimType: 'uniqueness', message: '`userName` is already in use' },

  // Groups: the body and the members.
  GROUP_NAME_TAKEN: { status: 409, scimType: 'uniqueness', message: 'a group with this `displayName` already exists' },
  GROUP_DISPLAY_NAME_REQUIRED: { status: 400, scimType: 'invalidValue', message: '`displayName` is required and must be a non-empty string' },
  GROUP_EXTERNAL_ID_TYPE: { status: 400, scimType: 'invalidValue', message: '`externalId` must be a string' },
  MEMBERS_NOT_OBJECTS: { status: 400, scimType: 'invalidValue', message: '<where> must be a list of objects with `value`' },
  MEMBER_IS_GROUP: { status: 400, scimType: 'invalidValue', message: '<where>: groups cannot be members of groups here; only users' },
  MEMBER_NO_VALUE: { status: 400, scimType: 'invalidValue', message: '<where>: every member needs a string `value` (a user id)' },
  MEMBERS_NOT_USERS: { status: 400, scimType: 'invalidValue', message: '`members`: <what><more> is not a user of this tenant; nothing was changed' },
  MEMBERS_NOT_LIVE_USERS: { status: 400, scimType: 'invalidValue', message: '`members`: <what><more> is not a live user of this tenant; nothing was changed' },

  // PATCH (RFC 7644 §3.5.2), Users and Groups.
  PATCH_BODY_NOT_OBJECT: { status: 400, scimType: 'invalidSyntax', message: 'the PATCH body must be a JSON object with `Operations`' },
  PATCH_NO_OPERATIONS: { status: 400, scimType: 'invalidSyntax', message: 'the PATCH body must have an `Operations` list' },
  PATCH_OPERATION_NOT_OBJECT: { status: 400, scimType: 'invalidSyntax', message: 'operation <n> must be an object' },
  PATCH_UNKNOWN_OP: { status: 400, scimType: 'invalidSyntax', message: 'operation <n>: `op` must be `add`, `replace` or `remove`' },
  PATCH_PATH_NOT_STRING: { status: 400, scimType: 'invalidPath', message: 'operation <n>: `path` must be a string' },
  PATCH_PATH_SYNTAX: { status: 400, scimType: 'invalidPath', message: 'operation <n>: invalid path at offset <offset>: <reason>' },
  PATCH_PATH_SHAPE: { status: 400, scimType: 'invalidPath', message: 'operation <n>: a path is `attribute`, `attribute.subAttribute` or `attribute[filter].subAttribute`' },
  PATCH_VALUE_FILTER: {
    status: 400,
    scimType: 'invalidPath',
    message: 'operation <n>: a value filter holds only comparisons of sub-attributes with values, `pr`, `and`, `or`, `not` and parentheses',
  },
  PATCH_REMOVE_NO_PATH: { status: 400, scimType: 'noTarget', message: 'operation <n>: `remove` needs a `path`' },
  PATCH_NO_VALUE: { status: 400, scimType: 'invalidValue', message: 'operation <n>: `<op>` needs a `value`' },
  PATCH_PATHLESS_VALUE: { status: 400, scimType: 'invalidValue', message: 'operation <n>: a `<op>` without `path` needs an object `value`' },
  PATCH_SINGLE_VALUED_FILTER: { status: 400, scimType: 'invalidPath', message: 'operation <n>: `<attribute>` is single-valued and takes no filter' },
  PATCH_NO_SUB_ATTRIBUTES: { status: 400, scimType: 'invalidPath', message: 'operation <n>: `<attribute>` has no sub-attributes' },
  PATCH_UNKNOWN_ATTRIBUTE: { status: 400, scimType: 'invalidPath', message: 'operation <n>: `<attribute>` is not an attribute of this tenant\'s schemas<hint>' },
  PATCH_UNKNOWN_SUB_ATTRIBUTE: { status: 400, scimType: 'invalidPath', message: 'operation <n>: `<attribute>` has no sub-attribute `<sub>`' },
  PATCH_NO_TARGET: { status: 400, scimType: 'noTarget', message: 'operation <n>: no element of `<attribute>` matches the filter' },
  PATCH_REQUIRED_REMOVED: { status: 400, scimType: 'invalidValue', message: '`<attribute>` is required and cannot be removed' },
  PATCH_READ_ONLY: { status: 400, scimType: 'mutability', message: 'operation <n>: `<attribute>` is read-only' },
  PATCH_IMMUTABLE: { status: 400, scimType: 'mutability', message: 'operation <n>: `<attribute>` is immutable and already has a value' },
  PATCH_GROUP_EXTENSION: { status: 400, scimType: 'invalidPath', message: 'operation <n>: groups have no extension `<urn>`' },
  PATCH_GROUP_ATTRIBUTE: { status: 400, scimType: 'invalidPath', message: 'operation <n>: groups have no attribute `<attribute>`' },
  PATCH_MEMBER_SUB_ATTRIBUTE: { status: 400, scimType: 'mutability', message: 'operation <n>: `members.<sub>` cannot be changed; add or remove the member' },
  PATCH_MEMBERS_FILTER: {
    status: 400,
    scimType: 'invalidPath',
    message: 'operation <n>: add or replace members with path `members` and a list of `{"value": id}`',
  },
  PATCH_DISPLAY_NAME_REMOVED: { status: 400, scimType: 'invalidValue', message: 'operation <n>: `displayName` is required and cannot be removed' },
  PATCH_DISPLAY_NAME_TYPE: { status: 400, scimType: 'invalidValue', message: 'operation <n>: `displayName` must be a non-empty string' },
  PATCH_EXTERNAL_ID_TYPE: { status: 400, scimType: 'invalidValue', message: 'operation <n>: `externalId` must be a string' },

  // Lists, searches and projections.
  PARAM_REPEATED: { status: 400, scimType: 'invalidValue', message: '`<name>` is given more than once' },
  PARAM_NOT_INTEGER: { status: 400, scimType: 'invalidValue', message: '`<name>` must be an integer' },
  PARAM_NOT_STRING: { status: 400, scimType: 'invalidValue', message: '`<name>` must be a string' },
  SORT_ORDER: { status: 400, scimType: 'invalidValue', message: '`sortOrder` must be `ascending` or `descending`' },
  SEARCH_BODY: { status: 400, scimType: 'invalidSyntax', message: 'a search body must be a SearchRequest object' },
  PAGINATION_BOTH: { status: 400, scimType: 'invalidValue', message: 'page by `startIndex` or by `cursor`, not both' },
  CURSOR_INVALID: {
    status: 400,
    scimType: 'invalidCursor',
    message: 'the cursor is not one this list issued: send an empty cursor for the first page, then each `nextCursor` with the same filter, sortBy and sortOrder',
  },
  CURSOR_EXPIRED: { status: 400, scimType: 'expiredCursor', message: 'the cursor expired (cursors last <seconds> s): start again with an empty cursor' },
  GROUP_MEMBERS_TOO_MANY: { status: 400, scimType: 'tooMany', message: 'the answer would list more than <max> members: ask with `excludedAttributes=members` or a smaller `count`' },
  ATTRIBUTES_TOO_MANY: { status: 400, scimType: 'invalidValue', message: '`<param>` names too many attributes' },
  ATTRIBUTES_MALFORMED: { status: 400, scimType: 'invalidValue', message: '`<param>` holds a malformed attribute path' },
  ATTRIBUTES_VALUE_FILTER: {
    status: 400,
    scimType: 'invalidValue',
    message: 'a value filter holds only comparisons of sub-attributes with values, `pr`, `and`, `or`, `not` and parentheses',
  },

  // Filters (RFC 7644 §3.4.2.2) and `sortBy` (§3.4.2.3), as the SQL compiler (server/db/filter/) reads them.
  FILTER_SYNTAX: { status: 400, scimType: 'invalidFilter', message: '<message> (at offset <offset>)' },
  FILTER_CONSTRUCT: { status: 400, scimType: 'invalidFilter', message: 'the filter uses a construct SCIM filters do not have' },
  FILTER_TOO_DEEP: { status: 400, scimType: 'invalidFilter', message: 'the filter is nested too deeply' },
  FILTER_PR_NEEDS_ATTRIBUTE: { status: 400, scimType: 'invalidFilter', message: '`pr` applies to an attribute' },
  FILTER_COMPARE_OPERANDS: { status: 400, scimType: 'invalidFilter', message: '`<op>` compares an attribute with a value' },
  FILTER_ATTRIBUTE_ALONE: { status: 400, scimType: 'invalidFilter', message: 'an attribute alone is not a condition; compare it or use `pr`' },
  FILTER_VALUE_FILTER_PATH: { status: 400, scimType: 'invalidFilter', message: 'inside `[...]` only sub-attributes can be compared' },
  FILTER_MEMBERSHIP: { status: 400, scimType: 'invalidFilter', message: 'a `<attribute>` filter compares `value`, `display` or `type`' },
  FILTER_NULL_OPERATOR: { status: 400, scimType: 'invalidFilter', message: '`<op>` cannot compare with null' },
  FILTER_RESOURCE_TYPE_OPERATOR: { status: 400, scimType: 'invalidFilter', message: '`<op>` does not apply to `meta.resourceType`' },
  FILTER_COMPLEX_ATTRIBUTE: { status: 400, scimType: 'invalidFilter', message: '`<attribute>` is complex: compare one of its sub-attributes' },
  FILTER_BOOLEAN_OPERATOR: { status: 400, scimType: 'invalidFilter', message: '`<op>` does not apply to the boolean `<attribute>`' },
  FILTER_NUMBER_OPERATOR: { status: 400, scimType: 'invalidFilter', message: '`<op>` does not apply to the number `<attribute>`' },
  FILTER_BOOLEAN_VALUE: { status: 400, scimType: 'invalidFilter', message: '`<attribute>` is a boolean: compare it with true or false' },
  FILTER_NUMBER_VALUE: { status: 400, scimType: 'invalidFilter', message: '`<attribute>` is a number: compare it with a number' },
  FILTER_DATE_TIME_VALUE: { status: 400, scimType: 'invalidFilter', message: '`<attribute>` is a date-time: compare it with an ISO 8601 value' },
  // An attribute path in a filter, and the same in `sortBy` (its scimType is invalidValue).
  FILTER_UNKNOWN_SCHEMA: { status: 400, scimType: 'invalidFilter', message: 'unknown schema `<urn>`' },
  FILTER_UNKNOWN_ATTRIBUTE: { status: 400, scimType: 'invalidFilter', message: 'unknown attribute `<name>`<hint>' },
  FILTER_NO_ATTRIBUTE: { status: 400, scimType: 'invalidFilter', message: '`<path>` names no attribute' },
  FILTER_PATH_TOO_DEEP: { status: 400, scimType: 'invalidFilter', message: '`<path>` is nested too deeply' },
  FILTER_SUB_ATTRIBUTE_FILTER: { status: 400, scimType: 'invalidFilter', message: '`<path>`: a filter applies to a multi-valued attribute' },
  FILTER_SINGLE_VALUED: { status: 400, scimType: 'invalidFilter', message: '`<attribute>` is single-valued and takes no filter' },
  FILTER_EXTENSION_FILTER: { status: 400, scimType: 'invalidFilter', message: '`<path>` takes no filter' },
  FILTER_PASSWORD: { status: 400, scimType: 'invalidFilter', message: '`password` is never stored and cannot be filtered on' },
  FILTER_UNSUPPORTED: { status: 400, scimType: 'invalidFilter', message: 'filtering on `<path>` is not supported' },
  SORT_BY_UNKNOWN_SCHEMA: { status: 400, scimType: 'invalidValue', message: 'unknown schema `<urn>`' },
  SORT_BY_UNKNOWN_ATTRIBUTE: { status: 400, scimType: 'invalidValue', message: 'unknown attribute `<name>`<hint>' },
  SORT_BY_NO_ATTRIBUTE: { status: 400, scimType: 'invalidValue', message: '`<path>` names no attribute' },
  SORT_BY_PATH_TOO_DEEP: { status: 400, scimType: 'invalidValue', message: '`<path>` is nested too deeply' },
  SORT_BY_SUB_ATTRIBUTE_FILTER: { status: 400, scimType: 'invalidValue', message: '`<path>`: a filter applies to a multi-valued attribute' },
  SORT_BY_SINGLE_VALUED: { status: 400, scimType: 'invalidValue', message: '`<attribute>` is single-valued and takes no filter' },
  SORT_BY_EXTENSION_FILTER: { status: 400, scimType: 'invalidValue', message: '`<path>` takes no filter' },
  SORT_BY_PASSWORD: { status: 400, scimType: 'invalidValue', message: '`password` is never stored and cannot be filtered on' },
  SORT_BY_UNSUPPORTED: { status: 400, scimType: 'invalidValue', message: 'filtering on `<path>` is not supported' },
  SORT_BY_NOT_A_PATH: { status: 400, scimType: 'invalidValue', message: '`sortBy` must be an attribute path' },
  SORT_BY_GROUPS_OR_MEMBERS: { status: 400, scimType: 'invalidValue', message: '`sortBy` cannot sort by `<attribute>`' },

  // Bulk (RFC 7644 §3.7).
  BULK_TOO_LARGE: { status: 413, message: 'the bulk request exceeds maxPayloadSize (<bytes> bytes)' },
  BULK_TOO_MANY: { status: 413, message: 'the bulk request holds <count> operations; maxOperations is <max>' },
  BULK_NOT_OBJECT: { status: 400, scimType: 'invalidSyntax', message: 'a bulk request must be a BulkRequest object' },
  BULK_SCHEMAS: { status: 400, scimType: 'invalidSyntax', message: '`schemas` must name `urn:ietf:params:scim:api:messages:2.0:BulkRequest`' },
  BULK_OPERATIONS_LIST: { status: 400, scimType: 'invalidSyntax', message: '`Operations` must be a list' },
  BULK_FAIL_ON_ERRORS: { status: 400, scimType: 'invalidValue', message: '`failOnErrors` must be a non-negative integer' },
  BULK_OPERATION_NOT_OBJECT: { status: 400, scimType: 'invalidSyntax', message: 'an operation must be an object' },
  BULK_METHOD: { status: 400, scimType: 'invalidSyntax', message: '`method` must be POST, PUT, PATCH or DELETE' },
  BULK_ID_INVALID: { status: 400, scimType: 'invalidValue', message: '`bulkId` must be a non-empty string' },
  BULK_ID_REUSED: { status: 400, scimType: 'invalidValue', message: '`bulkId` `<bulkId>` is used by more than one operation' },
  BULK_VERSION_INVALID: { status: 400, scimType: 'invalidValue', message: '`version` must be a string' },
  BULK_PATH: { status: 400, scimType: 'invalidPath', message: '`path` must be a resource endpoint like `/Users` or a resource like `/Users/{id}`' },
  BULK_NESTED: { status: 400, scimType: 'invalidPath', message: 'a bulk operation cannot be a bulk request' },
  BULK_POST_PATH: { status: 400, scimType: 'invalidPath', message: 'a POST `path` names a resource endpoint, like `/Users`' },
  BULK_RESOURCE_PATH: { status: 400, scimType: 'invalidPath', message: 'a <method> `path` names one resource, like `/Users/{id}`' },
  BULK_DATA: { status: 400, scimType: 'invalidSyntax', message: '`data` must be an object for <method>' },
  BULK_DATA_TOO_DEEP: { status: 400, scimType: 'invalidValue', message: '`data` is nested too deeply' },
  BULK_CIRCULAR: { status: 409, message: 'circular `bulkId` references cannot be resolved' },
  BULK_SELF_REFERENCE: { status: 409, message: 'the operation refers to its own `bulkId` `<bulkId>`' },
  BULK_UNKNOWN_REFERENCE: { status: 400, scimType: 'invalidValue', message: 'no operation defines `bulkId` `<bulkId>`' },
  BULK_REFERENCE_FAILED: { status: 409, message: 'the operation defining `bulkId` `<bulkId>` failed' },
  BULK_OPERATION_FAILED: { status: 'given', message: 'the operation failed' },
} as const satisfies Record<string, ScimErrorEntry>;

export type ScimErrorCode = keyof typeof scimCatalogue;

/** The `<name>` placeholders of a message template. */
type Holes<M extends string> = M extends `${string}<${infer P}>${infer R}` ? P | Holes<R> : never;
type Entry<C extends ScimErrorCode> = (typeof scimCatalogue)[C];
type ParamNames<C extends ScimErrorCode> = Holes<Entry<C>['message']> | (Entry<C>['status'] extends 'given' ? 'status' : never);

/** What `scimError(code, ...)` takes after the code: the template's parameters, if it has any. */
export type ScimErrorArgs<C extends ScimErrorCode> = [ParamNames<C>] extends [never]
  ? []
  : [params: { readonly [K in ParamNames<C>]: K extends 'status' ? number : string | number }];

/**
 * An error that becomes a SCIM error response; made only from a catalogue entry (scimError).
 * Invariant: `detail` never holds attribute values of users (it is also logged), only names
 * and reasons.
 */
export class ScimError extends Error {
  readonly code: ScimErrorCode;
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  constructor(code: ScimErrorCode, params: Readonly<Record<string, string | number>> = {}) {
    const entry: ScimErrorEntry = scimCatalogue[code];
    const detail = entry.message.replace(/<([A-Za-z]+)>/g, (hole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : hole));
    super(detail);
    this.name = 'ScimError';
    this.code = code;
    this.status = entry.status === 'given' ? Number(params['status']) : entry.status;
    this.scimType = entry.scimType;
    this.detail = detail;
  }
}

/** The error of catalogue entry `code` with its template filled in. */
export function scimError<C extends ScimErrorCode>(code: C, ...args: ScimErrorArgs<C>): ScimError {
  return new ScimError(code, args[0]);
}

export interface ScimErrorBody {
  readonly schemas: readonly [typeof ERROR_SCHEMA];
  /** The HTTP status as a string, as RFC 7644 §3.12 requires. */
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail: string;
}

/** The RFC 7644 §3.12 body of `error`: the one place such a body is built. */
export function errorBody(error: ScimError): ScimErrorBody {
  const { status, detail, scimType } = error;
  return scimType === undefined
    ? { schemas: [ERROR_SCHEMA], status: String(status), detail }
    : { schemas: [ERROR_SCHEMA], status: String(status), scimType, detail };
}
