// Renders diagnostics as one JSON document with a summary, for tools.

import type { Diagnostic } from './diagnostic.ts';

export interface Summary {
  readonly files: number;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
}

export function summarize(diagnostics: readonly Diagnostic[], files: number): Summary {
  const count = (s: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === s).length;
  return { files, errors: count('error'), warnings: count('warning'), infos: count('info') };
}

export function renderJson(diagnostics: readonly Diagnostic[], files: number): string {
  return `${JSON.stringify({ diagnostics, summary: summarize(diagnostics, files) }, null, 2)}\n`;
}
