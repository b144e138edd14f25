// The socket fuzz's reader of raw HTTP/1.1 answers (fuzz-socket.test.ts): splits what a server
// wrote on one connection into complete answers, so that a test sees a body after a HEAD answer,
// a second or a truncated response as bytes left over.

/** One complete answer (interim 1xx answers are skipped). */
export interface RawAnswer {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * The complete answers in `bytes` and what follows the last of them. `headAnswers` are the
 * (0-based) answers that answer a HEAD request: they end with their headers.
 */
export function parseAnswers(bytes: Buffer, headAnswers: readonly number[] = []): { answers: RawAnswer[]; rest: Buffer } {
  const answers: RawAnswer[] = [];
  let at = 0;
  for (;;) {
    const headEnd = bytes.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const [statusLine = '', ...lines] = bytes.subarray(at, headEnd).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine);
    if (!match) break;
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const body = bodyOf(bytes, bodyStart, status < 200 || status === 204 || status === 304 || headAnswers.includes(answers.length), headers);
    if (!body) break;
    if (status >= 200) answers.push({ status, headers, body: body.body });
    at = body.end;
  }
  return { answers, rest: bytes.subarray(at) };
}

/** The body starting at `start` and where the answer ends, or undefined while it is incomplete. */
function bodyOf(bytes: Buffer, start: number, none: boolean, headers: Record<string, string>): { body: Buffer; end: number } | undefined {
  if (none) return { body: Buffer.alloc(0), end: start };
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') return chunkedBody(bytes, start);
  const length = headers['content-length'];
  // No length: the body runs to the end of the connection.
  if (length === undefined) return { body: bytes.subarray(start), end: bytes.length };
  const end = start + Number(length);
  return end <= bytes.length ? { body: bytes.subarray(start, end), end } : undefined;
}

function chunkedBody(bytes: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) {
      const end = bytes.indexOf('\r\n\r\n', lineEnd);
      return end < 0 ? undefined : { body: Buffer.concat(parts), end: end + 4 };
    }
    if (lineEnd + 2 + size + 2 > bytes.length) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
