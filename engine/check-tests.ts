// Checks the `tests:` cases of a tenant file before they run: a `now` that is not a
// date-time, expectations about profile fields or groups the file never produces (E602).

import { didYouMean } from '../dsl/suggest.ts';
import { isPlainObject as isObject } from '../dsl/values.ts';
import { catalog } from './catalog.ts';
import type { Diagnostic } from './diagnostic.ts';
import type { LoadedFile } from './load-yaml.ts';
import type { ParsedConfig } from './parse-expressions.ts';
import type { RawConfig } from './config.ts';

export function checkTests(loaded: LoadedFile, config: RawConfig, parsed: ParsedConfig): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const fields = parsed.profile.map((p) => p.field);
  const groups = [...new Set(parsed.groups.map((g) => g.group))];
  const report = (path: (string | number)[], which: 'key' | 'value', message: string, help?: string) => {
    const span = loaded.spanAt(path, which);
    diagnostics.push({
      code: 'E602',
      severity: catalog.E602.severity,
      message,
      file: loaded.file,
      ...(span ? { span } : {}),
      ...(help ? { help } : {}),
    });
  };
  (config.tests ?? []).forEach((test, i) => {
    if (typeof test !== 'object' || test === null) return;
    if (test.now !== undefined && Number.isNaN(Date.parse(String(test.now)))) {
      report(['tests', i, 'now'], 'value', '`now` is not an ISO 8601 date-time', 'write it like `2026-05-01T09:00:00Z`');
    }
    // A file with shape errors (already reported) can hold any YAML here: read only what has
    // the shape of an expectation.
    const expect: unknown = test.expect;
    const profile = isObject(expect) && isObject(expect.profile) ? expect.profile : {};
    const expected = isObject(expect) && Array.isArray(expect.groups) ? (expect.groups as unknown[]) : [];
    for (const field of Object.keys(profile)) {
      if (!fields.includes(field)) {
        report(['tests', i, 'expect', 'profile', field], 'key', `the tenant file maps no profile field \`${field}\``, didYouMean(field, fields));
      }
    }
    expected.forEach((group, j) => {
      if (typeof group === 'string' && !groups.includes(group)) {
        const known = groups.length ? `the rules add ${groups.map((g) => `\`${g}\``).join(', ')}` : 'this file has no group rules';
        report(['tests', i, 'expect', 'groups', j], 'value', `no group rule adds \`${group}\``, didYouMean(group, groups) ?? known);
      }
    });
  });
  return diagnostics;
}
