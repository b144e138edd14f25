// `scimplan test PATH...`: runs every file's `tests:` cases; exit 0 when all pass, 1 otherwise.
// A file that does not compile counts as a failure and prints its diagnostics.

import type { Diagnostic, FileSpan } from '../engine/diagnostic.ts';
import { parseYaml } from '../engine/load-yaml.ts';
import { lintPaths, type LintResult } from '../engine/lint.ts';
import { renderGithub } from '../engine/render-github.ts';
import { renderSarif, type SarifRule } from '../engine/render-sarif.ts';
import { runTests, type TestResult } from '../engine/run-tests.ts';
import { printDiagnostics } from './lint.ts';
import type { Format, Io } from './output.ts';
import { sarifOptions } from './package-info.ts';

/** The SARIF rule of a failed case (not a catalog code: the file is valid, its expectation is not met). */
export const TEST_FAILED: SarifRule = { id: 'test-failed', severity: 'error', slug: 'test-failed', title: 'a `tests:` case whose expectation does not hold', doc: 'diagnostics.md#output-formats' };

export async function runTestCommand(paths: readonly string[], format: Format, now: Date, io: Io): Promise<number> {
  const linted = await lintPaths(paths);
  const errors = linted.diagnostics.filter((d) => d.severity === 'error');
  const results: TestResult[] = [];
  for (const f of linted.files) {
    if (f.result.plan) results.push(...runTests(f.result.plan, now));
  }
  const failed = results.filter((r) => !r.passed).length + (errors.length > 0 ? 1 : 0);
  const passed = results.filter((r) => r.passed).length;

  if (format === 'json') {
    io.out(`${JSON.stringify({ results, diagnostics: errors, summary: { passed, failed } }, null, 2)}\n`);
  } else if (format === 'sarif') {
    const failures = results.filter((r) => !r.passed).map((r): Diagnostic => {
      const span = caseSpan(linted, r);
      return { code: TEST_FAILED.id, severity: 'error', message: `test \`${r.name}\` failed: ${r.failures.join('; ')}`, file: r.file, ...(span ? { span } : {}) };
    });
    io.out(renderSarif([...errors, ...failures], { ...sarifOptions(), extraRules: [TEST_FAILED] }));
  } else if (format === 'github') {
    if (errors.length) io.out(renderGithub(errors));
    for (const r of results.filter((x) => !x.passed)) {
      const span = caseSpan(linted, r);
      const where = span ? `,line=${span.line},col=${span.column}` : '';
      io.out(`::error file=${r.file}${where},title=test failed::${r.name}: ${r.failures.join('; ')}\n`);
    }
    io.out(`${passed} passed, ${failed} failed\n`);
  } else {
    if (errors.length) printDiagnostics(errors, linted.files.length, new Map(linted.files.map((f) => [f.file, f.text])), 'text', io);
    for (const r of results) {
      io.out(`${r.passed ? 'pass' : 'FAIL'}  ${r.file}: ${r.name}\n`);
      for (const failure of r.failures) io.out(`        ${failure}\n`);
    }
    io.out(`${passed} passed, ${failed} failed\n`);
  }
  return failed > 0 ? 1 : 0;
}

/** Where a case's `name:` is in its file. */
function caseSpan(linted: LintResult, r: TestResult): FileSpan | undefined {
  const text = linted.files.find((f) => f.file === r.file)?.text ?? '';
  const loaded = parseYaml(r.file, text).loaded;
  const index = loaded.doc.toJS()?.tests?.findIndex((t: { name?: unknown }) => t?.name === r.name) ?? -1;
  return index >= 0 ? loaded.spanAt(['tests', index, 'name']) : undefined;
}
