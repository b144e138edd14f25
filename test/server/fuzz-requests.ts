// Test data for the server fuzz (fuzz.test.ts): fast-check arbitraries of hostile SCIM requests
// (bodies, filters, paths, headers, PATCH operations, Bulk) as plain inject options.

import fc from 'fast-check';

/** One request as `app.inject` takes it. */
export interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload?: string | Buffer;
}

/** What the arbitraries aim at: the fuzz tenant (its token), ids that exist, ids of another tenant. */
export interface FuzzTargets {
  readonly tenant: string;
  readonly token: string;
  /** A tenant the fuzzer has no token for (its URL is probed with the fuzz token). */
  readonly otherTenant: string;
  readonly userIds: readonly string[];
  readonly groupIds: readonly string[];
  /** Ids of the other tenant's resources: never reachable through the fuzz tenant. */
  readonly foreignIds: readonly string[];
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const EXTENSION = 'urn:ietf:params:scim:schemas:extension:fuzz:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** A JSON value whose objects are key lists, so that `__proto__` and duplicate keys survive to the text. */
type J = null | boolean | number | string | readonly J[] | { readonly pairs: readonly (readonly [string, J])[] };

export function jsonText(j: J): string {
  if (Array.isArray(j)) return `[${j.map(jsonText).join(',')}]`;
  if (j !== null && typeof j === 'object' && 'pairs' in j) return `{${j.pairs.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  return JSON.stringify(j) ?? 'null';
}

const obj = (entries: Record<string, J | undefined>): J => ({ pairs: Object.entries(entries).filter((e): e is [string, J] => e[1] !== undefined) });

/** Absent mostly: `undefined` with weight `absent` against one for `arb`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent: number) => fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: 1 });

/** Strings a client should never send: NUL, lone surrogates, quotes, SQL and template text, huge runs. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const hostileUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 40 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 8 },
  { arbitrary: loneSurrogate, weight: 1 },
  { arbitrary: fc.constantFrom('\u0000', '"', '\\', '%', '\n', '\u202e', '\ufeff'), weight: 2 },
);
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }), weight: 30 },
  {
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\ud83d', '💥', "' or '1'='1", '"; drop table scim_users; --', '${x}',
      '%00', '%ZZ', 'null', 'true', '0', '-1', '1e309', 'NaN', 'W/"1"', '*', 'bulkId:a', 'urn:ietf:params:scim:schemas:core:2.0:User',
    ),
    weight: 10,
  },
  { arbitrary: fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

const scimKey = fc.constantFrom(
  'userName', 'externalId', 'id', 'active', 'title', 'displayName', 'nickName', 'emails', 'value', 'type', 'primary', 'display',
  'name', 'givenName', 'familyName', 'formatted', 'members', 'groups', 'schemas', 'meta', 'version', 'password', 'phoneNumbers',
  'addresses', 'roles', ENTERPRISE, EXTENSION, 'department', 'manager', 'costCenter', 'startDate', 'level', 'remote',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Operations', 'op', 'path', '$ref',
);
const key = fc.oneof({ arbitrary: scimKey, weight: 4 }, { arbitrary: hostileString, weight: 1 });

const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 2 ** 53 + 1, 1e308, -1e-308, 0.1));
const scalar: fc.Arbitrary<J> = fc.oneof(fc.constant(null), fc.boolean(), number, hostileString);

export const json: fc.Arbitrary<J> = fc.letrec<{ j: J }>((tie) => ({
  j: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    { arbitrary: scalar, weight: 4 },
    { arbitrary: fc.array(tie('j'), { maxLength: 4 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(key, tie('j')), { maxLength: 5 }).map((pairs): J => ({ pairs })), weight: 2 },
  ),
})).j;

/** Text as a directory sends it, now and then hostile. */
const text = fc.oneof({ arbitrary: fc.string({ maxLength: 20 }), weight: 8 }, { arbitrary: hostileString, weight: 1 });
const email = fc.record({ type: fc.constantFrom('work', 'home', 'other', 'Work'), value: text, primary: fc.boolean() }).map((e) => obj(e));
const date = fc.oneof(fc.constantFrom('2020-01-01T00:00:00Z', '2999-12-31T23:59:59+02:00', '2024-02-30', '1969-12-31T23:59:59.999Z', 'soon'), text);
const someOf = (...arbs: fc.Arbitrary<readonly [string, J]>[]) => fc.uniqueArray(fc.oneof(...arbs), { maxLength: 4, selector: ([k]) => k });

/** A value of the right type for a top-level User attribute (mostly). */
const userAttribute: fc.Arbitrary<readonly [string, J]> = fc.oneof(
  fc.tuple(fc.constantFrom('title', 'displayName', 'nickName', 'userType', 'preferredLanguage', 'locale', 'timezone', 'profileUrl'), text),
  fc.tuple(fc.constant('active'), fc.oneof({ arbitrary: fc.boolean(), weight: 6 }, { arbitrary: fc.constantFrom<J>('True', 'false', 0, null), weight: 1 })),
  fc.tuple(fc.constant('emails'), fc.array(email, { maxLength: 3 })),
  fc.tuple(fc.constant('name'), fc.record({ givenName: text, familyName: text, formatted: text }, { requiredKeys: [] }).map((n) => obj(n))),
  fc.tuple(fc.constant('phoneNumbers'), fc.array(fc.record({ type: text, value: text }).map((n) => obj(n)), { maxLength: 2 })),
  fc.tuple(fc.constant(ENTERPRISE), fc.record({ department: fc.oneof(fc.constantFrom('Sales', 'Engineering'), text), employeeNumber: text }, { requiredKeys: [] }).map((e) => obj(e))),
  fc.tuple(fc.constant(EXTENSION), fc.record({ costCenter: text, startDate: date, level: fc.oneof(fc.integer({ min: -5, max: 99 }), text), remote: fc.boolean() }, { requiredKeys: [] }).map((e) => obj(e))),
);
/** Hostile replacements: any key, any value. */
const mutations = fc.oneof({ arbitrary: fc.constant([] as (readonly [string, J])[]), weight: 3 }, { arbitrary: fc.array(fc.tuple(key, json), { minLength: 1, maxLength: 3 }), weight: 2 });

/** A plausible User, its attributes of the right type mostly, with hostile replacements now and then. */
const userJ = (targets: FuzzTargets): fc.Arbitrary<J> =>
  fc
    .record({
      externalId: fc.oneof({ arbitrary: fc.uuid(), weight: 6 }, { arbitrary: hostileString, weight: 1 }),
      userName: fc.oneof({ arbitrary: fc.uuid().map((u) => `${u}@example.com`), weight: 6 }, { arbitrary: hostileString, weight: 1 }),
      attributes: someOf(userAttribute),
      manager: fc.option(fc.constantFrom(...targets.userIds, ...targets.foreignIds)),
      mutations,
      schemas: fc.oneof({ arbitrary: fc.constant<J>([USER, ENTERPRISE, EXTENSION]), weight: 8 }, { arbitrary: json, weight: 1 }),
    })
    .map(({ externalId, userName, attributes, manager, mutations, schemas }): J => ({
      pairs: [
        ['schemas', schemas],
        ['externalId', externalId],
        ['userName', userName],
        ...attributes,
        ...(manager === null ? [] : ([[`${ENTERPRISE}:manager`, obj({ value: manager })]] as const)),
        ...mutations,
      ],
    }));

const groupJ = (targets: FuzzTargets): fc.Arbitrary<J> =>
  fc
    .record({
      displayName: fc.oneof({ arbitrary: fc.uuid(), weight: 6 }, { arbitrary: hostileString, weight: 2 }, { arbitrary: json, weight: 1 }),
      members: fc.array(
        fc.oneof({ arbitrary: fc.constantFrom(...targets.userIds, ...targets.groupIds).map((value) => obj({ value })), weight: 6 }, { arbitrary: fc.constantFrom(...targets.foreignIds).map((value) => obj({ value })), weight: 1 }, { arbitrary: json, weight: 1 }),
        { maxLength: 4 },
      ),
      extra: mutations,
    })
    .map(({ displayName, members, extra }): J => ({ pairs: [['schemas', [GROUP]], ['displayName', displayName], ['members', members], ...extra] }));

/** A body that is not what the route wants, or not JSON at all. */
const brokenText = (base: fc.Arbitrary<J>): fc.Arbitrary<string> =>
  fc.oneof(
    fc.tuple(base.map(jsonText), fc.nat()).map(([text, n]) => text.slice(0, n % Math.max(1, text.length))),
    fc.tuple(base.map(jsonText), fc.nat(), fc.string({ unit: hostileUnit, minLength: 1, maxLength: 3 })).map(([t, n, s]) => t.slice(0, n % (t.length + 1)) + s + t.slice(n % (t.length + 1))),
    fc.constantFrom('', '{', '}', '[]', 'null', '0', '"x"', '{"userName":}', '{"a":1,}', '\ufeff{}', '{"a":1e400}', '{"a":01}', '{"a":.5}', "{'a':1}", 'undefined', 'NaN'),
    fc.integer({ min: 1, max: 20_000 }).map((d) => `{"userName":"deep","externalId":"deep","title":${'['.repeat(d)}${']'.repeat(d)}}`),
    fc.integer({ min: 1, max: 5_000 }).map((d) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`),
    fc.constant(`{"externalId":"huge","userName":"huge@example.com","title":"${'y'.repeat(900_000)}"}`),
    fc.constant(`{"externalId":"too-big","userName":"too-big@example.com","title":"${'z'.repeat(1_100_000)}"}`),
  );

const rawBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constantFrom(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), Buffer.from('{"userName":"\xed\xa0\x80"}', 'latin1'), Buffer.from('{"userName":"\xc0\xaf"}', 'latin1')),
);

/** A body as text: mostly JSON of the given shape, sometimes anything, broken or raw bytes. */
const body = (shape: fc.Arbitrary<J>): fc.Arbitrary<string | Buffer> =>
  fc.oneof({ arbitrary: shape.map(jsonText), weight: 12 }, { arbitrary: json.map(jsonText), weight: 1 }, { arbitrary: brokenText(shape), weight: 2 }, { arbitrary: rawBytes, weight: 1 });

/** `%`-encodes `s` for a URL; a lone surrogate becomes its (invalid) UTF-8 bytes. */
export function encode(s: string): string {
  return [...s]
    .map((ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        const c = ch.charCodeAt(0);
        return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
      }
    })
    .join('');
}

const ATTRIBUTES = [
  'userName', 'externalId', 'id', 'active', 'title', 'displayName', 'emails', 'emails.value', 'emails.type', 'emails.primary', 'name.givenName',
  'meta.created', 'meta.lastModified', 'meta.resourceType', 'meta.version', 'members', 'members.value', 'groups', 'groups.value', 'password',
  `${ENTERPRISE}:department`, `${ENTERPRISE}:manager.value`, `${USER}:userName`, `${EXTENSION}:startDate`, `${EXTENSION}:level`, `${EXTENSION}:remote`,
  'enterprise.department', 'x', '__proto__', 'constructor.prototype', 'emails[type eq "work"].value', 'a.b.c.d',
];
const attrPath = fc.oneof({ arbitrary: fc.constantFrom(...ATTRIBUTES), weight: 5 }, { arbitrary: hostileString, weight: 1 });
const compareOp = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw', 're', '==', '!=', '<', 'in', '');
const filterValue = fc.oneof(
  hostileString.map((s) => JSON.stringify(s)),
  fc.constantFrom('true', 'false', 'null', '0', '-1.5e3', '1e999', '"2020-01-01T00:00:00Z"', '2020-01-01T00:00:00Z', '"not a date"', '"unterminated', '[1,2]', 'bare', '"\\u0000"', '"\\ud800"'),
  number.map(String),
);

