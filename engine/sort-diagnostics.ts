// Orders diagnostics by file and position, and caps how many one file reports.

import type { Diagnostic } from './diagnostic.ts';

export const maxPerFile = 50;

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.span?.start ?? -1) - (b.span?.start ?? -1) || a.code.localeCompare(b.code),
  );
}

/** Keeps the first `max` of each file; the last one kept says how many more there were. */
export function capPerFile(diagnostics: readonly Diagnostic[], max = maxPerFile): Diagnostic[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const out: Diagnostic[] = [];
  for (const list of byFile.values()) {
    const shown = list.slice(0, max);
    if (list.length > max) {
      const last = shown.pop()!;
      shown.push({ ...last, notes: [...(last.notes ?? []), `${list.length - max} more diagnostics in this file are not shown`] });
    }
    out.push(...shown);
  }
  return out;
}
