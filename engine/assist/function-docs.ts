// What editors show for each function of the expression language: its signature with argument
// names and one line of what it does (as docs/language.md "Functions" says). The arity, types
// and meaning stay in dsl/functions.ts; a test keeps this list in step with that table.

export interface FunctionDoc {
  /** With argument names; `?` marks an optional one, `...` a repeated one. */
  readonly signature: string;
  readonly doc: string;
}

export const functionDocs: Readonly<Record<string, FunctionDoc>> = Object.freeze({
  lower: { signature: 'lower(s)', doc: 'the string in lowercase; `null` stays `null`' },
  upper: { signature: 'upper(s)', doc: 'the string in uppercase; `null` stays `null`' },
  trim: { signature: 'trim(s)', doc: 'the string without leading and trailing white space; `null` stays `null`' },
  concat: { signature: 'concat(a, ...)', doc: 'the texts joined; `null` arguments count as `""`' },
  join: { signature: 'join(separator, a, ...)', doc: "like Entra's `Join`: lists are flattened, nulls skipped" },
  coalesce: { signature: 'coalesce(a, ...)', doc: 'the first argument that is not null, `""` or `[]`' },
  substring: { signature: 'substring(s, start, length?)', doc: '0-based; out-of-range positions are clamped' },
  replace: { signature: 'replace(s, find, replacement)', doc: 'every literal occurrence of `find` replaced (no regular expressions)' },
  split: { signature: 'split(s, separator)', doc: 'a list of strings' },
  switch: {
    signature: 'switch(value, key, result, ..., default?)',
    doc: "key and result pairs repeat; the result for the first key equal to `value` (exact, case-sensitive); without a match the default, or `null`. The default comes last, unlike Entra's `Switch`",
  },
  if: { signature: 'if(condition, then, else?)', doc: '`then` when the condition holds, else `else` (or `null`)' },
  now: { signature: 'now()', doc: 'the current instant (fixed by `--now` and test cases)' },
  today: { signature: 'today()', doc: "midnight at the start of today in the tenant's `timezone`" },
  date: { signature: 'date(s)', doc: "an ISO 8601 date or date-time; a date alone means midnight in the tenant's time zone; invalid text gives `null`" },
  parseDate: {
    signature: 'parseDate(s, format)',
    doc: "a date written in a declared format (`yyyy`, `MM`/`M`, `dd`/`d`, `HH`, `mm`, `ss`), as a wall-clock time in the tenant's time zone; text that does not match gives `null`",
  },
  addDays: { signature: 'addDays(d, n)', doc: "`n` calendar days later (or earlier), in the tenant's time zone" },
});
