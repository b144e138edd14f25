// Renders diagnostics as one SARIF 2.1.0 log (GitHub code scanning shows them inline): the
// catalog's codes as rules, each diagnostic as a result at its region. Returns the JSON text.

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import { catalog, type CatalogEntry } from './catalog.ts';
import type { Diagnostic, FileSpan, Severity } from './diagnostic.ts';

/** The `$schema` of the log: the SARIF 2.1.0 JSON Schema (as GitHub's code scanning docs name it). */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** The base id relative file paths are resolved against (the folder scimplan ran in). */
export const SOURCE_ROOT = '%SRCROOT%';

export interface SarifOptions {
  /** scimplan's version, as `tool.driver.version`. */
  readonly version?: string;
  /**
   * Absolute URI of scimplan's `docs/` folder, ending in `/`: each rule's `helpUri` is its page
   * there (a code's section of diagnostics.md, `diagnostics.md#e201-unknown-name`). Without it,
   * rules carry no `helpUri`.
   */
  readonly docsRoot?: string;
  /** Absolute `file:` URI of the folder relative paths start from, ending in `/` (`%SRCROOT%`). */
  readonly sourceRoot?: string;
  /** Rules beyond the catalog (`scimplan test`'s failed cases), listed after it. */
  readonly extraRules?: readonly SarifRule[];
}

/** A rule as the log lists it: its id (a catalog code or another stable name), severity and title. */
export interface SarifRule extends CatalogEntry {
  readonly id: string;
  /** Its page under docs/ with the anchor; a catalog code's is its diagnostics.md section. */
  readonly doc: string;
}

const LEVEL: Readonly<Record<Severity, Result.level>> = { error: 'error', warning: 'warning', info: 'note' };

/** The anchor GitHub gives a Markdown heading: `E201 unknown-name` -> `e201-unknown-name`. */
export const headingAnchor = (heading: string): string => heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');

/** Every catalog code as a rule, in catalog order. */
export const catalogRules: readonly SarifRule[] = Object.freeze(
  Object.entries(catalog).map(([id, entry]) => Object.freeze({ id, ...entry, doc: `diagnostics.md#${headingAnchor(`${id} ${entry.slug}`)}` })),
);

/**
 * One SARIF 2.1.0 log with one run. Invariants: every result's `ruleId` is a listed rule and
 * `ruleIndex` its index; regions are 1-based lines and columns in UTF-16 code units, the end
 * column exclusive (SARIF's own convention, and FileSpan's); results keep the diagnostics'
 * order. Like every rendering, it prints no source text, so redacted ranges stay unprinted.
 */
export function sarifLog(diagnostics: readonly Diagnostic[], options: SarifOptions = {}): Log {
  const rules = [...catalogRules, ...(options.extraRules ?? [])];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'scimplan',
            ...(options.version ? { version: options.version, semanticVersion: options.version } : {}),
            ...(options.docsRoot ? { informationUri: `${options.docsRoot}diagnostics.md` } : {}),
            rules: rules.map((r) => ruleDescriptor(r, options.docsRoot)),
          },
        },
        ...(options.sourceRoot ? { originalUriBaseIds: { [SOURCE_ROOT]: { uri: options.sourceRoot } } } : {}),
        columnKind: 'utf16CodeUnits',
        results: diagnostics.map((d) => result(d, index.get(d.code))),
      },
    ],
  };
}

/** `sarifLog` as the JSON text `--format sarif` prints. */
export function renderSarif(diagnostics: readonly Diagnostic[], options: SarifOptions = {}): string {
  return `${JSON.stringify(sarifLog(diagnostics, options), null, 2)}\n`;
}

function ruleDescriptor(rule: SarifRule, docsRoot: string | undefined): ReportingDescriptor {
  const helpUri = docsRoot ? `${docsRoot}${rule.doc}` : undefined;
  return {
    id: rule.id,
    name: rule.slug,
    shortDescription: { text: rule.title },
    ...(helpUri ? { helpUri } : {}),
    help: {
      text: `${rule.title}; see docs/${rule.doc} in scimplan`,
      markdown: `${rule.title}; see [docs/${rule.doc}](${helpUri ?? `docs/${rule.doc}`}) in scimplan`,
    },
    defaultConfiguration: { level: LEVEL[rule.severity] },
  };
}

function result(d: Diagnostic, ruleIndex: number | undefined): Result {
  const text = [d.message, ...(d.notes ?? []).map((n) => `note: ${n}`), ...(d.help ? [`help: ${d.help}`] : [])].join('\n');
  const related = (d.labels ?? []).map((l, i) => ({ id: i, ...location(d.file, l.span), message: { text: l.message } }));
  return {
    ruleId: d.code,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: LEVEL[d.severity],
    message: { text },
    locations: [location(d.file, d.span)],
    ...(related.length > 0 ? { relatedLocations: related } : {}),
  };
}

function location(file: string, span: FileSpan | undefined): Location {
  return {
    physicalLocation: {
      artifactLocation: artifact(file),
      ...(span ? { region: { startLine: span.line, startColumn: span.column, endLine: span.endLine, endColumn: span.endColumn } } : {}),
    },
  };
}

/** A relative path stays relative to `%SRCROOT%` (GitHub resolves it against the checkout). */
function artifact(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  const uri = file.split(/[\\/]/).filter((s) => s !== '' && s !== '.').map(encodeURIComponent).join('/');
  return { uri, uriBaseId: SOURCE_ROOT };
}
