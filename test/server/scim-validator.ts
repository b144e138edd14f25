// Test oracle: a strict SCIM response validator. One answer of the server, checked against the
// /Schemas and /ResourceTypes that the same server advertises for the tenant -> the violations.
// It shares no code with the server: it reads only what a third-party validator would read.

/** One attribute of a schema resource as served (RFC 7643 §7); every characteristic must be explicit. */
export interface ServedAttribute {
  readonly name: string;
  readonly type: string;
  readonly multiValued: boolean;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: string;
  readonly returned: string;
  readonly uniqueness: string;
  readonly subAttributes?: readonly ServedAttribute[];
  /** RFC 7643 §7; an empty or absent list declares none. */
  readonly canonicalValues?: readonly string[];
}

export interface ServedSchema {
  readonly id: string;
  readonly attributes: readonly ServedAttribute[];
}

export interface ServedResourceType {
  readonly id: string;
  readonly endpoint: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

/** What the server advertises for one tenant. */
export interface Advertised {
  readonly schemas: readonly ServedSchema[];
  readonly resourceTypes: readonly ServedResourceType[];
}

/** What the client asked for, as far as the answer depends on it. */
export interface Asked {
  readonly status: number;
  /** The request path below the tenant base, e.g. `/Users/abc` or `/Bulk`. */
  readonly path: string;
  readonly method: string;
  /** `attributes` / `excludedAttributes`, from the query string or a SearchRequest body. */
  readonly attributes?: string | undefined;
  readonly excludedAttributes?: string | undefined;
}

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
/** RFC 7644 §3.12, plus the cursor errors of RFC 9865. */
const SCIM_TYPES = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive', 'invalidCursor', 'expiredCursor'];
const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex'];
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

const attr = (name: string, type: string, extra: Partial<ServedAttribute> = {}): ServedAttribute => ({
  name, type, multiValued: false, required: false, caseExact: false, mutability: 'readOnly', returned: 'default', uniqueness: 'none', ...extra,
});

/** RFC 7643 §3.1: the common attributes, on every resource and in no schema. */
const COMMON: readonly ServedAttribute[] = [
  attr('id', 'string', { returned: 'always', caseExact: true, uniqueness: 'server' }),
  attr('externalId', 'string', { caseExact: true, mutability: 'readWrite' }),
  attr('meta', 'complex', {
    subAttributes: [attr('resourceType', 'string'), attr('created', 'dateTime'), attr('lastModified', 'dateTime'), attr('location', 'reference'), attr('version', 'string')],
  }),
];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The violations of `body` (undefined: no body), each a sentence naming where it is. */
export function validateScimResponse(advertised: Advertised, asked: Asked, body: unknown): string[] {
  const out: string[] = [];
  const v = new Validator(advertised, out);
  const segments = asked.path.split('?')[0]!.split('/').filter((s) => s !== '').map((s) => s.toLowerCase());
  if (asked.status >= 400) {
    v.error(body, asked.status, 'the error');
    return out;
  }
  if (body === undefined || asked.status === 204) return out;
  const [first, second] = segments;
  const type = first === 'users' ? v.type('User') : first === 'groups' ? v.type('Group') : undefined;
  const params = { attributes: asked.attributes, excludedAttributes: asked.excludedAttributes };
  if (first === 'bulk') v.bulk(body);
  else if (first === 'schemas' || first === 'resourcetypes') v.discovery(body, first, second !== undefined);
  else if (first === '.search' || second === '.search' || (type && second === undefined && (asked.method === 'GET' || asked.method === 'HEAD'))) v.list(body, type, params);
  else if (type) v.resource(body, type, params, 'the resource');
  return out;
}

interface Params {
  readonly attributes?: string | undefined;
  readonly excludedAttributes?: string | undefined;
}

/** Names of an attribute list, lowercase, filters cut off: `name.givenname`, `<urn>`, `<urn>:department`. */
function names(list: string | undefined, core: string, withFilters = true): Set<string> | undefined {
  if (list === undefined || list.trim() === '') return undefined;
  const items = new Set<string>();
  const prefix = `${core.toLowerCase()}:`;
  for (const raw of list.replace(/\[[^\]]*\]/g, '[]').split(',')) {
    // An excluded `emails[type eq "home"].value` leaves some elements whole: not a name to check.
    if (!withFilters && raw.includes('[]')) continue;
    const item = raw.replace('[]', '').trim().toLowerCase();
    if (item === '') continue;
    // `urn:...:core:2.0:User:userName` names a core attribute.
    items.add(item.startsWith(prefix) ? item.slice(prefix.length) : item);
  }
  return items;
}

