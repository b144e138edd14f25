// Server: any error thrown while answering a request -> the SCIM error (server/errors.ts
// catalogue) that answers it. Used by app.ts's error handlers and by routes that answer in a
// stream (an error after the headers were sent ends the stream with this body).

import type { FastifyBaseLogger, FastifyError } from 'fastify';
import { isDatabaseUnavailable } from './db/availability.ts';
import { ScimError, scimError } from './errors.ts';

/** Longest path segment (an id, a tenant) the router accepts; longer ones get 414. */
export const MAX_PATH_SEGMENT = 200;

/** Fastify's own errors with an answer of their own. */
const FRAMEWORK_ERRORS: Readonly<Record<string, 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BODY_EMPTY' | 'CONTENT_LENGTH_MISMATCH' | 'URL_INVALID'>> = {
  FST_ERR_BAD_URL: 'URL_INVALID',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_EMPTY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CONTENT_LENGTH_MISMATCH',
};

/**
 * The catalogue entry that answers `error`: a ScimError as it is; a framework error (fastify's
 * own, a validation) by its code; a database that cannot be reached 503; anything else 500,
 * logged by name and code only.
 */
export function scimErrorOf(error: unknown, log: FastifyBaseLogger): ScimError {
  if (error instanceof ScimError) return error;
  return fromFramework(error as FastifyError, log);
}

function fromFramework(error: FastifyError, log: FastifyBaseLogger): ScimError {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
  if (isDatabaseUnavailable(error)) {
    log.warn({ err: { name: (error as { name?: string }).name, code: (error as { code?: string }).code } }, 'database not reachable');
    return scimError('DATABASE_UNAVAILABLE');
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return scimError('PATH_SEGMENT_TOO_LONG', { max: MAX_PATH_SEGMENT });
  if (status >= 500) {
    // Database errors can quote row values in `detail`; log only what identifies the failure.
    const { name, code } = error as { name?: string; code?: string };
    log.error({ err: { name, code, constraint: (error as { constraint?: string }).constraint } }, 'request failed');
    return scimError('INTERNAL');
  }
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) return scimError(known);
  if (error.validation) return scimError('REQUEST_SHAPE', { part: error.validationContext ?? 'body' });
  if (status === 400 && /prototype property/.test(error.message)) return scimError('FORBIDDEN_KEY');
  if (status === 400) return scimError('INVALID_JSON');
  return scimError('REQUEST_REFUSED', { status });
}
