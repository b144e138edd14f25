// Test harness: runs every SCIM answer the suite receives through the strict validator
// (scim-validator.ts), against the same server's /Schemas and /ResourceTypes for the tenant.
// In-process apps get an onSend hook (installResponseValidator); servers on a port, in another
// process or built by `serve()`, are checked where the test reads them (validated-fetch.ts).
// Violations are collected here; helpers.ts and test/setup.ts fail the test that caused them.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Plan } from '../../engine/plan.ts';
import { validateScimResponse, type Advertised } from './scim-validator.ts';

/** Marks the validator's own discovery requests, which are not validated again. */
export const OWN_REQUEST = 'x-test-response-validator';

/** Violations not yet reported: `takeViolations` empties it. Lives as long as the test worker. */
const pending: string[] = [];

/** The violations found since the last call, and forgets them. */
export function takeViolations(): string[] {
  return pending.splice(0, pending.length);
}

/** Records a violation report (one answer); the current test fails on it. */
export function reportViolation(report: string): void {
  pending.push(report);
}

/** One answer as the validator needs it. */
export interface Answer {
  readonly method: string;
  /** The request URL from its path on: `/scim/v2/<tenant>/Users?attributes=userName`. */
  readonly url: string;
  readonly status: number;
  /** The query, parsed (first value of each name). */
  readonly query: unknown;
  /** The request body, parsed, for a `.search`. */
  readonly requestBody: unknown;
  /** The response body as sent ('' when none). */
  readonly payload: string;
}

/** The tenant's path below `/scim/v2/<tenant>`, when `url` is a SCIM answer the validator checks. */
export function scimPathOf(url: string, status: number): string | undefined {
  const path = /^\/scim\/v2\/[^/?]+(\/[^?]*)?/i.exec(url)?.[1];
  if (path === undefined) return undefined;
  // The ServiceProviderConfig is not described by /Schemas.
  if (/^\/ServiceProviderConfig/i.test(path) && status < 400) return undefined;
  return path;
}

/** Whether the answer needs the tenant's schemas (an error body does not). */
export const needsSchemas = (status: number): boolean => status < 400;

/** The report of one answer's violations against `served`, or undefined when it conforms. */
export function checkAnswer(served: Advertised, answer: Answer): string | undefined {
  const path = scimPathOf(answer.url, answer.status);
  if (path === undefined) return undefined;
  const where = `${answer.method} ${answer.url} -> ${answer.status}`;
  let body: unknown;
  try {
    body = answer.payload === '' ? undefined : JSON.parse(answer.payload);
  } catch {
    return `${where}: the body is not JSON`;
  }
  let problems: string[];
  try {
    problems = validateScimResponse(served, { status: answer.status, path, method: answer.method, ...projectionOf(answer) }, body);
  } catch (error) {
    problems = [`the validator failed: ${String(error)}`];
  }
  return problems.length > 0 ? `${where}:\n  ${problems.join('\n  ')}` : undefined;
}

export const NOTHING_ADVERTISED: Advertised = { schemas: [], resourceTypes: [] };

/**
 * Installs the validator on `app` (before it is ready). Each answer under `/scim/v2/<tenant>/`
 * with a JSON body (or an error) is validated; the tenant's advertised schemas are fetched once
 * per plan (a reload makes a new plan) through the app itself, with the request's own token.
 */
export function installResponseValidator(app: FastifyInstance): void {
  const advertised = new WeakMap<Plan, Promise<Advertised>>();
  const fetchAdvertised = async (plan: Plan, authorization: string): Promise<Advertised> => {
    const get = async (path: string) => {
      const res = await app.inject({ method: 'GET', url: `/scim/v2/${plan.tenant}/${path}`, headers: { authorization, [OWN_REQUEST]: '1' } });
      if (res.statusCode !== 200) throw new Error(`validator: GET /${path} answered ${res.statusCode}`);
      return res.json().Resources;
    };
    return { schemas: await get('Schemas'), resourceTypes: await get('ResourceTypes') };
  };
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.headers[OWN_REQUEST] !== undefined || typeof payload !== 'string') return payload;
    if (scimPathOf(request.url, reply.statusCode) === undefined) return payload;
    const plan = request.tenant?.plan;
    let served = NOTHING_ADVERTISED;
    if (needsSchemas(reply.statusCode)) {
      if (!plan || !request.headers.authorization) return payload;
      let known = advertised.get(plan);
      if (!known) {
        known = fetchAdvertised(plan, request.headers.authorization);
        advertised.set(plan, known);
      }
      try {
        served = await known;
      } catch {
        // Discovery refused (a rate limit, a token the test revoked): try again on the next answer.
        advertised.delete(plan);
        return payload;
      }
    }
    const report = checkAnswer(served, { method: request.method, url: request.url, status: reply.statusCode, query: request.query, requestBody: request.body, payload });
    if (report !== undefined) pending.push(report);
    return payload;
  });
}

/** `attributes` and `excludedAttributes` (names in any case) from the query, or a SearchRequest body. */
function projectionOf(answer: Answer): { attributes?: string; excludedAttributes?: string } {
  const from = (source: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (typeof source !== 'object' || source === null) return out;
    for (const [k, v] of Object.entries(source)) {
      const key = k.toLowerCase() === 'attributes' ? 'attributes' : k.toLowerCase() === 'excludedattributes' ? 'excludedAttributes' : undefined;
      if (key && typeof v === 'string') out[key] = v;
      else if (key && Array.isArray(v) && v.every((e) => typeof e === 'string')) out[key] = v.join(',');
    }
    return out;
  };
  return { ...from(answer.query), ...(/\.search$/i.test(answer.url.split('?')[0]!) ? from(answer.requestBody) : {}) };
}
