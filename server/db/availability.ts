// Storage: whether an error means the database cannot be reached right now (down, restarting,
// connection lost), as opposed to a problem with the request. Such errors answer 503, not 500.

/** SQLSTATE classes and codes of an unreachable or restarting server (PostgreSQL appendix A). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '58030']);

/** Node socket errors of a connection that could not be made or was lost. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** pg's, PGlite's and kysely's messages for a lost or closed connection (they carry no code). */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  // pg's client-side query_timeout: the database took the query and never answered.
  /^Query read timeout/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
  /PGlite is closed/i,
  // kysely after destroy(): the database is closing (shutdown) and will not answer here again.
  /driver has already been destroyed/i,
];

/**
 * True when `error` (or the error it wraps, pg's AggregateError included) says the database is
 * unreachable: the request may succeed when it is retried later. Never true for constraint,
 * syntax or data errors.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string') {
    if (UNAVAILABLE_SQLSTATES.has(e.code) || e.code.startsWith('08') || UNAVAILABLE_ERRNO.has(e.code)) return true;
  }
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return e.cause !== undefined && isDatabaseUnavailable(e.cause, depth + 1);
}