export const filter: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.letrec<{ f: string }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      { arbitrary: fc.tuple(attrPath, compareOp, filterValue).map(([a, o, v]) => `${a} ${o} ${v}`), weight: 6 },
      { arbitrary: attrPath.map((a) => `${a} pr`), weight: 1 },
      { arbitrary: fc.tuple(fc.constantFrom('emails', 'members', 'groups', 'name', 'userName', 'x'), tie('f')).map(([a, f]) => `${a}[${f}]`), weight: 1 },
      { arbitrary: tie('f').map((f) => `not (${f})`), weight: 1 },
      { arbitrary: tie('f').map((f) => `(${f})`), weight: 1 },
      { arbitrary: fc.tuple(tie('f'), fc.constantFrom('and', 'or', 'AND', 'xor', '&&'), tie('f')).map(([a, op, b]) => `${a} ${op} ${b}`), weight: 2 },
    ),
  })).f, weight: 8 },
  { arbitrary: hostileString, weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 3_000 }).map((d) => `${'('.repeat(d)}userName eq "x"${')'.repeat(d)}`), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 500 }).map((n) => Array.from({ length: n }, (_, i) => `userName eq "u${i}"`).join(' or ')), weight: 1 },
);

const queryParam = fc.oneof(
  filter.map((f) => `filter=${encode(f)}`),
  fc.tuple(fc.constantFrom('attributes', 'excludedAttributes', 'sortBy'), fc.array(attrPath, { minLength: 1, maxLength: 3 })).map(([k, v]) => `${k}=${encode(v.join(','))}`),
  fc.tuple(fc.constantFrom('startIndex', 'count', 'sortOrder'), fc.oneof(fc.integer().map(String), hostileString, fc.constantFrom('ascending', 'descending', '1e3', '99999999999999999999', '-0'))).map(([k, v]) => `${k}=${encode(v)}`),
  fc.tuple(hostileString, hostileString).map(([k, v]) => `${encode(k)}=${encode(v)}`),
  fc.constantFrom('filter', 'filter=', '%ZZ=1', 'filter=%ZZ', 'filter=%', 'count=%00', '&&', '=', 'filter=a&filter=b', 'count=1&count=2'),
  // RFC 9865 cursors: empty, forged, and beside startIndex.
  fc.oneof(hostileString, fc.constantFrom('', 'eyJjIjoiMSJ9.AAAAAAAAAAAAAAAAAAAAAA', '.', 'a.b')).map((v) => `cursor=${encode(v)}`),
  fc.constantFrom('cursor', 'cursor&startIndex=2', 'cursor=&cursor=', 'cursor=&count=0'),
);
const query = fc.array(queryParam, { maxLength: 3 }).map((ps) => (ps.length === 0 ? '' : `?${ps.join('&')}`));

