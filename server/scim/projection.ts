// Server: RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes` applied to one resource about to
// be returned; returns a new object, the resource untouched.

import { parseExpression } from '../../dsl/parse.ts';
import type { AttributeDef, Scope } from '../../dsl/types.ts';
import { isPlainObject as isObject } from '../../dsl/values.ts';
import { CORE_USER_URN, GROUP_URN } from '../../engine/scim-schemas.ts';
import { scimError } from '../errors.ts';
import { cloneJson, put, type JsonView } from './json.ts';
import { attributeNamed, findNamespace } from './schema-lookup.ts';
import { compileValueFilter, isValueFilter, type ElementTest } from './value-path-filter.ts';

export interface ProjectionParams {
  /** Comma-separated attribute paths to return (plus the always-returned ones). */
  readonly attributes?: string | undefined;
  /** Comma-separated attribute paths to leave out. */
  readonly excludedAttributes?: string | undefined;
}

interface Node {
  /** The whole attribute is named, without a filter: it wins over everything else. */
  whole: boolean;
  /** Value filters: only matching elements of a multi-valued attribute. */
  filters: ElementTest[];
  /** A filtered attribute is named without a sub-attribute: matching elements are kept whole. */
  filterWhole: boolean;
  def: AttributeDef | undefined;
  readonly children: Map<string, Node>;
}

function node(def: AttributeDef | undefined): Node {
  return { whole: false, filters: [], filterWhole: false, def, children: new Map() };
}

