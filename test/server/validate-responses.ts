// Test harness: an onSend hook that runs every SCIM answer of a test app through the strict
// validator (scim-validator.ts), against that app's own /Schemas and /ResourceTypes for the tenant.
// Violations are collected here; helpers.ts fails the test that caused them.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Plan } from '../../engine/plan.ts';
import { validateScimResponse, type Advertised } from './scim-validator.ts';

/** Marks the validator's own discovery requests, which are not validated again. */
const OWN_REQUEST = 'x-test-response-validator';

/** Violations not yet reported: `takeViolations` empties it. Lives as long as the test worker. */
const pending: string[] = [];

/** The violations found since the last call, and forgets them. */
export function takeViolations(): string[] {
  return pending.splice(0, pending.length);
}

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
    const path = /^\/scim\/v2\/[^/?]+(\/[^?]*)?/i.exec(request.url)?.[1];
    if (path === undefined) return payload;
    if (/^\/ServiceProviderConfig/i.test(path) && reply.statusCode < 400) return payload;
    let body: unknown;
    try {
      body = payload === '' ? undefined : JSON.parse(payload);
    } catch {
      pending.push(`${request.method} ${request.url} -> ${reply.statusCode}: the body is not JSON`);
      return payload;
    }
    const plan = request.tenant?.plan;
    let served: Advertised = { schemas: [], resourceTypes: [] };
    if (plan && request.headers.authorization) {
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
    } else if (reply.statusCode < 400) {
      return payload;
    }
    let problems: string[];
    try {
      problems = validateScimResponse(served, { status: reply.statusCode, path, method: request.method, ...projectionOf(request) }, body);
    } catch (error) {
      problems = [`the validator failed: ${String(error)}`];
    }
    if (problems.length > 0) pending.push(`${request.method} ${request.url} -> ${reply.statusCode}:\n  ${problems.join('\n  ')}`);
    return payload;
  });
}

/** `attributes` and `excludedAttributes` (names in any case) from the query, or a SearchRequest body. */
function projectionOf(request: FastifyRequest): { attributes?: string; excludedAttributes?: string } {
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
  return { ...from(request.query), ...(/\.search$/i.test(request.url.split('?')[0]!) ? from(request.body) : {}) };
}
