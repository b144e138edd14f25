// The playground's calls to the admin API of the server that serves it: stored users and the plan
// of the edited file, read only. The admin token travels in the Authorization header only (never
// a URL, never storage); the caller keeps it in memory and never shows it.

import type { PlanReport } from '../engine/plan-report.ts';

export interface StoredUserRef {
  readonly id: string;
  readonly userName: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    credentials: 'omit',
    cache: 'no-store',
  });
  const json = (await response.json().catch(() => ({}))) as { detail?: string };
  if (!response.ok) throw new ApiError(response.status, json.detail ?? `the server answered ${response.status}`);
  return json as T;
}

const tenantPath = (tenant: string) => `/api/v1/tenants/${encodeURIComponent(tenant)}`;

export function listStoredUsers(token: string, tenant: string): Promise<{ users: StoredUserRef[]; total: number }> {
  return call(token, 'GET', `${tenantPath(tenant)}/users?count=200`);
}

export async function storedUser(token: string, tenant: string, id: string): Promise<Record<string, unknown>> {
  const answer = await call<{ resource: Record<string, unknown> }>(token, 'GET', `${tenantPath(tenant)}/users/${encodeURIComponent(id)}`);
  return answer.resource;
}

/** `POST .../plan` (server/routes/admin-plan.ts): the plan of the edited file against the stored users. */
export function planOfFile(token: string, tenant: string, file: string, config: string, now?: string): Promise<PlanReport> {
  return call(token, 'POST', `${tenantPath(tenant)}/plan`, { config, file, changes: 10, ...(now ? { now } : {}) });
}