/** A projection compiled once for many resources (a list page): parameters parsed, filters compiled. */
export type Projection = (resource: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/**
 * The resource as the client asked to see it, following each attribute's RFC 7643 §2.2
 * `returned` in `scope` (the tenant's attribute model); `timezone` (the tenant's) is the zone of
 * date-times in value filters.
 *
 * - `returned: always` (`id`) is returned whatever the parameters say; `never` is never
 *   returned; `request` only when `attributes` names it; `default` unless a parameter leaves it
 *   out. `schemas` is always returned and lists the core schema and the extensions whose
 *   objects the answer holds, nothing else.
 * - `attributes`: only the named attributes plus the `always` ones (`meta` is `default`: named
 *   or left out); a sub-attribute (`name.givenName`) keeps only that part of its parent;
 *   `urn:...:User` keeps the whole extension, `urn:...:User:department` one attribute of it;
 *   `emails[type eq "work"]` keeps only the matching elements (`.value` after it: only their `value`).
 * - `excludedAttributes`: the named attributes or sub-attributes are left out, unless `always`.
 * - Names are case-insensitive; names the resource does not hold are ignored (RFC 7644 has no
 *   error for them). Both parameters together: `attributes` first, then `excludedAttributes`.
 * - A malformed list (a broken value filter): ScimError 400 invalidValue.
 */
export function project(resource: Readonly<Record<string, unknown>>, params: ProjectionParams, scope: Scope, timezone = 'UTC'): Record<string, unknown> {
  return projection(params, scope, timezone)(resource);
}

/** `project` with its parameters parsed once; the errors are project's, thrown here. */
export function projection(params: ProjectionParams, scope: Scope, timezone: string): Projection {
  const include = params.attributes?.trim() ? selection(params.attributes, 'attributes', scope, timezone) : undefined;
  const exclude = params.excludedAttributes?.trim() ? selection(params.excludedAttributes, 'excludedAttributes', scope, timezone) : undefined;
  const top = topLevel(scope);
  const view = defaultViewOf(top);
  return (resource) => {
    // The default view is applied while copying; `attributes` picks from a whole copy.
    const out = include ? keepOnly(cloneJson(resource) as Record<string, unknown>, include, top) : (cloneJson(resource, 0, view) as Record<string, unknown>);
    if (exclude) dropFrom(out, exclude, top);
    return withSchemasOf(out);
  };
}

/** The definitions of one object's members: its attributes, and (at the top) its extension namespaces. */
interface Members {
  readonly defs: readonly AttributeDef[] | undefined;
  readonly scope?: Scope;
}

const topLevel = (scope: Scope): Members => ({ defs: scope.attributes, scope });
const membersOf = (def: AttributeDef | undefined): Members => ({ defs: def?.subAttributes });

/** The member `key` of an object: its definition, or for an extension URN at the top, its namespace's attributes. */
function lookup(members: Members, key: string): { def: AttributeDef | undefined; inner: Members } {
  if (members.scope && key.toLowerCase().startsWith('urn:')) {
    const ns = findNamespace(members.scope, key);
    return { def: undefined, inner: { defs: ns?.attributes } };
  }
  const def = attributeNamed(members.defs, key);
  return { def, inner: membersOf(def) };
}

const returnedOf = (def: AttributeDef | undefined): NonNullable<AttributeDef['returned']> => def?.returned ?? 'default';

/**
 * What is returned when no parameter asks otherwise: every attribute but `never` and `request`
 * ones, at any depth. Compiled once per definitions list (and per scope at the top), each key's
 * step decided on its first sight; undefined when nothing below `members` is ever left out, so
 * that such values are copied whole without a look-up per key.
 */
function defaultViewOf(members: Members): JsonView | undefined {
  const owner: object | undefined = members.scope ?? members.defs;
  if (!owner) return undefined;
  const known = VIEWS.get(owner);
  if (known && known.defs === members.defs && known.length === (members.defs?.length ?? 0)) return known.view ?? undefined;
  const view = members.scope || dropsSomething(members.defs) ? new DefaultView(members) : null;
  VIEWS.set(owner, { defs: members.defs, length: members.defs?.length ?? 0, view });
  return view ?? undefined;
}

interface CompiledView {
  readonly defs: readonly AttributeDef[] | undefined;
  readonly length: number;
  readonly view: DefaultView | null;
}

/** Compiled views by owner: a scope for the top level, a definitions list below it (never the same object). */
const VIEWS = new WeakMap<object, CompiledView>();

/** Whether a `never` or `request` attribute is among `defs` or their sub-attributes. */
function dropsSomething(defs: readonly AttributeDef[] | undefined): boolean {
  return (defs ?? []).some((d) => returnedOf(d) === 'never' || returnedOf(d) === 'request' || dropsSomething(d.subAttributes));
}

/** Keys seen per view are remembered up to this many (stored keys are schema names: few). */
const MAX_REMEMBERED_KEYS = 256;

class DefaultView implements JsonView {
  readonly #members: Members;
  readonly #steps = new Map<string, JsonView | 'drop' | null>();

  constructor(members: Members) {
    this.#members = members;
  }

  member(key: string): JsonView | 'drop' | undefined {
    const known = this.#steps.get(key);
    if (known !== undefined) return known ?? undefined;
    const step = this.#step(key);
    if (this.#steps.size < MAX_REMEMBERED_KEYS) this.#steps.set(key, step ?? null);
    return step;
  }

  #step(key: string): JsonView | 'drop' | undefined {
    if (this.#members.scope && key === 'schemas') return undefined;
    const { def, inner } = lookup(this.#members, key);
    const returned = returnedOf(def);
    if (returned === 'never' || returned === 'request') return 'drop';
    return inner.defs?.length ? defaultViewOf(inner) : undefined;
  }
}

/** `schemas` lists the first (core) schema and the extension URNs the object still holds. */
function withSchemasOf(out: Record<string, unknown>): Record<string, unknown> {
  const schemas = out['schemas'];
  if (!Array.isArray(schemas)) return out;
  const keys = new Set(Object.keys(out).map((k) => k.toLowerCase()));
  put(out, 'schemas', schemas.filter((s, i) => i === 0 || (typeof s === 'string' && keys.has(s.toLowerCase()))));
  return out;
}

/**
 * Whether `project` with these parameters keeps any part of the top-level attribute `name`, so
 * that callers can skip loading it (a group's members). Errors as `project`.
 */
export function returnsAttribute(params: ProjectionParams, name: string, scope: Scope): boolean {
  const key = name.toLowerCase();
  const returned = returnedOf(attributeNamed(scope.attributes, name));
  if (returned === 'always') return true;
  if (returned === 'never') return false;
  if (params.attributes?.trim() && !selection(params.attributes, 'attributes', scope, 'UTC').has(key)) return false;
  if (returned === 'request' && !params.attributes?.trim()) return false;
  if (params.excludedAttributes?.trim() && selection(params.excludedAttributes, 'excludedAttributes', scope, 'UTC').get(key)?.whole) return false;
  return true;
}

/** Splits at commas outside brackets and quotes: `emails[value eq "a,b"]` stays whole. */
function splitList(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function selection(text: string, param: string, scope: Scope, timezone: string): Map<string, Node> {
  const root = new Map<string, Node>();
  const items = splitList(text);
  if (items.length > 200) throw scimError('ATTRIBUTES_TOO_MANY', { param });
  for (const item of items) addItem(root, item, param, scope, timezone);
  return root;
}

function child(map: Map<string, Node>, name: string, def: AttributeDef | undefined): Node {
  const key = name.toLowerCase();
  let n = map.get(key);
  if (!n) {
    n = node(def);
    map.set(key, n);
  }
  return n;
}

function addItem(root: Map<string, Node>, item: string, param: string, scope: Scope, timezone: string): void {
  const ns = item.toLowerCase().startsWith('urn:') ? findNamespace(scope, item) : undefined;
  if (ns && ns.urn !== CORE_USER_URN) {
    child(root, ns.urn, undefined).whole = true;
    return;
  }
  const { ast, diagnostics } = parseExpression(item, 'path');
  if (diagnostics.length > 0 || ast.kind !== 'Path' || ast.steps.length === 0) {
    throw scimError('ATTRIBUTES_MALFORMED', { param });
  }
  let map = root;
  let defs: readonly AttributeDef[] | undefined = scope.attributes;
  // `urn:...:core:2.0:Group:displayName` names a core attribute of a Group.
  if (ast.urn !== undefined && ast.urn.toLowerCase() !== GROUP_URN.toLowerCase()) {
    const found = findNamespace(scope, ast.urn);
    if (!found || found.urn !== CORE_USER_URN) {
      const ext = child(root, found?.urn ?? ast.urn, undefined);
      map = ext.children;
      defs = found?.attributes;
    }
  }
  ast.steps.forEach((step, i) => {
    const def = attributeNamed(defs, step.name);
    const n = child(map, def?.name ?? step.name, def);
    const last = i === ast.steps.length - 1;
    if (step.filter) {
      if (!isValueFilter(step.filter)) throw scimError('ATTRIBUTES_VALUE_FILTER');
      n.filters.push(compileValueFilter(step.filter, def?.subAttributes, timezone));
      if (last) n.filterWhole = true;
    } else if (last) {
      n.whole = true;
    }
    map = n.children;
    defs = def?.subAttributes;
  });
}

function entry(map: Map<string, Node>, key: string): Node | undefined {
  return map.get(key.toLowerCase());
}

function matchesAny(n: Node, element: unknown): boolean {
  return n.filters.some((test) => test(element));
}

function keepOnly(obj: Record<string, unknown>, map: Map<string, Node>, members: Members): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    if (members.scope && key === 'schemas') {
      put(out, key, obj[key]);
      continue;
    }
    const { def, inner } = lookup(members, key);
    const returned = returnedOf(def);
    if (returned === 'never') continue;
    if (returned === 'always') {
      put(out, key, obj[key]);
      continue;
    }
    const n = entry(map, key);
    if (!n) continue;
    const kept = keep(obj[key], n, inner);
    if (kept !== undefined) put(out, key, kept);
  }
  return out;
}

function keep(value: unknown, n: Node, inner: Members): unknown {
  if (n.whole) return isObject(value) || Array.isArray(value) ? wholeView(value, inner) : value;
  if (Array.isArray(value)) {
    const list = n.filters.length > 0 ? value.filter((e) => matchesAny(n, e)) : value;
    const narrowed =
      n.children.size === 0
        ? list.map((e) => wholeView(e, inner))
        : list.map((e) => (isObject(e) ? keepOnly(e, n.children, inner) : e)).filter((e) => !(isObject(e) && Object.keys(e).length === 0));
    return narrowed.length === 0 ? undefined : narrowed;
  }
  if (isObject(value) && n.children.size > 0) {
    const kept = keepOnly(value, n.children, inner);
    return Object.keys(kept).length === 0 ? undefined : kept;
  }
  return undefined;
}

/** A whole attribute as named: its sub-attributes as returned by default. */
function wholeView(value: unknown, inner: Members): unknown {
  const view = inner.defs?.length ? defaultViewOf(inner) : undefined;
  return view ? cloneJson(value, 0, view) : value;
}

function dropFrom(obj: Record<string, unknown>, map: Map<string, Node>, members: Members): void {
  for (const key of Object.keys(obj)) {
    if (members.scope && key === 'schemas') continue;
    const { def, inner } = lookup(members, key);
    if (returnedOf(def) === 'always') continue;
    const n = entry(map, key);
    if (!n) continue;
    const value = obj[key];
    if (n.whole) {
      delete obj[key];
      continue;
    }
    if (Array.isArray(value)) {
      // `excludedAttributes=emails[type eq "home"]` leaves out the matching elements.
      let rest = n.filterWhole ? value.filter((e) => !matchesAny(n, e)) : value;
      if (n.children.size > 0) {
        for (const e of rest) if (isObject(e) && (n.filters.length === 0 || matchesAny(n, e))) dropFrom(e, n.children, inner);
        rest = rest.filter((e) => !(isObject(e) && Object.keys(e).length === 0));
      }
      if (rest.length === 0) delete obj[key];
      else obj[key] = rest;
    } else if (isObject(value)) {
      dropFrom(value, n.children, inner);
      if (Object.keys(value).length === 0) delete obj[key];
    }
  }
}
