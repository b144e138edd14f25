// Editor assistance over a tenant file's text, for the language server (cli/lsp.ts) and the
// browser playground: diagnostics, completion, hover and go to definition. Pure: it runs the
// linter's own checking stages (engine/check-tenant-file.ts) and imports no file system.

import type { Diagnostic } from '../diagnostic.ts';
import { capPerFile } from '../sort-diagnostics.ts';
import { checkOf, type AssistSource } from './expression-at.ts';
import { rangeOfSpan, rangeOf, type Range } from './positions.ts';

export { completionsAt, type CompletionItem, type CompletionKind } from './completions.ts';
export { hoverAt, diagnosticMarkdown, type Hover } from './hover.ts';
export { definitionAt } from './definition.ts';
export { checkOf, DEFAULT_FILE, type AssistSource } from './expression-at.ts';
export { rangeOf, rangeOfSpan, type Position, type Range } from './positions.ts';

/** A diagnostic with its place as an editor range (a whole-file problem sits at the start). */
export interface RangedDiagnostic {
  readonly diagnostic: Diagnostic;
  readonly range: Range;
}

/** The diagnostics `scimplan lint` reports for this one file (capped as it caps them), with ranges. */
export function diagnosticsOf(source: AssistSource, file?: string): RangedDiagnostic[] {
  const check = checkOf(source, file);
  return capPerFile(check.diagnostics).map((diagnostic) => ({
    diagnostic,
    range: diagnostic.span ? rangeOfSpan(diagnostic.span) : rangeOf(check.loaded, 0, 0),
  }));
}
