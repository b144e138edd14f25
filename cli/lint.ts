// `scimplan lint PATH...`: exit 0 without errors (warnings allowed), 1 with errors.

import type { Diagnostic } from '../engine/diagnostic.ts';
import { lintPaths } from '../engine/lint.ts';
import { renderGithub } from '../engine/render-github.ts';
import { renderJson, summarize } from '../engine/render-json.ts';
import { renderSarif } from '../engine/render-sarif.ts';
import { renderText } from '../engine/render-text.ts';
import { capPerFile } from '../engine/sort-diagnostics.ts';
import type { Format, Io } from './output.ts';
import { sarifOptions } from './package-info.ts';

export async function runLint(paths: readonly string[], format: Format, io: Io): Promise<number> {
  const result = await lintPaths(paths);
  const diagnostics = capPerFile(result.diagnostics);
  const sources = new Map(result.files.map((f) => [f.file, f.text]));
  printDiagnostics(diagnostics, result.files.length, sources, format, io);
  return result.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

export function printDiagnostics(
  diagnostics: readonly Diagnostic[],
  files: number,
  sources: ReadonlyMap<string, string>,
  format: Format,
  io: Io,
): void {
  if (format === 'json') {
    io.out(renderJson(diagnostics, files));
    return;
  }
  if (format === 'github') {
    io.out(renderGithub(diagnostics));
    return;
  }
  if (format === 'sarif') {
    io.out(renderSarif(diagnostics, sarifOptions()));
    return;
  }
  if (diagnostics.length > 0) io.out(`${renderText(diagnostics, { sources, color: io.color })}\n`);
  const s = summarize(diagnostics, files);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.out(`${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'note')} in ${plural(s.files, 'file')}\n`);
}