const patchPath = fc.oneof(
  { arbitrary: attrPath, weight: 4 },
  { arbitrary: filter.map((f) => `emails[${f}].value`), weight: 1 },
  { arbitrary: fc.constantFrom('', '[', 'emails[', 'emails[type eq "work"', 'members[value eq "x"]', `${ENTERPRISE}:manager`, `${EXTENSION}:level`, 'name.givenName', 'meta.version', 'schemas'), weight: 1 },
);
/** A PATCH path and a value of its type (mostly), for Users and Groups. */
const typedPatch = (targets: FuzzTargets): fc.Arbitrary<readonly [string | undefined, J]> =>
  fc.oneof(
    userAttribute,
    fc.tuple(fc.constantFrom('name.givenName', 'name.familyName', 'emails[type eq "work"].value', `${ENTERPRISE}:department`, `${EXTENSION}:costCenter`, 'displayName', 'externalId', 'userName'), text),
    fc.tuple(fc.constantFrom(`${EXTENSION}:level`, `${EXTENSION}:startDate`, `${EXTENSION}:remote`, `${ENTERPRISE}:manager`), fc.oneof(fc.integer(), date, fc.boolean(), fc.constantFrom(...targets.userIds).map((value) => obj({ value })))),
    fc.tuple(fc.constant('members'), fc.array(fc.constantFrom(...targets.userIds, ...targets.groupIds, ...targets.foreignIds).map((value) => obj({ value })), { maxLength: 3 })),
    fc.tuple(fc.constantFrom(...targets.userIds, ...targets.foreignIds).map((id) => `members[value eq "${id}"]`), fc.constant(null)),
    fc.tuple(fc.constant(undefined), someOf(userAttribute).map((pairs): J => ({ pairs }))),
  );
