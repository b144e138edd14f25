// Stage 2: check a loaded tenant file against schemas/tenant.schema.json (ajv) and the rules a
// schema cannot state. Returns the plain RawConfig plus E002/E003/E004/E006/E007/E009/E010.

import { isPlainObject as isObject } from '../dsl/values.ts';
import { severityOf } from './catalog.ts';
import { checkSemantics } from './check-declarations.ts';
import { checkTokens } from './check-tokens.ts';
import type { RawConfig, RawToken } from './config.ts';
import type { Diagnostic, FileSpan } from './diagnostic.ts';
import { deepFreeze } from './freeze.ts';
import { MAX_ALIAS_COUNT } from './load-yaml.ts';
import type { LoadedFile } from './load-yaml.ts';
import { describeFound, reportAjv } from './report-ajv.ts';
import { diag, has, type Ctx, type Json } from './shape-context.ts';
import { tenantSchema } from './tenant-schema.ts';
import { validateTenant as validate } from './tenant-validator.ts';
import { isKnownTimeZone } from './time-zones.ts';

/** Codes that mean the data does not have the schema's shape: no config is handed on. */
const structuralCodes = new Set(['E001', 'E002', 'E003', 'E004']);

/**
 * Checks the shape of a loaded tenant file (nothing is reported for a document with YAML errors:
 * parseYaml has reported them as E001). Invariants: one mistake gives one diagnostic,
 * at the smallest YAML node that shows it; token values are never echoed; `config` is present
 * whenever the structure matches the schema (E005, E006, E007, E009 and E010 leave it intact,
 * with plaintext tokens left out) so later stages can report their own problems, but a file
 * with any error must never be compiled into a serving plan.
 */
export function validateShape(loaded: LoadedFile): { config?: RawConfig; diagnostics: Diagnostic[] } {
  try {
    return validateShapeUnguarded(loaded);
  } catch (error) {
    // hostile input must give a diagnostic, never a crash of the linter or the server's reload
    const message = error instanceof RangeError ? 'the file is nested too deeply to read' : 'the file could not be checked';
    return { diagnostics: [{ code: 'E001', severity: severityOf('E001'), message, file: loaded.file, span: loaded.fileSpan(0, 0) }] };
  }
}

function validateShapeUnguarded(loaded: LoadedFile): { config?: RawConfig; diagnostics: Diagnostic[] } {
  const ctx: Ctx = { loaded, out: [] };
  if (loaded.doc.errors.length > 0) return { diagnostics: [] };

  let data: Json;
  try {
    data = loaded.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof RangeError) {
      diag(ctx, 'E001', 'the file is nested too deeply to read', loaded.fileSpan(0, 0), { help: 'a tenant file needs only a few levels of nesting' });
      return { diagnostics: ctx.out };
    }
    let aliasSpan: FileSpan | undefined;
    const m = /\*[^\s,\]}]+/.exec(loaded.text);
    if (m) aliasSpan = loaded.fileSpan(m.index, m.index + m[0].length);
    diag(ctx, 'E001', `the file expands more than ${MAX_ALIAS_COUNT} aliases`, aliasSpan ?? loaded.fileSpan(0, 0), {
      help: 'write the values out instead of repeating anchors through aliases',
    });
    return { diagnostics: ctx.out };
  }

  if (data === null || data === undefined) {
    diag(ctx, 'E004', 'the file is empty; expected a mapping with `tenant`, `tokens`, `key` and `profile`', loaded.fileSpan(0, 0), {
      help: 'start from a file in examples/valid/',
    });
    return { diagnostics: ctx.out };
  }
  if (!isObject(data)) {
    diag(ctx, 'E004', `expected a mapping at the top of the file, found ${describeFound(data)}`, loaded.spanAt([]) ?? loaded.fileSpan(0, 0), {
      help: 'a tenant file is a mapping with `tenant`, `tokens`, `key` and `profile`',
    });
    return { diagnostics: ctx.out };
  }

  const suppressed: string[] = [];
  checkTokens(ctx, data, suppressed);
  const valid = validate(data);
  if (!valid) reportAjv(ctx, data, validate.errors ?? [], suppressed);
  checkSemantics(ctx, data);

  const diagnostics = dedupe(ctx.out);
  const tokens = Array.isArray(data.tokens) ? data.tokens.filter((t): t is RawToken => isObject(t) && !has(t, 'token')) : [];
  // only the schema's keys: nothing unknown (a stray `token:` secret) travels further
  const config: Record<string, unknown> = {};
  for (const key of Object.keys((tenantSchema.properties ?? {}) as object)) {
    if (has(data, key)) config[key] = data[key];
  }
  config.tokens = tokens;
  // With shape errors, later stages still check the parts that are well-formed, so that one
  // wrong type does not hide the expression mistakes; no plan is compiled from such a file.
  if (diagnostics.some((d) => structuralCodes.has(d.code))) keepUsableParts(config);
  return { config: deepFreeze(config as unknown as RawConfig), diagnostics };
}

/** Drops the sections that later stages cannot read; arrays keep their indexes (YAML paths). */
function keepUsableParts(config: Record<string, unknown>): void {
  const isText = (v: unknown): v is string => typeof v === 'string';
  if (!isText(config.tenant)) delete config.tenant;
  if (!isText(config.key)) delete config.key;
  if (!isText(config.timezone) || !isKnownTimeZone(config.timezone)) delete config.timezone;
  if (config.onDelete !== 'keep' && config.onDelete !== 'deactivate') delete config.onDelete;
  const profile = config.profile;
  config.profile = isObject(profile) ? Object.fromEntries(Object.entries(profile).filter(([k, v]) => /^[A-Za-z][A-Za-z0-9_]*$/.test(k) && isText(v))) : {};
  const deactivate = config.deactivate;
  if (isObject(deactivate) && isText(deactivate.when)) {
    config.deactivate = { when: deactivate.when, ...(typeof deactivate.reactivate === 'boolean' ? { reactivate: deactivate.reactivate } : {}) };
  } else {
    delete config.deactivate;
  }
  if (!Array.isArray(config.groups)) delete config.groups;
  if (!Array.isArray(config.tests)) delete config.tests;
  if (!Array.isArray(config.feeds)) delete config.feeds;
  // A column that is not a name (`[a, b:, c]` holds a mapping) is already reported; the feed's
  // expressions are checked against the columns that are names.
  else config.feeds = config.feeds.map((f) => (isObject(f) && has(f, 'columns') ? { ...f, columns: Array.isArray(f.columns) ? f.columns.filter(isText) : [] } : f));
  config.schemas = Array.isArray(config.schemas)
    ? config.schemas.filter((x) => isObject(x) && isText(x.urn) && isObject(x.attributes) && Object.values(x.attributes).every(isText))
    : [];
}

function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const key = `${d.code}:${d.span?.start ?? -1}:${d.span?.end ?? -1}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => (a.span?.start ?? -1) - (b.span?.start ?? -1));
}
