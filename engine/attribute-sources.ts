// Engine: which source wins an attribute (docs/sso.md "Which source wins"). Pure: the stored
// resource and the source of each of its attributes, the resource a write brings and its
// source, and the tenant's `sso.prefer` -> the resource the write stores and the new sources.

import type { Expr } from '../dsl/ast.ts';
import type { Analysis } from '../dsl/check.ts';
import type { ResolvedPath } from '../dsl/resolve.ts';
import { children } from '../dsl/walk.ts';
import { isPlainObject } from '../dsl/values.ts';
import { sameJson } from './same-json.ts';
import type { PreferredSide, Preferences } from './plan.ts';

/** Who wrote an attribute: a SCIM request, a login, or the import of the feed `<name>`. */
export type AttributeSource = 'scim' | 'login' | `feed:${string}`;

/** The source of an attribute's stored value and when that write happened (ISO 8601). */
export interface SourceRecord {
  readonly source: AttributeSource;
  readonly at: string;
}

/**
 * Per attribute path (a core attribute `title`, `name`; an extension attribute
 * `urn:...:enterprise:2.0:User:department`), the source of its stored value. An attribute
 * without an entry has an unknown source (stored before migration 0014).
 */
export type AttributeSources = Readonly<Record<string, SourceRecord>>;

export const sideOf = (source: AttributeSource): PreferredSide => (source === 'login' ? 'login' : 'scim');

/** The attribute path of a resolved path: its top-level attribute, or `urn:attribute` in an extension. */
const attributePathOf = (resolved: ResolvedPath): string => {
  const name = resolved.steps[0]!.name;
  return resolved.urn !== undefined ? `${resolved.urn}:${name}` : name;
};

/** The attribute paths an expression reads (a value-path filter's own paths are inside its attribute). */
export function readPaths(expr: Expr, analysis: Analysis, into = new Set<string>()): Set<string> {
  if (expr.kind === 'Path') {
    const resolved = analysis.paths.get(expr);
    if (resolved) into.add(attributePathOf(resolved));
    return into;
  }
  for (const child of children(expr)) readPaths(child, analysis, into);
  return into;
}

/**
 * `prefer:` (profile field -> `scim` | `login` | `latest`) and the paths each field's mapping
 * reads -> the paths a side protects. A path read by fields that prefer different sides is
 * protected by neither (the most recent value wins, as with `latest`).
 */
export function compilePreferences(
  prefer: Readonly<Record<string, string>>,
  profile: readonly { readonly field: string; readonly expr?: Expr; readonly analysis?: Analysis | undefined }[],
): Preferences {
  const sides = new Map<string, Set<PreferredSide>>();
  for (const { field, expr, analysis } of profile) {
    const side = prefer[field];
    if ((side !== 'scim' && side !== 'login') || !expr || !analysis) continue;
    for (const path of readPaths(expr, analysis)) {
      const key = path.toLowerCase();
      sides.set(key, (sides.get(key) ?? new Set()).add(side));
    }
  }
  const out: Record<string, PreferredSide> = {};
  for (const [path, set] of sides) if (set.size === 1) out[path] = [...set][0]!;
  return Object.freeze(out);
}

/** Keys of a user resource that are no attribute values of the user. */
const NOT_ATTRIBUTES = new Set(['schemas', 'id', 'meta', 'groups', 'password']);

const hasValue = (v: unknown): boolean =>
  v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(isPlainObject(v) && Object.keys(v).length === 0);

/** The attribute paths of a resource that hold a value, with the value. */
function attributeValues(resource: Readonly<Record<string, unknown>>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const key of Object.keys(resource)) {
    const value = resource[key];
    const lower = key.toLowerCase();
    if (NOT_ATTRIBUTES.has(lower)) continue;
    if (lower.startsWith('urn:')) {
      if (isPlainObject(value)) for (const [name, v] of Object.entries(value)) if (hasValue(v)) out.set(`${key}:${name}`, v);
    } else if (hasValue(value)) {
      out.set(key, value);
    }
  }
  return out;
}

/** Writes (or, for undefined, removes) one attribute path's value in `resource` (a copy of the write's). */
function setAttribute(resource: Record<string, unknown>, path: string, value: unknown): void {
  const split = path.toLowerCase().startsWith('urn:') ? path.lastIndexOf(':') : -1;
  const [holder, name] = split < 0 ? [resource, path] : [extensionOf(resource, path.slice(0, split)), path.slice(split + 1)];
  if (value === undefined) delete holder[name];
  else holder[name] = structuredClone(value);
}

function extensionOf(resource: Record<string, unknown>, urn: string): Record<string, unknown> {
  const existing = Object.keys(resource).find((k) => k.toLowerCase() === urn.toLowerCase());
  const copy = existing !== undefined && isPlainObject(resource[existing]) ? { ...(resource[existing] as Record<string, unknown>) } : {};
  resource[existing ?? urn] = copy;
  return copy;
}

export interface SourcedWrite {
  /** The resource to store: the write's, with every protected attribute as stored. */
  readonly resource: Record<string, unknown>;
  readonly sources: AttributeSources;
  /** Attribute paths whose stored value was kept against the write (names only, for events and logs). */
  readonly kept: readonly string[];
}

/**
 * What a write keeps. Per attribute path:
 * - protected: `prefer` names a side for it, its stored value came from that side, and the write
 *   comes from the other one: the stored value and its source stay (a change or a removal is
 *   ignored);
 * - else the write's value is stored; its source becomes the write's, at `now`, when the value is
 *   new or changed; an unchanged value keeps the source it had (unknown stays unknown); a removed
 *   value has no source.
 * `stored` undefined is a new account (or a re-linked one, written as new).
 */
export function decideSources(input: {
  readonly preferences: Preferences;
  readonly stored?: { readonly resource: Readonly<Record<string, unknown>>; readonly sources: AttributeSources | null };
  readonly incoming: Readonly<Record<string, unknown>>;
  readonly source: AttributeSource;
  readonly now: Date;
}): SourcedWrite {
  const { preferences, stored, incoming, source } = input;
  const at = input.now.toISOString();
  const before = attributeValues(stored?.resource ?? {});
  const after = attributeValues(incoming);
  const resource = { ...incoming };
  const sources: Record<string, SourceRecord> = {};
  const kept: string[] = [];
  const decide = (path: string): void => {
    const old = before.get(path);
    const next = after.get(path);
    const record = stored?.sources?.[path];
    const same = old !== undefined && next !== undefined && sameJson(old, next);
    const side = old !== undefined && record ? preferences[path.toLowerCase()] : undefined;
    if (old !== undefined && record && side !== undefined && sideOf(record.source) === side && sideOf(source) !== side) {
      if (!same) {
        setAttribute(resource, path, old);
        kept.push(path);
      }
      sources[path] = record;
    } else if (next === undefined) {
      return;
    } else if (same) {
      if (record) sources[path] = record;
    } else {
      sources[path] = { source, at };
    }
  };
  // Every path once, stored ones first (the order of `kept` and `sources`).
  for (const path of before.keys()) decide(path);
  for (const path of after.keys()) if (!before.has(path)) decide(path);
  return { resource, sources, kept };
}
