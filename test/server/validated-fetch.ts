// Test harness: `fetch` for servers the suite reaches on a port (a spawned `scimplan serve`, or
// `serve()` in this process), which an onSend hook cannot see. Each SCIM answer is read (from a
// clone, so the caller still reads the body) and run through the strict validator against the
// same server's /Schemas and /ResourceTypes, fetched with the request's own token; the test
// fails on a violation (test/setup.ts), as it does for apps built with validatedApp.

import { checkAnswer, needsSchemas, NOTHING_ADVERTISED, OWN_REQUEST, reportViolation, scimPathOf } from './validate-responses.ts';
import type { Advertised } from './scim-validator.ts';

/** Discovery per server, tenant and token: `origin tenant authorization` -> its schemas. */
const advertisedBy = new Map<string, Promise<Advertised>>();

async function discover(origin: string, tenant: string, authorization: string): Promise<Advertised> {
  const get = async (path: string) => {
    const res = await fetch(`${origin}/scim/v2/${tenant}/${path}`, { headers: { authorization, [OWN_REQUEST]: '1' }, signal: AbortSignal.timeout(10_000) });
    if (res.status !== 200) throw new Error(`validator: GET /${path} answered ${res.status}`);
    return ((await res.json()) as { Resources: never }).Resources;
  };
  return { schemas: await get('Schemas'), resourceTypes: await get('ResourceTypes') };
}

/** The schemas of the tenant, from the cache unless `fresh`; undefined when discovery fails. */
async function advertised(origin: string, tenant: string, authorization: string, fresh: boolean): Promise<Advertised | undefined> {
  const key = `${origin} ${tenant} ${authorization}`;
  let known = fresh ? undefined : advertisedBy.get(key);
  if (!known) {
    known = discover(origin, tenant, authorization);
    advertisedBy.set(key, known);
  }
  try {
    return await known;
  } catch {
    // The server is down, restarting, or refuses the token: nothing to check against this time.
    advertisedBy.delete(key);
    return undefined;
  }
}

const headerOf = (init: RequestInit | undefined, name: string): string | undefined => {
  const value = new Headers(init?.headers).get(name);
  return value ?? undefined;
};

/** `fetch`, with every SCIM answer it returns checked by the strict validator. */
export async function scimFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const url = new URL(String(input));
  const method = (init?.method ?? 'GET').toUpperCase();
  const path = `${url.pathname}${url.search}`;
  // A HEAD answer has no body to check.
  if (method === 'HEAD' || scimPathOf(path, response.status) === undefined) return response;
  let payload: string;
  try {
    payload = await response.clone().text();
  } catch {
    return response; // the connection broke mid-body (a killed server): the caller sees it too
  }
  let requestBody: unknown;
  try {
    requestBody = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
  } catch {
    requestBody = undefined;
  }
  const answer = { method, url: path, status: response.status, query: Object.fromEntries(url.searchParams), requestBody, payload };
  if (!needsSchemas(response.status)) {
    const report = checkAnswer(NOTHING_ADVERTISED, answer);
    if (report !== undefined) reportViolation(report);
    return response;
  }
  const tenant = decodeURIComponent(/^\/scim\/v2\/([^/?]+)/i.exec(url.pathname)![1]!);
  const authorization = headerOf(init, 'authorization');
  if (authorization === undefined) return response;
  const cached = await advertised(url.origin, tenant, authorization, false);
  if (!cached || checkAnswer(cached, answer) === undefined) return response;
  // The tenant file may have been reloaded since the schemas were read: read them again.
  const fresh = await advertised(url.origin, tenant, authorization, true);
  const report = fresh && checkAnswer(fresh, answer);
  if (report) reportViolation(report);
  return response;
}
