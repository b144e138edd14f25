// The socket fuzz's raw requests (fuzz-socket.test.ts): malformed request lines, headers and
// framing written on a `net` socket, as crafted cases with what they must get, and as a
// fast-check arbitrary of generated ones.

import fc from 'fast-check';
import type { RawAnswer } from './fuzz-socket-parse.ts';

/** What the raw requests aim at. */
export interface RawTarget {
  readonly tenant: string;
  readonly token: string;
}

/** One connection: chunks written in turn, and what its answers must be beyond the common checks. */
export interface RawCase {
  readonly name: string;
  readonly chunks: readonly Buffer[];
  /** Answers (0-based) to a HEAD request: they have no body. */
  readonly headAnswers?: readonly number[];
  /** Chunk i+1 is written once `waitFor[i]` answers are complete; default: at once. */
  readonly waitFor?: readonly number[];
  /** Why the answers are wrong, or undefined. */
  readonly expect?: (answers: readonly RawAnswer[]) => string | undefined;
}

const statusesAre = (...want: number[]) => (answers: readonly RawAnswer[]) => {
  const got = answers.map((a) => a.status);
  return JSON.stringify(got) === JSON.stringify(want) ? undefined : `answers ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
};
const oneAnswer = (pred: (status: number) => boolean, what: string) => (answers: readonly RawAnswer[]) =>
  answers.length === 1 && pred(answers[0]!.status) ? undefined : `answers ${JSON.stringify(answers.map((a) => a.status))}, want one ${what}`;
const refused = oneAnswer((s) => s >= 400 && s < 500, '4xx');

const bytes = (...parts: (string | Buffer)[]) => [Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)))];

/** The crafted cases: each names what it checks. */
export function rawCases(target: RawTarget): RawCase[] {
  const users = `/scim/v2/${target.tenant}/Users`;
  const auth = `Authorization: Bearer ${target.token}\r\n`;
  const cases: RawCase[] = [
    {
      name: 'HEAD with a body but no Content-Length (as node:http sends it): one 400, no body, closed',
      chunks: bytes(`HEAD ${users} HTTP/1.1\r\nHost: x\r\n${auth}\r\n{"a":1}`),
      headAnswers: [0],
      expect: (answers) => statusesAre(400)(answers) ?? (answers[0]!.headers['connection'] === 'close' ? undefined : 'not Connection: close'),
    },
    {
      name: 'HEAD with a framed body: 200 without a body',
      chunks: bytes(`HEAD ${users} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 7\r\nConnection: close\r\n\r\n{"a":1}`),
      headAnswers: [0],
      expect: statusesAre(200),
    },
    {
      name: 'a malformed request after a complete keep-alive answer gets a SCIM 400 of its own',
      chunks: [...bytes(`GET ${users}?count=1 HTTP/1.1\r\nHost: x\r\n${auth}\r\n`), ...bytes('NOT HTTP AT ALL\r\n\r\n')],
      waitFor: [1],
      expect: (answers) => statusesAre(200, 400)(answers) ?? (answers[1]!.body.length > 0 ? undefined : 'the 400 has no body'),
    },
    {
      name: 'a malformed request after a HEAD answer: 200 without a body, then a SCIM 400',
      chunks: [...bytes(`HEAD ${users} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`), ...bytes('\x01\x02\x03\r\n\r\n')],
      headAnswers: [0],
      waitFor: [1],
      expect: (answers) => statusesAre(200, 400)(answers) ?? (answers[1]!.body.length > 0 ? undefined : 'the 400 has no body'),
    },
    {
      name: 'a GET and a malformed request in one write: well framed, the last answer a 400',
      chunks: bytes(`GET ${users}?count=1 HTTP/1.1\r\nHost: x\r\n${auth}\r\nGET /\x00 HTTP/1.1\r\n\r\n`),
      expect: (answers) => (answers.length <= 2 && answers.at(-1)?.status === 400 ? undefined : `answers ${JSON.stringify(answers.map((a) => a.status))}`),
    },
    { name: 'a HEAD with headers over 16 KiB: 431 without a body', chunks: bytes(`HEAD ${users}?filter=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), headAnswers: [0], expect: (answers) => statusesAre(431)(answers) ?? (answers[0]!.body.length === 0 ? undefined : 'a body') },
    { name: 'headers over 16 KiB: 431', chunks: bytes(`GET ${users} HTTP/1.1\r\nHost: x\r\n${auth}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`), expect: statusesAre(431) },
    { name: 'a URL over 16 KiB: 431', chunks: bytes(`GET ${users}?filter=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), expect: statusesAre(431) },
    { name: 'a body shorter than its Content-Length: 408', chunks: bytes(`POST ${users} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{"userName":`), expect: statusesAre(408) },
    { name: 'headers never finished: 408', chunks: bytes(`GET ${users} HTTP/1.1\r\nHost: x\r\n`), expect: statusesAre(408) },
    {
      name: 'a chunked body: created',
      chunks: bytes(`POST ${users} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, chunked(JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `raw-${Date.now()}@example.com`, externalId: `raw-${Date.now()}` }))),
      expect: statusesAre(201),
    },
    { name: 'Expect: 100-continue: the interim answer, then the answer', chunks: bytes(`POST ${users} HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/scim+json\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}`), expect: refused },
    ...MALFORMED.map(([name, text]) => ({ name: `malformed: ${name}`, chunks: bytes(text(users, auth)), expect: refused })),
  ];
  return cases;
}