const patchOp = (targets: FuzzTargets): fc.Arbitrary<J> =>
  fc.oneof(
    {
      arbitrary: fc
        .tuple(fc.oneof({ arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'REMOVE'), weight: 30 }, { arbitrary: fc.constantFrom('move', 'test'), weight: 1 }, { arbitrary: hostileString, weight: 1 }), typedPatch(targets))
        .map(([op, [path, value]]) => obj({ op, path, value: op.toLowerCase() === 'remove' ? undefined : value })),
      weight: 12,
    },
    {
      arbitrary: fc
        .record({ op: fc.oneof(fc.constantFrom('add', 'replace', 'remove'), hostileString), path: patchPath, value: fc.oneof(json, fc.constantFrom<J>(true, false, 'False', obj({ active: false }), [obj({ value: 'x', type: 'work' })])) }, { requiredKeys: ['op'] })
        .map((r) => obj(r)),
      weight: 2,
    },
    { arbitrary: json, weight: 1 },
  );
const patchJ = (targets: FuzzTargets): fc.Arbitrary<J> =>
  fc
    .record({
      schemas: fc.oneof({ arbitrary: fc.constant<J>([PATCH_OP]), weight: 8 }, { arbitrary: json, weight: 1 }),
      ops: fc.oneof({ arbitrary: fc.array(patchOp(targets), { minLength: 1, maxLength: 3 }), weight: 20 }, { arbitrary: json, weight: 1 }),
    })
    .map(({ schemas, ops }) => obj({ schemas, Operations: ops }));

const bulkJ = (targets: FuzzTargets): fc.Arbitrary<J> => {
  const id = fc.constantFrom(...targets.userIds, ...targets.groupIds, ...targets.foreignIds, 'bulkId:a', 'bulkId:b', 'bulkId:zz', 'missing');
  const path = fc.oneof(
    { arbitrary: fc.constantFrom('/Users', '/Groups'), weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom('/Users/', '/Groups/'), id).map(([p, i]) => p + i), weight: 6 },
    { arbitrary: fc.constantFrom('/Bulk', 'Users', '/Users/', '/Users/../Groups', '/ServiceProviderConfig', '', '/'), weight: 1 },
    { arbitrary: hostileString, weight: 1 },
  );
  const op = fc
    .record(
      {
        method: fc.oneof({ arbitrary: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), weight: 12 }, { arbitrary: fc.constantFrom('GET', 'post'), weight: 1 }, { arbitrary: hostileString, weight: 1 }),
        path,
        bulkId: fc.oneof({ arbitrary: fc.constantFrom('a', 'b', 'c'), weight: 12 }, { arbitrary: fc.constantFrom('', 'bulkId:a'), weight: 1 }, { arbitrary: hostileString, weight: 1 }),
        version: fc.oneof(fc.constantFrom('W/"1"', '*', '"x"'), hostileString),
        data: fc.oneof(userJ(targets), groupJ(targets), patchJ(targets), json),
      },
      { requiredKeys: ['method'] },
    )
    .map((r): J => obj(r));
  return fc
    .record({
      schemas: fc.oneof({ arbitrary: fc.constant<J>([BULK]), weight: 5 }, { arbitrary: json, weight: 1 }),
      failOnErrors: sometimes(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 8 }, { arbitrary: json, weight: 1 }), 2),
      Operations: fc.oneof({ arbitrary: fc.array(fc.oneof({ arbitrary: op, weight: 12 }, { arbitrary: json, weight: 1 }), { maxLength: 5 }), weight: 20 }, { arbitrary: json, weight: 1 }),
    })
    .map((r) => obj(r));
};

