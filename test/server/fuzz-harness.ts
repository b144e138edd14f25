// The server fuzz's harness, shared by the inject run (fuzz.test.ts) and the socket run
// (fuzz-socket.test.ts): the fuzz tenant, seeding, the other tenant's snapshot, and the check
// every answer passes. How a request is sent is the caller's `send`.

import fc from 'fast-check';
import { expect } from 'vitest';
import { ERROR_SCHEMA } from '../../server/errors.ts';
import type { FuzzRequest, FuzzTargets } from './fuzz-requests.ts';
import { sha256Hex, userBody } from './helpers.ts';

/** An answer as the test sees it, from inject or from a socket. */
export interface Answer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | number | undefined>>;
  readonly body: string;
}
export type Send = (r: FuzzRequest) => Promise<Answer>;

export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);

/**
 * The fuzz tenant: it declares an extension (typed attributes to get wrong); its limit is far
 * above what a run sends, so a 429 never hides an answer.
 */
export const fuzzTenantYaml = (tenant: string): string => `tenant: ${tenant}
tokens: [{ sha256: ${sha256Hex(`secret-${tenant}`)} }]
key: externalId
schemas:
  - urn: urn:ietf:params:scim:schemas:extension:fuzz:2.0:User
    alias: fz
    attributes: { costCenter: string, startDate: dateTime, level: integer, remote: boolean }
profile:
  function: title
  department: enterprise.department
  costCenter: fz.costCenter
  email: emails[type eq "work"].value ?? userName
deactivate: { when: active eq false or fz.startDate gt now() }
groups:
  - group: Sales
    when: department eq "Sales"
  - group: Management
    when: 'function in ["Director", "CFO"]'
limits: { requestsPerSecond: 1000000, burst: 1000000 }
`;

/** What a failure message shows of the request: enough to send it again. */
export function describeRequest(r: FuzzRequest): string {
  const payload = r.payload === undefined ? undefined : Buffer.isBuffer(r.payload) ? `<bytes ${r.payload.toString('hex').slice(0, 400)}>` : r.payload.length > 600 ? `${r.payload.slice(0, 600)}… (${r.payload.length} chars)` : r.payload;
  return JSON.stringify({ method: r.method, url: r.url.length > 600 ? `${r.url.slice(0, 600)}…` : r.url, headers: r.headers, payload });
}

/** The RFC 7644 §3.12 body of an error answer with status `status`, or why it is not one. */
export function errorBodyProblem(body: unknown, status: number): string | undefined {
  if (body === null || typeof body !== 'object') return 'not a JSON object';
  const b = body as Record<string, unknown>;
  if (JSON.stringify(b['schemas']) !== JSON.stringify([ERROR_SCHEMA])) return `schemas ${JSON.stringify(b['schemas'])}`;
  if (b['status'] !== String(status)) return `status ${JSON.stringify(b['status'])} for ${status}`;
  if (typeof b['detail'] !== 'string') return 'no detail string';
  return undefined;
}

/** Why an error answer (`status` ≥ 400, with a body) is not SCIM, or undefined. */
export function errorAnswerProblem(status: number, contentType: unknown, body: string): string | undefined {
  if (!String(contentType).startsWith('application/scim+json')) return `content type ${String(contentType)}`;
  try {
    return errorBodyProblem(JSON.parse(body), status);
  } catch {
    return 'the error body is not JSON';
  }
}

type Snapshot = Awaited<ReturnType<FuzzRun['snapshot']>>;

/** One fuzz run against one app: the tenants it seeds, the statuses it saw, the checks. */
export class FuzzRun {
  readonly statuses = new Map<number, number>();
  /** Requests that named the seeded tenant or one of its ids. */
  aimedAtOther = 0;
  targets!: FuzzTargets;
  private seeded!: { users: string[]; groups: string[] };
  private before!: Snapshot;

  constructor(
    private readonly send: Send,
    readonly fuzzTenant: string,
    readonly seededTenant: string,
  ) {}

