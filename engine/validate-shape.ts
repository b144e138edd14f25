// Stage 2: check a loaded tenant file against schemas/tenant.schema.json (ajv) and the rules a
// schema cannot state. Returns the plain RawConfig plus E002/E003/E004/E006/E007/E009/E010.

import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import type { ErrorObject } from 'ajv';
import { isMap, isScalar } from 'yaml';
import type { Node } from 'yaml';
import type { Diagnostic, FileSpan, Label } from './diagnostic.ts';
import { severityOf } from './catalog.ts';
import type { Code } from './catalog.ts';
import { MAX_ALIAS_COUNT } from './load-yaml.ts';
import type { LoadedFile, YamlPath } from './load-yaml.ts';
import { CORE_USER_URN, ENTERPRISE_URN, GROUP_URN, SCIMPLAN_URN, coreUserAttributes, declarableTypes } from './scim-schemas.ts';
import { didYouMean, suggest } from '../dsl/suggest.ts';

export type RawToken = { readonly sha256: string } | { readonly env: string };

export interface RawExtensionSchema {
  readonly urn: string;
  readonly alias?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface RawGroupRule {
  readonly group: string;
  readonly when: string;
}

export interface RawTestCase {
  readonly name: string;
  readonly now?: string;
  readonly user: Readonly<Record<string, unknown>>;
  readonly expect: {
    readonly deactivated?: boolean;
    readonly groups?: readonly string[];
    readonly profile?: Readonly<Record<string, unknown>>;
    readonly key?: unknown;
  };
}

/**
 * A tenant file as plain data, shaped as schemas/tenant.schema.json says. Expressions are still
 * strings here; `parseExpressions` finds their positions through `LoadedFile.expressionAt`
 * with the same paths (`['profile', field]`, `['deactivate', 'when']`, `['groups', i, 'when']`, `['key']`).
 */
export interface RawConfig {
  readonly tenant: string;
  readonly tokens: readonly RawToken[];
  readonly timezone?: string;
  readonly key: string;
  readonly schemas?: readonly RawExtensionSchema[];
  readonly profile: Readonly<Record<string, string>>;
  readonly deactivate?: { readonly when: string; readonly reactivate?: boolean };
  readonly onDelete?: 'keep' | 'deactivate';
  readonly applyOnChange?: 'next-sync' | 'now';
  readonly safety?: { readonly maxDeactivations?: number; readonly per?: string };
  readonly groups?: readonly RawGroupRule[];
  readonly tests?: readonly RawTestCase[];
}

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

const tenantSchema = JSON.parse(readFileSync(new URL('../schemas/tenant.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validate = ajv.compile(tenantSchema);

/** Codes that mean the data does not have the schema's shape: no config is handed on. */
const structuralCodes = new Set(['E001', 'E002', 'E003', 'E004']);

type Json = unknown;

interface Ctx {
  readonly loaded: LoadedFile;
  readonly out: Diagnostic[];
}

function diag(
  ctx: Ctx,
  code: Code,
  message: string,
  span: FileSpan | undefined,
  extra: { help?: string; labels?: Label[]; notes?: string[]; redact?: FileSpan } = {},
): void {
  ctx.out.push({
    code,
    severity: severityOf(code),
    message,
    file: ctx.loaded.file,
    ...(span ? { span } : {}),
    ...(extra.labels && extra.labels.length > 0 ? { labels: extra.labels } : {}),
    ...(extra.notes ? { notes: extra.notes } : {}),
    ...(extra.help ? { help: extra.help } : {}),
    ...(extra.redact ? { redact: [{ start: extra.redact.start, end: extra.redact.end }] } : {}),
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function describeFound(v: Json): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return 'a number';
  return 'a string';
}

const expectedNames: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  boolean: '`true` or `false`',
  integer: 'a whole number',
  number: 'a number',
  null: 'nothing',
};

/** Dotted display of a path: `groups[0].when`. */
export function displayPath(path: YamlPath): string {
  let s = '';
  for (const step of path) s += typeof step === 'number' ? `[${step}]` : s === '' ? step : `.${step}`;
  return s;
}

/** Paths whose strings are expressions: profile values, `key`, the `when`s. */
function isExpressionPath(path: YamlPath): boolean {
  if (path.length === 1 && path[0] === 'key') return true;
  if (path.length === 2 && path[0] === 'profile') return true;
  if (path.length === 2 && path[0] === 'deactivate' && path[1] === 'when') return true;
  if (path.length === 3 && path[0] === 'groups' && path[2] === 'when') return true;
  return false;
}

function valueAt(data: Json, path: YamlPath): Json {
  let v: Json = data;
  for (const step of path) {
    if (Array.isArray(v) && typeof step === 'number') v = v[step];
    else if (isObject(v) && has(v, String(step))) v = v[String(step)];
    else return undefined;
  }
  return v;
}

function pointerToPath(pointer: string, data: Json): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let v: Json = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(v) && /^\d+$/.test(seg)) {
      path.push(Number(seg));
      v = v[Number(seg)];
    } else {
      path.push(seg);
      v = isObject(v) && has(v, seg) ? v[seg] : undefined;
    }
  }
  return path;
}

/** The span of a value; for `key:` with nothing after it, the key (an empty value has no width). */
function valueSpan(loaded: LoadedFile, path: YamlPath): FileSpan | undefined {
  const span = loaded.spanAt(path, 'value');
  if (span && span.end > span.start) return span;
  return (path.length > 0 ? loaded.spanAt(path, 'key') : undefined) ?? span;
}

/** Where to point for a mapping that lacks a key: its first key, else the mapping itself. */
function mappingSpan(loaded: LoadedFile, path: YamlPath): FileSpan | undefined {
  const node = loaded.nodeAt(path);
  if (isMap(node) && node.items.length > 0) {
    const k = node.items[0]!.key as Node | null;
    if (k?.range) return loaded.fileSpan(k.range[0], k.range[1]);
  }
  if (path.length > 0) return loaded.spanAt(path, 'key') ?? loaded.spanAt(path);
  return loaded.spanAt(path) ?? loaded.fileSpan(0, 0);
}

function sourceOf(loaded: LoadedFile, path: YamlPath): string | undefined {
  const node = loaded.nodeAt(path);
  if (!isScalar(node) || !node.range) return undefined;
  const text = loaded.text.slice(node.range[0], node.range[1]);
  return text.includes('\n') ? undefined : text;
}

function quoteHelp(loaded: LoadedFile, path: YamlPath): string | undefined {
  const src = sourceOf(loaded, path);
  const key = path[path.length - 1];
  if (src === undefined || typeof key !== 'string') return 'quote it to make it a string';
  return `quote it: \`${key}: ${JSON.stringify(src)}\``;
}

/** A tenant id a consultant probably meant: lowercase, hyphens for anything else. */
export function suggestTenantId(id: string): string {
  return id
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

function suggestFieldName(name: string): string {
  const parts = name.replace(/[^A-Za-z0-9]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  const camel = parts.map((p, i) => (i === 0 ? p[0]!.toLowerCase() + p.slice(1) : p[0]!.toUpperCase() + p.slice(1))).join('');
  return camel.replace(/^[^A-Za-z]+/, '');
}

let zones: { set: Set<string>; lower: Map<string, string>; list: string[] } | undefined;
function timeZones(): { set: Set<string>; lower: Map<string, string>; list: string[] } {
  if (!zones) {
    const list = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC'];
    zones = { set: new Set(list), lower: new Map(list.map((z) => [z.toLowerCase(), z])), list };
  }
  return zones;
}

/** Whether `tz` names an IANA zone (canonical, or a link such as `Asia/Calcutta` that ICU knows). */
export function isKnownTimeZone(tz: string): boolean {
  const z = timeZones();
  if (z.set.has(tz)) return true;
  if (z.lower.has(tz.toLowerCase())) return false; // right zone, wrong case
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return /^[A-Za-z]/.test(tz);
  } catch {
    return false;
  }
}

function timeZoneHelp(tz: string): string {
  const z = timeZones();
  const exact = z.lower.get(tz.toLowerCase());
  if (exact) return `write \`${exact}\``;
  const near = didYouMean(tz, z.list);
  if (near) return near;
  const city = tz.toLowerCase().replace(/\s+/g, '_');
  const byCity = z.list.filter((zone) => zone.toLowerCase().split('/').pop() === city);
  if (byCity.length > 0) return didYouMeanList(byCity);
  const nearCity = z.list.filter((zone) => suggest(city, [zone.split('/').pop()!]).length > 0);
  if (nearCity.length > 0 && nearCity.length <= 4) return didYouMeanList(nearCity);
  return 'use an IANA time zone name such as `Europe/Amsterdam` or `UTC`';
}

function didYouMeanList(names: readonly string[]): string {
  const near = names.slice(0, 4).map((n) => `\`${n}\``);
  const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`;
  return `did you mean ${list}?`;
}

const missingHelp: Record<string, string> = {
  tenant: 'add `tenant: <id>`, the URL segment of this tenant (lowercase letters, digits and hyphens)',
  tokens: 'add `tokens:` with `- sha256: <hex>` (run `scimplan token`) or `- env: <VARIABLE>`',
  key: 'add `key: externalId`, the attribute that identifies a user and never changes',
  profile: 'add `profile:` mapping profile fields to expressions, e.g. `email: userName`',
  when: 'add `when:` with a condition',
  group: 'add `group:` with the group name',
  urn: 'add `urn:` with the schema URN, e.g. `urn:ietf:params:scim:schemas:extension:acme:2.0:User`',
  attributes: 'add `attributes:` mapping attribute names to types, e.g. `costCenter: string`',
  name: 'add `name:` saying what the case shows',
  user: 'add `user:` with the SCIM user the case sends',
  expect: 'add `expect:` with what the plan must decide, e.g. `{ deactivated: false }`',
};

function where(path: YamlPath): string {
  return path.length === 0 ? '' : ` in \`${displayPath(path)}\``;
}

function envName(tenant: unknown): string {
  if (typeof tenant === 'string' && TENANT_ID_PATTERN.test(tenant)) return `${tenant.toUpperCase().replace(/-/g, '_')}_SCIM_TOKEN`;
  return 'ACME_SCIM_TOKEN';
}

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
  config.schemas = Array.isArray(config.schemas)
    ? config.schemas.filter((x) => isObject(x) && isText(x.urn) && isObject(x.attributes) && Object.values(x.attributes).every(isText))
    : [];
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function checkTokens(ctx: Ctx, data: Record<string, unknown>, suppressed: string[]): void {
  const tokens = data.tokens;
  const help = `store its hash: run \`scimplan token\` and write \`- sha256: <hex>\`, or read it from the environment: \`- env: ${envName(data.tenant)}\``;
  // `token: <secret>` at the top, or `tokens: <secret>` without a list, is a secret too
  if (has(data, 'token') && (typeof data.token === 'string' || typeof data.token === 'number')) {
    diag(ctx, 'E006', 'plaintext token in a tenant file', ctx.loaded.spanAt(['token'], 'key'), { help, redact: ctx.loaded.spanAt(['token']) });
    suppressed.push('\u0000token');
  }
  if (typeof tokens === 'string' || typeof tokens === 'number') {
    diag(ctx, 'E006', 'plaintext token in a tenant file', valueSpan(ctx.loaded, ['tokens']), { help, redact: ctx.loaded.spanAt(['tokens']) });
    suppressed.push('/tokens');
  }
  if (!Array.isArray(tokens)) return;
  tokens.forEach((item, i) => {
    if (typeof item === 'string' || typeof item === 'number') {
      diag(ctx, 'E006', 'plaintext token in a tenant file', valueSpan(ctx.loaded, ['tokens', i]), { help, redact: ctx.loaded.spanAt(['tokens', i]) });
      suppressed.push(`/tokens/${i}`);
    } else if (isObject(item) && has(item, 'token')) {
      diag(ctx, 'E006', 'plaintext token in a tenant file', ctx.loaded.spanAt(['tokens', i, 'token'], 'key'), { help, redact: ctx.loaded.spanAt(['tokens', i, 'token']) });
      suppressed.push(`/tokens/${i}`);
    }
  });
}

function isSuppressed(pointer: string, suppressed: readonly string[]): boolean {
  return suppressed.some((p) => pointer === p || pointer.startsWith(`${p}/`));
}

function reportAjv(ctx: Ctx, data: Record<string, unknown>, errors: readonly ErrorObject[], suppressed: string[]): void {
  const { loaded } = ctx;
  // a wrong type says it all: drop the other complaints about the same value
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  // oneOf/anyOf: one message for the value, none from the branches
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // a misspelt required key is one mistake: the unknown key's did-you-mean covers the missing one
  const unknownKeys = errors
    .filter((e) => e.keyword === 'additionalProperties')
    .map((e) => ({ at: e.instancePath, key: String((e.params as { additionalProperty: string }).additionalProperty) }));
  const misspelt = (at: string, missing: string): boolean =>
    unknownKeys.some((u) => u.at === at && (u.key.toLowerCase() === missing.toLowerCase() || suggest(u.key, [missing]).length > 0));
  for (const e of errors) {
    if (isSuppressed(e.instancePath, suppressed) || e.keyword === 'propertyNames') continue;
    if (e.keyword === 'additionalProperties' && suppressed.includes(`${e.instancePath}\u0000${String((e.params as { additionalProperty: string }).additionalProperty)}`)) continue;
    const inBranch = alternatives.some((a) => a !== e && e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath));
    if (inBranch) continue;
    if (e.keyword !== 'type' && typed.has(e.instancePath) && e.propertyName === undefined) continue;
    const path = pointerToPath(e.instancePath, data);
    const value = valueAt(data, path);
    const parentSchema = (e.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };

    if (e.propertyName !== undefined) {
      // a key that breaks `propertyNames`
      const name = e.propertyName;
      const span = loaded.spanAt([...path, name], 'key');
      if (path[0] === 'profile') {
        const better = suggestFieldName(name);
        diag(ctx, 'E004', `invalid profile field name \`${name}\``, span, {
          help: better && better !== name ? `start with a letter and use only letters, digits and \`_\`, e.g. \`${better}\`` : 'start with a letter and use only letters, digits and `_`',
        });
      } else {
        diag(ctx, 'E010', `invalid attribute name \`${name}\``, span, {
          help: 'SCIM attribute names start with a letter and use only letters, digits, `_` and `-`',
        });
      }
      continue;
    }

    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = Object.keys(parentSchema.properties ?? {});
        const sameButCase = allowed.find((k) => k.toLowerCase() === key.toLowerCase());
        const help = (sameButCase ? `keys are case-sensitive: write \`${sameButCase}\`` : undefined)
          ?? didYouMean(key, allowed) ?? (allowed.length > 0 ? `allowed keys${where(path)}: ${allowed.map((k) => `\`${k}\``).join(', ')}` : undefined);
        diag(ctx, 'E002', `unknown key \`${key}\`${where(path)}`, loaded.spanAt([...path, key], 'key'), help ? { help } : {});
        break;
      }
      case 'required': {
        const key = String((e.params as { missingProperty: string }).missingProperty);
        if (misspelt(e.instancePath, key)) break;
        const help = missingHelp[key];
        diag(ctx, 'E003', `missing key \`${key}\`${where(path)}`, mappingSpan(loaded, path), help ? { help } : {});
        break;
      }
      case 'type': {
        const expected = String((e.params as { type: string }).type);
        const span = valueSpan(loaded, path);
        if (isExpressionPath(path)) {
          const help = value === null || value === undefined ? 'write an expression after the colon' : quoteHelp(loaded, path);
          diag(ctx, 'E004', `expected an expression (a string), found ${describeFound(value)}`, span, help ? { help } : {});
        } else if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
          diag(ctx, 'E004', `expected a string for \`${displayPath(path)}\`, found ${describeFound(value)}`, span, { help: quoteHelp(loaded, path) ?? 'quote it' });
        } else if (expected === 'boolean' && typeof value === 'string' && /^(true|false|yes|no|on|off)$/i.test(value)) {
          const want = /^(true|yes|on)$/i.test(value) ? 'true' : 'false';
          const node = loaded.nodeAt(path);
          const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
          diag(ctx, 'E004', `expected \`true\` or \`false\`, found a string`, span, {
            help: quoted ? `write \`${want}\` without quotes` : `YAML 1.2 reads \`${value}\` as a string; write \`${want}\``,
          });
        } else {
          const what = expectedNames[expected] ?? expected;
          const help = expected === 'array' && isObject(value)
            ? 'start each item with `- `'
            : path.length === 1 && path[0] === 'deactivate' && typeof value === 'string'
              ? 'put the condition under `when:`, e.g. `deactivate: { when: active eq false }`'
              : undefined;
          diag(ctx, 'E004', `expected ${what}${path.length > 0 ? ` for \`${displayPath(path)}\`` : ''}, found ${describeFound(value)}`, span, help ? { help } : {});
        }
        break;
      }
      case 'enum': {
        const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
        const list = allowed.map((a) => `\`${a}\``).join(' or ');
        const near = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
        diag(ctx, 'E004', `expected ${list} for \`${displayPath(path)}\``, valueSpan(loaded, path), near ? { help: near } : {});
        break;
      }
      case 'pattern':
        reportPattern(ctx, path, value);
        break;
      case 'minItems':
        diag(ctx, 'E004', `\`${displayPath(path)}\` needs at least one item`, valueSpan(loaded, path),
          path[0] === 'tokens' ? { help: 'add `- sha256: <hex>` (run `scimplan token`) or `- env: <VARIABLE>`' } : {});
        break;
      case 'minProperties':
      case 'maxProperties':
        if (path[0] === 'tokens') {
          diag(ctx, 'E004', 'a token needs exactly one of `sha256` or `env`', valueSpan(loaded, path), {
            help: 'write each token as its own item: `- sha256: <hex>` or `- env: <VARIABLE>`',
          });
        } else diag(ctx, 'E004', `wrong number of keys in \`${displayPath(path)}\``, valueSpan(loaded, path));
        break;
      case 'minLength':
        diag(ctx, 'E004', `\`${displayPath(path)}\` cannot be empty`, valueSpan(loaded, path));
        break;
      case 'oneOf':
      case 'anyOf':
        diag(ctx, 'E004', `expected ${parentSchema.description ? lowerFirst(parentSchema.description) : 'a different value'}${path.length > 0 ? ` for \`${displayPath(path)}\`` : ''}`, valueSpan(loaded, path));
        break;
      default:
        diag(ctx, 'E004', `${lowerFirst(e.message ?? 'invalid value').replace(/\.$/, '')}${path.length > 0 ? ` for \`${displayPath(path)}\`` : ''}`, valueSpan(loaded, path));
    }
  }
}

function lowerFirst(s: string): string {
  const t = s.replace(/\.$/, '');
  return t.length > 0 ? t[0]!.toLowerCase() + t.slice(1) : t;
}

function reportPattern(ctx: Ctx, path: YamlPath, value: Json): void {
  const span = valueSpan(ctx.loaded, path);
  const last = path[path.length - 1];
  if (path.length === 1 && path[0] === 'tenant') {
    const id = String(value);
    const better = suggestTenantId(id);
    diag(ctx, 'E007', `tenant id \`${id}\` cannot be a URL segment`, span, {
      help: better && TENANT_ID_PATTERN.test(better)
        ? `use lowercase letters, digits and hyphens, e.g. \`tenant: ${better}\``
        : 'use lowercase letters, digits and hyphens (at most 63), starting with a letter or digit',
    });
  } else if (last === 'sha256') {
    const n = typeof value === 'string' ? value.length : 0;
    diag(ctx, 'E004', `\`sha256\` must be 64 hex characters, found ${n} characters${typeof value === 'string' && /[^0-9a-fA-F]/.test(value) ? ' with non-hex ones' : ''}`, span, {
      help: 'write the sha256 of the token in hex, as `scimplan token` prints it',
    });
  } else if (last === 'env') {
    diag(ctx, 'E004', 'expected an environment variable name for `env`', span, {
      help: 'use letters, digits and `_`, not starting with a digit, e.g. `ACME_SCIM_TOKEN`',
    });
  } else if (last === 'alias') {
    diag(ctx, 'E010', `alias \`${String(value)}\` is not a name`, span, {
      help: 'start with a letter and use only letters, digits and `_`, e.g. `acme`',
    });
  } else if (last === 'now') {
    diag(ctx, 'E004', 'expected an ISO 8601 date-time for `now`', span, { help: 'write it like `2026-05-01T09:00:00Z`' });
  } else if (last === 'per' && path[0] === 'safety') {
    diag(ctx, 'E004', 'expected a duration for `safety.per`', span, { help: 'write a whole number and a unit `s`, `m`, `h` or `d`, e.g. `30m`, `1h` or `1d`' });
  } else {
    diag(ctx, 'E004', `\`${displayPath(path)}\` does not have the expected form`, span);
  }
}

