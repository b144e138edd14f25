// The checking half of the tenant-file pipeline: parseYaml -> validateShape -> parseExpressions
// -> checkConfig (+ the test cases). Pure: no hashing, no file system, so the browser
// playground and the language server run exactly what `scimplan lint` runs.

import type { Diagnostic } from './diagnostic.ts';
import { turnCheckCache, type CheckCache } from './check-cache.ts';
import { checkConfig, type CheckedConfig } from './check-config.ts';
import { checkTests } from './check-tests.ts';
import type { RawConfig } from './config.ts';
import { parseYaml, type LoadedFile } from './load-yaml.ts';
import { parseExpressions, type ParsedConfig } from './parse-expressions.ts';
import { sortDiagnostics } from './sort-diagnostics.ts';
import { validateShape } from './validate-shape.ts';

/**
 * What checking one tenant file found. Invariants: `diagnostics` are sorted by position and are
 * exactly the ones `compileTenantFile` reports; `parsed` and `checked` are present exactly when
 * `config` is (the YAML parsed and had the shape of a tenant file).
 */
export interface TenantFileCheck {
  readonly loaded: LoadedFile;
  readonly config?: RawConfig;
  readonly parsed?: ParsedConfig;
  readonly checked?: CheckedConfig;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Checks one tenant file. With `cache` (one per document, kept between its checks) unchanged
 * expressions are not parsed or analysed again; the result is the same as without it.
 */
export function checkTenantFile(file: string, text: string, cache?: CheckCache): TenantFileCheck {
  if (cache) turnCheckCache(cache);
  const diagnostics: Diagnostic[] = [];
  const yaml = parseYaml(file, text);
  diagnostics.push(...yaml.diagnostics);
  const loaded = yaml.loaded;
  if (yaml.diagnostics.some((d) => d.code === 'E001')) return { loaded, diagnostics: sortDiagnostics(diagnostics) };

  const shape = validateShape(loaded);
  diagnostics.push(...shape.diagnostics);
  const config = shape.config;
  if (!config) return { loaded, diagnostics: sortDiagnostics(diagnostics) };

  const parsed = parseExpressions(loaded, config, cache);
  diagnostics.push(...parsed.diagnostics);
  const checked = checkConfig(loaded, config, parsed.parsed, cache);
  diagnostics.push(...checked.diagnostics);
  diagnostics.push(...checkTests(loaded, config, parsed.parsed));
  return { loaded, config, parsed: parsed.parsed, checked: checked.checked, diagnostics: sortDiagnostics(diagnostics) };
}