  scim(tenant: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
    return this.send({
      method,
      url: `/scim/v2/${tenant}${path}`,
      headers: { authorization: `Bearer secret-${tenant}`, ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  /** Seeds both tenants and takes the seeded tenant's snapshot. */
  async setUp(): Promise<void> {
    this.seeded = await this.seed(this.seededTenant, 'seeded');
    const own = await this.seed(this.fuzzTenant, 'own');
    this.targets = { tenant: this.fuzzTenant, token: `secret-${this.fuzzTenant}`, otherTenant: this.seededTenant, userIds: own.users, groupIds: own.groups, foreignIds: [...this.seeded.users, ...this.seeded.groups] };
    this.before = await this.snapshot();
  }

  /** Three users, a group with them as members and the rule group `Management`, in `tenant`; returns their ids. */
  private async seed(tenant: string, prefix: string): Promise<{ users: string[]; groups: string[] }> {
    const users: string[] = [];
    for (const [i, title] of ['Director', 'Engineer', 'Sales'].entries()) {
      const res = await this.scim(tenant, 'POST', '/Users', userBody(`${prefix}-${i}`, `${prefix}-${i}@example.com`, { title }));
      expect(res.statusCode, res.body).toBe(201);
      users.push(JSON.parse(res.body).id);
    }
    const group = await this.scim(tenant, 'POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `${prefix} team`, members: users.map((value) => ({ value })) });
    expect(group.statusCode, group.body).toBe(201);
    const management = JSON.parse((await this.scim(tenant, 'GET', `/Groups?filter=${encodeURIComponent('displayName eq "Management"')}`)).body).Resources[0].id;
    return { users, groups: [JSON.parse(group.body).id, management] };
  }

  /** Fresh users and groups of the fuzz tenant to aim at (earlier runs may have deleted the last ones). */
  async refreshTargets(prefix: string): Promise<void> {
    const own = await this.seed(this.fuzzTenant, prefix);
    this.targets = { ...this.targets, userIds: own.users, groupIds: own.groups };
  }

  /** The seeded tenant as its own client reads it: every list and every resource by id. */
  async snapshot() {
    const read = async (path: string) => {
      const res = await this.scim(this.seededTenant, 'GET', path);
      return { status: res.statusCode, body: JSON.parse(res.body) as unknown };
    };
    const { users, groups } = this.seeded;
    return {
      users: await read('/Users?count=1000&sortBy=id'),
      groups: await read('/Groups?count=1000'),
      byId: await Promise.all([...users.map((id) => read(`/Users/${id}`)), ...groups.map((id) => read(`/Groups/${id}`))]),
    };
  }

  /** The seeded tenant reads as it did after setUp. */
  async expectSeededUnchanged(): Promise<void> {
    const after = await this.snapshot();
    expect(after.users.status).toBe(200);
    expect((after.users.body as { totalResults: number }).totalResults).toBe(3);
    expect(after).toEqual(this.before);
  }

  /**
   * Deletes the users with a 900,000-character title the User bodies store: they would make every
   * list page megabytes long, and a filter run would measure serialisation, not filters.
   */
  async dropHugeUsers(): Promise<void> {
    const huge = await this.scim(this.fuzzTenant, 'GET', `/Users?filter=${encodeURIComponent('externalId eq "huge"')}&attributes=id`);
    for (const { id } of JSON.parse(huge.body).Resources as { id: string }[]) {
      expect((await this.scim(this.fuzzTenant, 'DELETE', `/Users/${id}`)).statusCode).toBe(204);
    }
  }

  /** Answers seen whose status passes `pred`. */
  count(pred: (status: number) => boolean): number {
    return [...this.statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
  }

  /** Never a 5xx or a 429; every error answer and failed Bulk operation an RFC 7644 §3.12 body. */
  check(r: FuzzRequest, res: Answer): void {
    if ([this.seededTenant, ...this.targets.foreignIds].some((s) => r.url.includes(s) || (typeof r.payload === 'string' && r.payload.includes(s)))) this.aimedAtOther++;
    const where = (why: string) => `${why}\n  request: ${describeRequest(r)}\n  answer: ${res.statusCode} ${res.body.slice(0, 300)}`;
    this.statuses.set(res.statusCode, (this.statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) throw new Error(where('a 5xx answer'));
    if (res.statusCode === 429) throw new Error(where('rate limited: the fuzz tenant must not be'));
    // inject shows what a HEAD route produced; on a socket, a body after a HEAD answer would break
    // the client's parser (the socket run fails on every parser error).
    if (r.method === 'HEAD') return;
    if (res.statusCode >= 400) {
      const problem = errorAnswerProblem(res.statusCode, res.headers['content-type'], res.body);
      if (problem) throw new Error(where(`not a SCIM error answer: ${problem}`));
      return;
    }
    if (r.url.includes('/Bulk') && res.statusCode === 200) {
      for (const op of (JSON.parse(res.body) as { Operations?: { status: string; response?: unknown }[] }).Operations ?? []) {
        const status = Number(op.status);
        if (status >= 500) throw new Error(where(`a Bulk operation answered ${op.status}`));
        const problem = status >= 400 ? errorBodyProblem(op.response, status) : undefined;
        if (problem) throw new Error(where(`a failed Bulk operation without a SCIM error body: ${problem}`));
      }
    }
  }

  /** `numRuns` requests from `arbitrary`, each sent and checked in turn. */
  run(arbitrary: (t: FuzzTargets) => fc.Arbitrary<FuzzRequest>, numRuns: number, seed = FUZZ_SEED): Promise<void> {
    return fc.assert(
      fc.asyncProperty(arbitrary(this.targets), async (r) => this.check(r, await this.send(r))),
      { numRuns, seed, endOnFailure: true },
    );
  }
}
