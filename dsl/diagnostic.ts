// Diagnostics produced by the expression language: plain data with spans relative to the
// expression source. The engine maps the spans into the tenant file and renders them.

import type { Span } from './ast.ts';

/** Stable diagnostic codes of the expression language; the catalog lives in engine/catalog.ts. */
export type DslCode =
  | 'E101' // syntax error
  | 'E102' // foreign syntax (===, &&, !, $., [attr])
  | 'E103' // expression exceeds a limit (length, depth, list size)
  | 'E201' // unknown attribute or profile field
  | 'E202' // unknown function
  | 'E203' // wrong number of arguments
  | 'E204' // wrong argument or operand type
  | 'E205' // condition is not boolean
  | 'E206' // unsupported in filter mode / unsupported construct
  | 'W207' // comparison that can never hold (e.g. a boolean against a string)
  | 'W208' // `Switch(...)` spelled and shaped as Entra's, whose argument order differs
  | 'E501'; // profile scope: a SCIM attribute where a profile field is needed

export interface DslLabel {
  readonly span: Span;
  readonly message: string;
}

/**
 * One problem in one expression. `span` is the smallest span that pinpoints it, in offsets
 * of the expression source. Messages are lowercase, without a trailing period, and put names
 * in backticks; a fix only goes into `help`.
 */
export interface DslDiagnostic {
  readonly code: DslCode;
  readonly message: string;
  readonly span: Span;
  readonly labels?: readonly DslLabel[];
  readonly notes?: readonly string[];
  readonly help?: string;
}
