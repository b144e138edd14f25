// Stage 2, schema part: ajv's errors against schemas/tenant.schema.json -> one E002/E003/E004/
// E007/E010 diagnostic per mistake, at the smallest YAML node that shows it, with a fix in help.

import type { ErrorObject } from 'ajv';
import { isScalar } from 'yaml';
import { didYouMean, suggest } from '../dsl/suggest.ts';
import { isPlainObject as isObject } from '../dsl/values.ts';
import { TENANT_ID_PATTERN } from './config.ts';
import type { LoadedFile, YamlPath } from './load-yaml.ts';
import { diag, displayPath, has, mappingSpan, valueSpan, type Ctx, type Json } from './shape-context.ts';

export function describeFound(v: Json): string {
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

function isSuppressed(pointer: string, suppressed: readonly string[]): boolean {
  return suppressed.some((p) => pointer === p || pointer.startsWith(`${p}/`));
}

export function reportAjv(ctx: Ctx, data: Record<string, unknown>, errors: readonly ErrorObject[], suppressed: string[]): void {
  const { loaded } = ctx;
  // oneOf/anyOf: one message for the value, none from the branches
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const inAlternative = (e: ErrorObject): boolean =>
    alternatives.some((a) => a !== e && e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath));
  // a wrong type says it all: drop the other complaints about the same value (a branch's
  // type is not the value's: `25` or `"10%"` fails one branch by type and is still one mistake)
  const typed = new Set(errors.filter((e) => e.keyword === 'type' && !inAlternative(e)).map((e) => e.instancePath));
  // a misspelt required key is one mistake: the unknown key's did-you-mean covers the missing one
  const unknownKeys = errors
    .filter((e) => e.keyword === 'additionalProperties')
    .map((e) => ({ at: e.instancePath, key: String((e.params as { additionalProperty: string }).additionalProperty) }));
  const misspelt = (at: string, missing: string): boolean =>
    unknownKeys.some((u) => u.at === at && (u.key.toLowerCase() === missing.toLowerCase() || suggest(u.key, [missing]).length > 0));
  for (const e of errors) {
    if (isSuppressed(e.instancePath, suppressed) || e.keyword === 'propertyNames') continue;
    if (e.keyword === 'additionalProperties' && suppressed.includes(`${e.instancePath}\u0000${String((e.params as { additionalProperty: string }).additionalProperty)}`)) continue;
    if (inAlternative(e)) continue;
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