const builtinUrns = new Map([
  [CORE_USER_URN.toLowerCase(), 'the core User schema'],
  [ENTERPRISE_URN.toLowerCase(), 'the enterprise extension (alias `enterprise`)'],
  [GROUP_URN.toLowerCase(), 'the core Group schema'],
  [SCIMPLAN_URN.toLowerCase(), "scimplan's own read-only extension"],
]);

function checkSemantics(ctx: Ctx, data: Record<string, unknown>): void {
  const { loaded } = ctx;
  if (typeof data.timezone === 'string' && !isKnownTimeZone(data.timezone)) {
    diag(ctx, 'E009', `unknown time zone \`${data.timezone}\``, valueSpan(loaded, ['timezone']), { help: timeZoneHelp(data.timezone) });
  }
  if (!Array.isArray(data.schemas)) return;
  const coreNames = new Map(coreUserAttributes.map((a) => [a.name.toLowerCase(), a.name]));
  const urns = new Map<string, number>();
  const aliases = new Map<string, number>();
  data.schemas.forEach((ext, i) => {
    if (!isObject(ext)) return;
    if (typeof ext.urn === 'string') {
      const span = valueSpan(loaded, ['schemas', i, 'urn']);
      const lower = ext.urn.toLowerCase();
      if (!lower.startsWith('urn:')) {
        diag(ctx, 'E010', 'an extension schema id must be a URN starting with `urn:`', span, {
          help: 'write it like `urn:ietf:params:scim:schemas:extension:acme:2.0:User`, as the directory sends it',
        });
      } else if (builtinUrns.has(lower)) {
        diag(ctx, 'E010', `\`${ext.urn}\` is ${builtinUrns.get(lower)}, which is built in`, span, { help: 'remove this entry' });
      } else if (urns.has(lower)) {
        const first = valueSpan(loaded, ['schemas', urns.get(lower)!, 'urn']);
        diag(ctx, 'E010', `extension \`${ext.urn}\` is declared twice`, span, {
          labels: first ? [{ span: first, message: 'first declared here' }] : [],
          help: 'merge the attributes into one entry',
        });
      } else urns.set(lower, i);
    }
    if (typeof ext.alias === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(ext.alias)) {
      const span = valueSpan(loaded, ['schemas', i, 'alias']);
      const lower = ext.alias.toLowerCase();
      if (lower === 'enterprise') {
        diag(ctx, 'E010', 'alias `enterprise` is taken by the enterprise extension', span, { help: 'choose another alias, e.g. the customer name' });
      } else if (coreNames.has(lower)) {
        diag(ctx, 'E010', `alias \`${ext.alias}\` clashes with the core attribute \`${coreNames.get(lower)}\``, span, {
          help: 'choose another alias, e.g. the customer name',
        });
      } else if (aliases.has(lower)) {
        const first = valueSpan(loaded, ['schemas', aliases.get(lower)!, 'alias']);
        diag(ctx, 'E010', `alias \`${ext.alias}\` is used by two extensions`, span, {
          labels: first ? [{ span: first, message: 'first used here' }] : [],
          help: 'give each extension its own alias',
        });
      } else aliases.set(lower, i);
    }
    if (isObject(ext.attributes)) {
      for (const [name, type] of Object.entries(ext.attributes)) {
        if (typeof type !== 'string' || (declarableTypes as readonly string[]).includes(type)) continue;
        const exact = declarableTypes.find((t) => t.toLowerCase() === type.toLowerCase());
        const all = declarableTypes.map((t) => `\`${t}\``).join(', ');
        const help = exact
          ? `write \`${exact}\``
          : type === 'complex'
            ? `declared attributes are single-valued simple types: ${all}`
            : didYouMean(type, declarableTypes) ?? `use one of ${all}`;
        diag(ctx, 'E010', `unknown attribute type \`${type}\` for \`${name}\``, valueSpan(loaded, ['schemas', i, 'attributes', name]), { help });
      }
    }
  });
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