function chunked(text: string): string {
  const half = Math.floor(text.length / 2);
  return [text.slice(0, half), text.slice(half)].map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

/** Requests Node's parser refuses: each must get one 4xx and a close. */
const MALFORMED: readonly (readonly [string, (users: string, auth: string) => string])[] = [
  ['not HTTP', () => 'HELLO\r\n\r\n'],
  ['no target and version', () => 'GET\r\n\r\n'],
  ['HTTP/0.9', (u) => `GET ${u}\r\n\r\n`],
  ['an unknown version', (u) => `GET ${u} HTTP/9.9\r\nHost: x\r\n\r\n`],
  ['a word after the version', (u) => `GET ${u} HTTP/1.1 extra\r\nHost: x\r\n\r\n`],
  ['a NUL in the method', (u) => `G\x00T ${u} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['a NUL in the target', (u) => `GET ${u}\x00 HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['a space in the target', (u) => `GET ${u} x HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['a header without a colon', (u, a) => `GET ${u} HTTP/1.1\r\nHost: x\r\n${a}NoColon\r\n\r\n`],
  ['a space before the colon', (u, a) => `GET ${u} HTTP/1.1\r\nHost : x\r\n${a}\r\n`],
  ['a NUL in a header value', (u, a) => `GET ${u} HTTP/1.1\r\nHost: x\r\n${a}X-A: a\x00b\r\n\r\n`],
  ['a folded header line', (u, a) => `GET ${u} HTTP/1.1\r\nHost: x\r\n${a}X-A: a\r\n  b\r\n\r\n`],
  ['brackets in a header name', (u, a) => `GET ${u} HTTP/1.1\r\nHost: x\r\n${a}X[A]: 1\r\n\r\n`],
  ['two different Content-Lengths', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/scim+json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`],
  ['Content-Length and Transfer-Encoding', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/scim+json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`],
  ['a Content-Length that is not a number', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Length: 1e3\r\n\r\n{}`],
  ['a negative Content-Length', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Length: -1\r\n\r\n{}`],
  ['a chunk size that is not hex', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/scim+json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
  ['Transfer-Encoding not ending in chunked', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Content-Type: application/scim+json\r\nTransfer-Encoding: gzip\r\n\r\n{}`],
  ['two Transfer-Encodings (smuggling)', (u, a) => `POST ${u} HTTP/1.1\r\nHost: x\r\n${a}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`],
  ['HTTP/1.1 without Host', (u, a) => `GET ${u} HTTP/1.1\r\n${a}\r\n`],
  ['CONNECT', () => 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
];

const ascii = (min: number, max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
const latin1 = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: max });

/** Generated raw requests: request lines, headers and bodies, now valid, now not. */
export const rawRequests = (target: RawTarget): fc.Arbitrary<RawCase> => {
  const paths = [`/scim/v2/${target.tenant}/Users`, `/scim/v2/${target.tenant}/Groups?count=2`, `/scim/v2/${target.tenant}/ServiceProviderConfig`, `/scim/v2/${target.tenant}/Bulk`, '/healthz', '/readyz', '/api/v1/tenants/x/events', '/', '*', '/%ZZ'];
  const method = fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), weight: 6 }, { arbitrary: fc.constantFrom('get', 'TRACE', 'PRI', 'M-SEARCH', 'SEARCH', 'PROPFIND', 'BREW'), weight: 1 }, { arbitrary: ascii(1, 8), weight: 1 }, { arbitrary: latin1(6), weight: 1 });
  const path = fc.oneof({ arbitrary: fc.constantFrom(...paths), weight: 6 }, { arbitrary: ascii(0, 60), weight: 1 }, { arbitrary: latin1(30), weight: 1 }, { arbitrary: fc.constantFrom(...paths).map((p) => `http://example.com${p}`), weight: 1 });
  const version = fc.oneof({ arbitrary: fc.constantFrom('HTTP/1.1', 'HTTP/1.0'), weight: 8 }, { arbitrary: fc.constantFrom('HTTP/2.0', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1', '', 'HTTP/1.10', 'HTTP/1.1\r'), weight: 1 }, { arbitrary: ascii(0, 10), weight: 1 });
  const headerLine = fc.oneof(
    { arbitrary: fc.constantFrom('Content-Type: application/scim+json', 'Content-Type: text/plain', 'Content-Length: 0', 'Content-Length: 5', 'Content-Length: 99999999999999999999', 'Transfer-Encoding: chunked', 'Expect: 100-continue', 'Expect: nonsense', 'Upgrade: websocket', 'If-Match: *', 'Accept: */*', 'X-A:', ':', ' : ', 'Host: y', 'Authorization: Basic Zm9vOmJhcg=='), weight: 4 },
    { arbitrary: fc.tuple(ascii(1, 20), ascii(0, 40)).map(([n, v]) => `${n}: ${v}`), weight: 2 },
    { arbitrary: latin1(40), weight: 1 },
  );
  const lineEnd = fc.oneof({ arbitrary: fc.constant('\r\n'), weight: 12 }, { arbitrary: fc.constantFrom('\n', '\r'), weight: 1 });
  const body = fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, { arbitrary: fc.constantFrom('{}', '{"userName":1}', '0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n'), weight: 1 }, { arbitrary: latin1(80), weight: 1 });
  return fc
    .record({ method, path, version, auth: fc.boolean(), headers: fc.array(headerLine, { maxLength: 6 }), eol: lineEnd, body })
    .map(({ method, path, version, auth, headers, eol, body }) => {
      // Every request asks the server to close after its answer, so that each connection ends.
      const lines = [`${method} ${path} ${version}`, 'Host: x', 'Connection: close', ...(auth ? [`Authorization: Bearer ${target.token}`] : []), ...headers];
      const text = `${lines.join(eol)}${eol}${eol}${body}`;
      return { name: `generated ${JSON.stringify(text.slice(0, 200))}`, chunks: [Buffer.from(text, 'latin1')] };
    });
};
