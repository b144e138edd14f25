// Limits of the expression language, checked by parse.ts before and while parsing so that
// hostile input gives an E103 diagnostic instead of a stack overflow or a long stall.

/** Longest expression source accepted, in UTF-16 code units. */
export const MAX_SOURCE_LENGTH = 10_000;

/**
 * Deepest nesting accepted: brackets (`(`, `[`) plus prefix `not`s. Checked on the token
 * stream before the recursive-descent parser runs, so deep input cannot overflow the stack.
 */
export const MAX_NESTING_DEPTH = 64;

/** Most items in one list literal. */
export const MAX_LIST_ITEMS = 1_000;

/** Most arguments in one function call. */
export const MAX_CALL_ARGS = 64;
