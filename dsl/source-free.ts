// Messages of the parse stage for callers that must not echo their input (the SCIM server
// answering a client, whose filter or PATCH path may hold personal data): a diagnostic with no
// text of the source in it, only syntax and where it is.

import type { DslDiagnostic } from './diagnostic.ts';

/** Syntax the language itself spells: punctuation, operators and keywords. Never data; nor is one symbol alone. */
const SYNTAX = /^(?:[()[\],.!&|=<>?$:]+|and|or|not|not in|in|pr|eq|ne|co|sw|ew|gt|ge|lt|le|true|false|null|\(…\))$/i;
const WORDS = /[\p{L}\p{N}_@\-+%#~'"\\/]+/gu;

/**
 * `d` without text of `source`: every `` `quoted` `` part of the message that is not pure
 * syntax and occurs in the source or shares a word with it becomes `` `…` ``; the help, notes and labels (which
 * may show the source rewritten) are dropped. Parts the message template wrote itself (an
 * example such as `` `title pr` ``) stay unless the source happens to hold their words.
 */
export function withoutSourceText(d: DslDiagnostic, source: string): DslDiagnostic {
  const lower = source.toLowerCase();
  const message = d.message.replace(/`([^`]*)`/g, (whole, inner: string) => {
    if (SYNTAX.test(inner.trim()) || /^[^\p{L}\p{N}]$/u.test(inner)) return whole;
    const words = inner.match(WORDS) ?? [];
    const echoes = lower.includes(inner.toLowerCase()) || words.some((w) => !SYNTAX.test(w) && lower.includes(w.toLowerCase()));
    return echoes ? '`…`' : whole;
  });
  return { code: d.code, message, span: d.span };
}