/** Whether `key` (a path, lowercase) or a part of it is named: `name` by `name` or `name.givenname`. */
function named(set: Set<string>, key: string): 'whole' | 'part' | undefined {
  if (set.has(key)) return 'whole';
  for (const n of set) if (n.startsWith(`${key}.`) || n.startsWith(`${key}:`)) return 'part';
  return undefined;
}

class Validator {
  constructor(
    private readonly advertised: Advertised,
    private readonly out: string[],
  ) {}

  private fail(where: string, what: string): void {
    this.out.push(`${where}: ${what}`);
  }

  type(id: string): ServedResourceType | undefined {
    const t = this.advertised.resourceTypes.find((r) => r.id === id);
    if (!t) this.fail('/ResourceTypes', `no resource type ${id}`);
    return t;
  }

  private schema(id: string): ServedSchema | undefined {
    return this.advertised.schemas.find((s) => s.id === id);
  }

  private keys(where: string, obj: Json, allowed: readonly string[]): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) this.fail(where, `unknown attribute \`${k}\``);
  }

  error(body: unknown, status: number, where: string): void {
    if (!isObject(body)) return this.fail(where, 'an error needs an RFC 7644 §3.12 body');
    this.keys(where, body, ['schemas', 'status', 'scimType', 'detail']);
    if (JSON.stringify(body['schemas']) !== JSON.stringify([ERROR])) this.fail(where, `\`schemas\` must be ["${ERROR}"]`);
    if (body['status'] !== String(status)) this.fail(where, `\`status\` must be the string "${status}"`);
    const scimType = body['scimType'];
    if (scimType !== undefined && !SCIM_TYPES.includes(scimType as string)) this.fail(where, `\`scimType\` ${JSON.stringify(scimType)} is not an RFC 7644 §3.12 (or RFC 9865) value`);
    if (body['detail'] !== undefined && typeof body['detail'] !== 'string') this.fail(where, '`detail` must be a string');
  }

  list(body: unknown, type: ServedResourceType | undefined, params: Params): void {
    const where = 'the list';
    if (!isObject(body)) return this.fail(where, 'must be an object');
    this.keys(where, body, ['schemas', 'totalResults', 'itemsPerPage', 'startIndex', 'Resources', 'nextCursor', 'previousCursor']);
    if (JSON.stringify(body['schemas']) !== JSON.stringify([LIST])) this.fail(where, `\`schemas\` must be ["${LIST}"]`);
    for (const k of ['totalResults', 'itemsPerPage', 'startIndex']) {
      if (body[k] !== undefined && !Number.isInteger(body[k])) this.fail(where, `\`${k}\` must be an integer`);
    }
    if (!Number.isInteger(body['totalResults'])) this.fail(where, '`totalResults` is required');
    const resources = body['Resources'];
    if (resources === undefined) {
      if (body['totalResults'] !== 0 && body['itemsPerPage'] !== 0) this.fail(where, '`Resources` is required when there are results');
      return;
    }
    if (!Array.isArray(resources)) return this.fail(where, '`Resources` must be a list');
    if (body['itemsPerPage'] !== undefined && body['itemsPerPage'] !== resources.length) this.fail(where, '`itemsPerPage` must count `Resources`');
    resources.forEach((r, i) => {
      const t = type ?? this.typeOf(r);
      if (t) this.resource(r, t, params, `Resources[${i}]`);
      else this.fail(`Resources[${i}]`, 'of no advertised resource type');
    });
  }

  /** The resource type a resource of a root `.search` names through its core schema. */
  private typeOf(resource: unknown): ServedResourceType | undefined {
    const schemas = isObject(resource) && Array.isArray(resource['schemas']) ? resource['schemas'] : [];
    return this.advertised.resourceTypes.find((t) => schemas.includes(t.schema));
  }

  bulk(body: unknown): void {
    const where = 'the Bulk response';
    if (!isObject(body)) return this.fail(where, 'must be an object');
    this.keys(where, body, ['schemas', 'Operations']);
    if (JSON.stringify(body['schemas']) !== JSON.stringify([BULK])) this.fail(where, `\`schemas\` must be ["${BULK}"]`);
    const ops = body['Operations'];
    if (!Array.isArray(ops)) return this.fail(where, '`Operations` must be a list');
    ops.forEach((op, i) => {
      const at = `Operations[${i}]`;
      if (!isObject(op)) return this.fail(at, 'must be an object');
      this.keys(at, op, ['method', 'bulkId', 'version', 'location', 'status', 'response']);
      if (typeof op['method'] !== 'string') this.fail(at, '`method` is required');
      const status = Number(op['status']);
      if (typeof op['status'] !== 'string' || !/^\d{3}$/.test(op['status'])) return this.fail(at, '`status` must be a three-digit string');
      for (const k of ['bulkId', 'version', 'location']) if (op[k] !== undefined && typeof op[k] !== 'string') this.fail(at, `\`${k}\` must be a string`);
      if (op['response'] === undefined) return;
      if (status >= 400) return this.error(op['response'], status, `${at}.response`);
      const endpoint = typeof op['location'] === 'string' ? op['location'] : '';
      const type = /\/Users\//i.test(endpoint) ? this.type('User') : /\/Groups\//i.test(endpoint) ? this.type('Group') : this.typeOf(op['response']);
      if (type) this.resource(op['response'], type, {}, `${at}.response`);
      else this.fail(`${at}.response`, 'of no advertised resource type');
    });
  }

  /** /Schemas and /ResourceTypes themselves: every characteristic explicit, as a strict client reads them. */
  discovery(body: unknown, kind: string, single: boolean): void {
    if (!isObject(body)) return this.fail(kind, 'must be an object');
    const items = single ? [body] : Array.isArray(body['Resources']) ? body['Resources'] : [];
    if (kind !== 'schemas') return;
    for (const s of items) {
      if (!isObject(s) || !Array.isArray(s['attributes'])) {
        this.fail('/Schemas', 'a schema needs `attributes`');
        continue;
      }
      const check = (a: unknown, where: string): void => {
        if (!isObject(a)) return this.fail(where, 'must be an object');
        for (const k of ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness']) {
          if (a[k] === undefined) this.fail(where, `\`${k}\` must be explicit`);
        }
        if (!TYPES.includes(a['type'] as string)) this.fail(where, `unknown type ${JSON.stringify(a['type'])}`);
        if (a['type'] === 'complex' && !Array.isArray(a['subAttributes'])) this.fail(where, 'a complex attribute needs `subAttributes`');
        if (a['type'] === 'reference' && !Array.isArray(a['referenceTypes'])) this.fail(where, 'a reference needs `referenceTypes`');
        if (Array.isArray(a['subAttributes'])) a['subAttributes'].forEach((sub, i) => check(sub, `${where}.subAttributes[${i}]`));
      };
      s['attributes'].forEach((a, i) => check(a, `/Schemas ${String(s['id'])} attributes[${i}]`));
    }
  }

  resource(body: unknown, type: ServedResourceType, params: Params, where: string): void {
    if (!isObject(body)) return this.fail(where, 'must be an object');
    const core = this.schema(type.schema);
    if (!core) return this.fail(where, `schema ${type.schema} is not advertised`);
    const extensionIds = type.schemaExtensions.map((e) => e.schema);
    const allIds = [type.schema, ...extensionIds];
    const include = names(params.attributes, type.schema);
    const exclude = names(params.excludedAttributes, type.schema, false) ?? new Set<string>();
    const schemas = body['schemas'];
    if (!Array.isArray(schemas) || schemas.length === 0 || schemas.some((s) => typeof s !== 'string')) {
      this.fail(where, '`schemas` must be a non-empty list of strings');
    } else {
      if (!schemas.includes(type.schema)) this.fail(where, `\`schemas\` must hold ${type.schema}`);
      for (const s of schemas) {
        if (!allIds.includes(s)) this.fail(where, `\`schemas\` lists ${s}, which /ResourceTypes does not give ${type.id}`);
        else if (s !== type.schema && !Object.hasOwn(body, s)) this.fail(where, `\`schemas\` lists ${s} but the resource holds no such extension`);
      }
      if (new Set(schemas).size !== schemas.length) this.fail(where, '`schemas` lists a schema twice');
    }
    const defs = [...COMMON, ...core.attributes];
    for (const key of Object.keys(body)) {
      if (key === 'schemas') continue;
      if (extensionIds.includes(key)) {
        const ext = this.schema(key);
        if (!ext) this.fail(where, `extension ${key} is not in /Schemas`);
        else if (!Array.isArray(schemas) || !schemas.includes(key)) this.fail(where, `extension \`${key}\` is not listed in \`schemas\``);
        if (ext) this.object(body[key], ext.attributes, `${where} ${key}`, key.toLowerCase(), ':', include, exclude);
        continue;
      }
      if (!defs.some((d) => d.name === key)) this.fail(where, `unknown attribute \`${key}\`${defs.some((d) => d.name.toLowerCase() === key.toLowerCase()) ? ' (wrong case)' : ''}`);
    }
    const coreOnly: Json = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'schemas' && !extensionIds.includes(k)));
    this.object(coreOnly, defs, where, '', '', include, exclude, true);
  }

  /**
   * The members of one object against `defs`: unknown names, types, `returned`, `required`.
   * `path` is the lowercase path of the object (`''` for the root, the URN of an extension),
   * `sep` what joins it to a member's name.
   */
  private object(value: unknown, defs: readonly ServedAttribute[], where: string, path: string, sep: string, include: Set<string> | undefined, exclude: Set<string>, root = false): void {
    if (!isObject(value)) return this.fail(where, 'must be an object');
    const scope = path === '' ? include : include && named(include, path) === 'whole' ? undefined : include;
    for (const key of Object.keys(value)) {
      const def = defs.find((d) => d.name === key);
      if (!def) {
        if (!root) this.fail(where, `unknown attribute \`${key}\`${defs.some((d) => d.name.toLowerCase() === key.toLowerCase()) ? ' (wrong case)' : ''}`);
        continue;
      }
      const full = `${path}${path === '' ? '' : sep}${key.toLowerCase()}`;
      const at = `${where}.${key}`;
      if (def.returned === 'never') this.fail(at, 'is `returned: never`');
      if (def.returned === 'request' && !(include && named(include, full))) this.fail(at, 'is `returned: request` and was not requested');
      if (def.returned !== 'always') {
        if (scope && !named(scope, full) && !(path !== '' && named(scope, path) === 'whole')) this.fail(at, 'was not requested in `attributes`');
        if (exclude.has(full)) this.fail(at, 'was left out with `excludedAttributes`');
      }
      this.value(value[key], def, at, full, include, exclude);
    }
    for (const def of defs) {
      if (Object.hasOwn(value, def.name) && value[def.name] !== null) continue;
      const full = `${path}${path === '' ? '' : sep}${def.name.toLowerCase()}`;
      if (def.returned === 'always') this.fail(where, `\`${def.name}\` is \`returned: always\` but missing`);
      else if (def.required && def.returned === 'default' && !exclude.has(full) && !(scope && !named(scope, full))) {
        this.fail(where, `required attribute \`${def.name}\` is missing`);
      }
    }
  }

  private value(v: unknown, def: ServedAttribute, where: string, full: string, include: Set<string> | undefined, exclude: Set<string>): void {
    if (v === null) return; // RFC 7643 §2.5: null is unassigned.
    if (def.multiValued) {
      if (!Array.isArray(v)) return this.fail(where, 'is multi-valued and must be a list');
      v.forEach((e, i) => this.single(e, def, `${where}[${i}]`, full, include, exclude));
      return;
    }
    if (Array.isArray(v)) return this.fail(where, 'is single-valued and must not be a list');
    this.single(v, def, where, full, include, exclude);
  }

  /**
   * A value the server decides (a `readOnly` or `immutable` attribute) that declares canonical
   * values is one of them, compared as its `caseExact` says. A client-written (`readWrite`)
   * value may be another: RFC 7643 §7 makes canonical values suggestions ("MAY be used"), and
   * what a client wrote comes back as written (`emails[].type` "pager").
   */
  private canonical(v: string, def: ServedAttribute, where: string): void {
    const values = def.canonicalValues ?? [];
    if (values.length === 0 || def.mutability === 'readWrite' || def.mutability === 'writeOnly') return;
    const fold = (s: string) => (def.caseExact ? s : s.toLowerCase());
    if (!values.some((c) => fold(c) === fold(v))) this.fail(where, `${JSON.stringify(v)} is not one of the canonical values ${JSON.stringify(values)}`);
  }

  private single(v: unknown, def: ServedAttribute, where: string, full: string, include: Set<string> | undefined, exclude: Set<string>): void {
    const wrong = (what: string) => this.fail(where, `must be ${what} (type ${def.type})`);
    switch (def.type) {
      case 'string':
      case 'reference':
        if (typeof v !== 'string') wrong('a string');
        else this.canonical(v, def, where);
        return;
      case 'binary':
        if (typeof v !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)) wrong('base64 text');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') wrong('a boolean');
        return;
      case 'integer':
        if (!Number.isInteger(v)) wrong('an integer');
        return;
      case 'decimal':
        if (typeof v !== 'number' || !Number.isFinite(v)) wrong('a number');
        return;
      case 'dateTime':
        if (typeof v !== 'string' || !DATE_TIME.test(v)) wrong('an xsd:dateTime');
        return;
      case 'complex':
        this.object(v, def.subAttributes ?? [], where, full, '.', include, exclude);
        return;
      default:
        this.fail(where, `has the unknown type ${def.type}`);
    }
  }
}
