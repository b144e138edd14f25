// Server: SCIM protocol errors and their RFC 7644 §3.12 response body.

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
  | 'sensitive';

/**
 * An error that becomes a SCIM error response. Invariant: `detail` never holds attribute
 * values of users (it is also logged), only names and reasons.
 */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string;

  constructor(init: { status: number; detail: string; scimType?: ScimType });
  constructor(status: number, detail: string, scimType?: ScimType);
  constructor(first: number | { status: number; detail: string; scimType?: ScimType }, detailArg?: string, scimTypeArg?: ScimType) {
    const { status, detail, scimType } = typeof first === 'number' ? { status: first, detail: detailArg ?? '', scimType: scimTypeArg } : first;
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
  }
}

export interface ScimErrorBody {
  readonly schemas: readonly [typeof ERROR_SCHEMA];
  /** The HTTP status as a string, as RFC 7644 §3.12 requires. */
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail: string;
}

export function errorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return scimType === undefined
    ? { schemas: [ERROR_SCHEMA], status: String(status), detail }
    : { schemas: [ERROR_SCHEMA], status: String(status), scimType, detail };
}

export const notFound = (what = 'resource'): ScimError => new ScimError(404, `${what} not found`);