const searchJ: fc.Arbitrary<J> = fc
  .record(
    { schemas: fc.constant<J>([SEARCH]), filter: fc.oneof({ arbitrary: filter, weight: 8 }, { arbitrary: json, weight: 1 }), attributes: fc.oneof({ arbitrary: fc.array(attrPath, { maxLength: 3 }), weight: 8 }, { arbitrary: json, weight: 1 }), startIndex: fc.oneof({ arbitrary: fc.integer({ min: -2, max: 50 }), weight: 8 }, { arbitrary: json, weight: 1 }), count: fc.oneof({ arbitrary: fc.integer({ min: -5, max: 25 }), weight: 8 }, { arbitrary: json, weight: 1 }), sortBy: attrPath },
    { requiredKeys: ['schemas', 'count'] },
  )
  .map((r) => obj(r as Record<string, J>));

const CONTENT_TYPES = [
  'application/scim+json', 'application/json', 'application/json; charset=utf-8', 'application/scim+json; charset=utf-16', 'text/plain',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json;;', 'application/*', '*/*', 'json', '',
];
const ascii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** Headers: the fuzz token mostly; content types, If-Match and If-None-Match of every kind. */
const headers = (targets: FuzzTargets, withBody: boolean): fc.Arbitrary<Record<string, string>> =>
  fc
    .record({
      authorization: fc.oneof(
        { arbitrary: fc.constant(`Bearer ${targets.token}`), weight: 40 },
        { arbitrary: fc.constantFrom('Bearer', 'bearer ' + targets.token, `Bearer  ${targets.token}`, 'Basic Zm9vOmJhcg==', `Bearer ${targets.token}x`), weight: 1 },
        { arbitrary: ascii(40), weight: 1 },
      ),
      'content-type': fc.oneof(
        { arbitrary: fc.constantFrom(...(withBody ? ['application/scim+json', 'application/json', 'application/json; charset=utf-8'] : [undefined])), weight: 20 },
        { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
        { arbitrary: ascii(30), weight: 1 },
      ),
      'if-match': sometimes(fc.oneof(fc.constantFrom('*', 'W/"1"', '"1"', 'W/', '""', ',', 'W/"1", W/"2"'), ascii(30), fc.integer({ min: 1, max: 8_000 }).map((n) => `W/"${'9'.repeat(n)}"`)), 8),
      'if-none-match': sometimes(fc.oneof(fc.constantFrom('*', 'W/"1"'), ascii(20)), 8),
      accept: sometimes(fc.constantFrom('application/scim+json', 'text/html', '*/*', ''), 4),
      // The Bulk route forwards the host to its operations; the operation header is the server's own.
      host: sometimes(fc.oneof(fc.constantFrom('localhost:80', '[::1]', 'a b', 'example.com:99999', ''), ascii(30)), 10),
      'x-scimplan-bulk-operation': sometimes(fc.oneof(fc.uuid(), ascii(20)), 20),
    })
    .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined && (e[1] !== '' || e[0] === 'authorization'))));

/** `/scim/v2/<tenant>` and the given path and query (the tenant segment hostile now and then). */
const urlOf = (targets: FuzzTargets, path: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.constant(targets.tenant), weight: 60 },
        { arbitrary: fc.constantFrom(targets.otherTenant, targets.tenant.toUpperCase(), 'unknown', `${targets.tenant}%00`, '%ZZ', 'a'.repeat(250)), weight: 1 },
      ),
      path,
      query,
    )
    .map(([tenant, p, q]) => `/scim/v2/${tenant}${p}${q}`);

const idSegment = (targets: FuzzTargets): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...targets.userIds, ...targets.groupIds), weight: 6 },
    { arbitrary: fc.constantFrom(...targets.foreignIds), weight: 2 },
    { arbitrary: hostileString.map(encode), weight: 2 },
    { arbitrary: fc.constantFrom('%ZZ', '%', '%00', '%2F', '%2e%2e', '..', '.', '%ED%A0%80', '%C0%AF', '%F0%9F%92%A5', '%u0041', '.search'), weight: 1 },
    { arbitrary: fc.integer({ min: 150, max: 400 }).map((n) => 'a'.repeat(n)), weight: 1 },
  );

