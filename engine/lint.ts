// `scimplan lint`: finds tenant files under the given paths, compiles each, and reports
// problems across files (the same tenant id twice). Returns compiled files and diagnostics.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { catalog } from './catalog.ts';
import { compileTenantFile, type CompileResult } from './compile-plan.ts';
import type { Diagnostic } from './diagnostic.ts';
import { parseYaml } from './load-yaml.ts';
import { sortDiagnostics } from './sort-diagnostics.ts';

export interface LintedFile {
  readonly file: string;
  readonly text: string;
  readonly result: CompileResult;
}

export interface LintResult {
  readonly files: readonly LintedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export class InputError extends Error {}

const tenantFile = /\.ya?ml$/i;

/** Expands files and folders (recursively) into tenant files, in a stable order. */
export async function findTenantFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new InputError(`cannot read \`${path}\`: no such file or folder`);
    });
    if (info.isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && tenantFile.test(e.name))
        .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
      found.push(...files.sort());
    } else {
      found.push(path);
    }
  }
  return [...new Set(found)];
}

export async function lintPaths(paths: readonly string[]): Promise<LintResult> {
  const files: LintedFile[] = [];
  for (const file of await findTenantFiles(paths)) {
    const text = await readFile(file, 'utf8').catch(() => {
      throw new InputError(`cannot read \`${file}\``);
    });
    files.push({ file, text, result: compileTenantFile(file, text) });
  }
  const diagnostics = [...files.flatMap((f) => f.result.diagnostics), ...duplicateTenants(files)];
  return { files, diagnostics: sortDiagnostics(diagnostics) };
}

/** E008: two files of one run that declare the same tenant id. */
function duplicateTenants(files: readonly LintedFile[]): Diagnostic[] {
  const first = new Map<string, { file: string; where: string }>();
  const out: Diagnostic[] = [];
  for (const f of files) {
    const tenant = f.result.config?.tenant;
    if (typeof tenant !== 'string') continue;
    const span = parseYaml(f.file, f.text).loaded.spanAt(['tenant']);
    const where = span ? `${f.file}:${span.line}:${span.column}` : f.file;
    const earlier = first.get(tenant);
    if (!earlier) {
      first.set(tenant, { file: f.file, where });
      continue;
    }
    out.push({
      code: 'E008',
      severity: catalog.E008.severity,
      message: `tenant \`${tenant}\` is already declared in \`${earlier.file}\``,
      file: f.file,
      ...(span ? { span } : {}),
      notes: [`first declared at ${earlier.where}`],
      help: 'each tenant has exactly one file; merge the two or rename one tenant',
    });
  }
  return out;
}
