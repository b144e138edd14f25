// Diagnostics of a tenant file: plain data with positions in the file, rendered later by
// render-text.ts / render-json.ts / render-github.ts. Codes are listed in catalog.ts.

export type Severity = 'error' | 'warning' | 'info';

/** A range in a file: 0-based offsets (end exclusive) plus 1-based line/column of both ends. */
export interface FileSpan {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface Label {
  readonly span: FileSpan;
  readonly message: string;
}

/**
 * One problem in one tenant file. Invariants: `span` is the smallest range that pinpoints the
 * problem (inside an expression it covers the offending token, not the YAML key); `message`
 * is lowercase without a trailing period and holds no attribute values from users; a fix only
 * appears in `help`.
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  /** Absent only for problems of the whole file (e.g. it cannot be read). */
  readonly span?: FileSpan;
  readonly labels?: readonly Label[];
  readonly notes?: readonly string[];
  readonly help?: string;
  /** Ranges of the file that must never be printed (a plaintext secret); frames mask them. */
  readonly redact?: readonly { readonly start: number; readonly end: number }[];
}