/** Any method on any path below the tenant (or elsewhere), mostly without a body. */
export const pathRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> => {
  const segment = fc.oneof(
    fc.constantFrom('Users', 'Groups', 'Bulk', '.search', 'ServiceProviderConfig', 'Schemas', 'ResourceTypes', 'Me', 'users', 'GROUPS', 'User', ''),
    idSegment(targets),
    fc.constantFrom(USER, GROUP, ENTERPRISE, EXTENSION),
  );
  const path = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => (s.length === 0 ? '' : `/${s.join('/')}`));
  const outside = fc.constantFrom('/', '/scim', '/scim/v2', '/scim/v2/', '/api/v1/tenants/x/events', '/api/v1/tenants/%ZZ/approve', '/healthz', '/metrics?x=%ZZ', '//scim//v2');
  return fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
    url: fc.oneof({ arbitrary: urlOf(targets, path), weight: 9 }, { arbitrary: outside, weight: 1 }),
    headers: headers(targets, false),
    payload: fc.option(body(json), { nil: undefined }),
  }) as fc.Arbitrary<FuzzRequest>;
};

export const userBodyRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> =>
  fc
    .tuple(fc.constantFrom('POST', 'PUT'), idSegment(targets), body(userJ(targets)), headers(targets, true))
    .map(([method, id, payload, h]): FuzzRequest => ({ method, url: `/scim/v2/${targets.tenant}/Users${method === 'PUT' ? `/${id}` : ''}`, headers: h, payload }));

export const groupBodyRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> =>
  fc
    .tuple(fc.constantFrom('POST', 'PUT'), idSegment(targets), body(groupJ(targets)), headers(targets, true))
    .map(([method, id, payload, h]): FuzzRequest => ({ method, url: `/scim/v2/${targets.tenant}/Groups${method === 'PUT' ? `/${id}` : ''}`, headers: h, payload }));

export const patchRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> =>
  fc
    .tuple(fc.constantFrom('Users', 'Groups'), fc.nat(), idSegment(targets), body(patchJ(targets)), headers(targets, true))
    .map(([resource, n, other, payload, h]): FuzzRequest => {
      // Mostly one of the resource's own kind, so that the operations reach the stored row.
      const own = resource === 'Users' ? targets.userIds : targets.groupIds;
      const id = n % 4 === 0 ? other : own[n % own.length]!;
      return { method: 'PATCH', url: `/scim/v2/${targets.tenant}/${resource}/${id}`, headers: h, payload };
    });

export const bulkRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> =>
  fc.tuple(body(bulkJ(targets)), headers(targets, true)).map(([payload, h]): FuzzRequest => ({ method: 'POST', url: `/scim/v2/${targets.tenant}/Bulk`, headers: h, payload }));

/** GET with filters and list parameters, and the same as a `.search` body. */
export const filterRequests = (targets: FuzzTargets): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom('/Users', '/Groups'), headers(targets, false), fc.integer({ min: 0, max: 25 }))
      // A page of at most 25: listing every stored user (some with 20,000-character values) would only measure serialisation.
      .chain(([path, h, count]) => urlOf(targets, fc.constant(path)).map((url): FuzzRequest => ({ method: 'GET', url: url.replace(/(\?|$)/, `?count=${count}&`), headers: h }))),
    fc
      .tuple(fc.constantFrom('/Users/.search', '/Groups/.search', '/.search'), fc.oneof({ arbitrary: searchJ.map(jsonText), weight: 4 }, { arbitrary: body(searchJ), weight: 1 }), headers(targets, true))
      .map(([path, payload, h]): FuzzRequest => ({ method: 'POST', url: `/scim/v2/${targets.tenant}${path}`, headers: h, payload })),
  );
