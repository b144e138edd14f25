// `--server URL`: `plan`, `apply` and `approve` post to a running server's admin API instead of
// opening the database. Returns the answer's status and JSON body; the admin token is never printed.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { UsageError, type Io } from './output.ts';

export const ADMIN_TOKEN_ENV = 'SCIMPLAN_ADMIN_TOKEN';
export const SERVER_ENV = 'SCIMPLAN_SERVER';

/** A running server's base URL and the admin token to present. */
export interface ServerTarget {
  readonly url: URL;
  readonly token: string;
}

/**
 * The server the command acts through: `--server`, else SCIMPLAN_SERVER; undefined when neither
 * is given. Throws a UsageError for a URL that is not http(s) or when SCIMPLAN_ADMIN_TOKEN is unset.
 */
export function serverTarget(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ServerTarget | undefined {
  const given = flag ?? env[SERVER_ENV];
  if (!given) return undefined;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--server \`${given}\` is not a URL (like http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server \`${given}\` must be an http or https URL`);
  const token = env[ADMIN_TOKEN_ENV];
  if (!token) throw new UsageError(`--server needs the server's admin token in ${ADMIN_TOKEN_ENV}`);
  return { url, token };
}

export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** The media type of a streamed answer (apply's progress): one JSON object per line. */
const NDJSON = 'application/x-ndjson';

/**
 * POSTs `body` (JSON; none when undefined) to `path` below the server's URL with the admin token.
 * No timeout: an apply of many users answers when it is done; `signal` cancels the request.
 * With `onProgress`, asks for the streamed answer (apply): each `progress` line goes to
 * `onProgress` as it arrives, and the `result` line (or `error` line, with its status) is the
 * answer; a server that does not stream answers JSON as before.
 */
export function postAdmin(target: ServerTarget, path: string, body?: unknown, signal?: AbortSignal, onProgress?: (progress: unknown) => void): Promise<AdminAnswer> {
  const url = new URL(path.replace(/^\//, ''), target.url.href.endsWith('/') ? target.url : `${target.url.href}/`);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: onProgress ? `${NDJSON}, application/json` : 'application/json',
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
        },
        ...(signal ? { signal } : {}),
      },
      (res) => {
        res.on('error', reject);
        if (onProgress && res.statusCode === 200 && String(res.headers['content-type']).startsWith(NDJSON)) {
          readLines(res, onProgress).then(resolve, reject);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (a proxy's page): describeAnswer says so.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A streamed answer's lines: progress to `onProgress`; the `result` or `error` line is the answer. */
async function readLines(res: NodeJS.ReadableStream, onProgress: (progress: unknown) => void): Promise<AdminAnswer> {
  res.setEncoding('utf8');
  let pending = '';
  let answer: AdminAnswer | undefined;
  const take = (line: string) => {
    if (line.trim() === '') return;
    const parsed = JSON.parse(line) as { progress?: unknown; result?: unknown; error?: { status?: string } };
    if (parsed.progress !== undefined) onProgress(parsed.progress);
    else if (parsed.result !== undefined) answer = { status: 200, body: parsed.result };
    else if (parsed.error !== undefined) answer = { status: Number(parsed.error.status) || 500, body: parsed.error };
  };
  for await (const chunk of res) {
    pending += chunk as string;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(pending);
  if (!answer) throw new Error('its answer ended before the result (the server stopped, or the connection broke)');
  return answer;
}

/** One line for a failed answer: the status and the SCIM `detail` (which never holds values). */
export function describeAnswer(answer: AdminAnswer): string {
  const detail = (answer.body as { detail?: unknown } | undefined)?.detail;
  return `the server answered ${answer.status}${typeof detail === 'string' ? `: ${detail}` : ''}`;
}

/** One line for a request that got no answer. */
export function describeUnreachable(target: ServerTarget, error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `cannot reach the server at ${target.url.origin}: ${e.code ?? e.message ?? String(error)}`;
}

/**
 * POSTs to the admin API and returns the body of a 200 answer; otherwise prints one error line
 * (the server unreachable, or its answer) to `io.err` and returns undefined.
 */
export async function callAdmin(target: ServerTarget, path: string, io: Pick<Io, 'err'>, body?: unknown): Promise<unknown> {
  const answer = await postAdmin(target, path, body).catch((error: unknown) => {
    io.err(`error: ${describeUnreachable(target, error)}\n`);
    return undefined;
  });
  if (answer && answer.status !== 200) io.err(`error: ${describeAnswer(answer)}\n`);
  return answer?.status === 200 ? answer.body : undefined;
}
