// Server: the per-tenant request-rate limit -> admit a request, or refuse it with the whole
// seconds to wait. One token bucket per tenant id, kept by one RateLimiter per app.

import type { RateLimit } from '../engine/plan.ts';

/** What the limiter says to one request. `retryAfterSeconds` is a whole number >= 1. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  /** The clock's reading when `tokens` was last brought up to date. */
  at: number;
}

/**
 * Token buckets by tenant id. Invariants:
 * - a bucket starts full (`burst` tokens) and refills at `requestsPerSecond`, never above `burst`;
 * - a request is admitted exactly when its tenant's bucket holds at least one token, and then
 *   takes one; `charge` takes the rest of a request that costs more (a Bulk's operations), which
 *   may leave the bucket below zero: that debt is refilled before the next request is admitted,
 *   so a tenant's average never exceeds `requestsPerSecond`, whatever the size of its requests;
 * - the limit is read at every call, so a reloaded tenant file applies at once (its bucket
 *   keeps its tokens, capped at the new `burst`).
 * Tenants share nothing: one tenant's requests never change another's bucket.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  /** `now` is a monotonic clock in milliseconds (tests pass their own). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Admits one request of `tenant` under `limit`, or says how long to wait. */
  admit(tenant: string, limit: RateLimit): Admission {
    const bucket = this.#refilled(tenant, limit);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { admitted: true };
    }
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.requestsPerSecond)) };
  }

  /** Takes `cost` more tokens for a request already admitted (a Bulk request's further operations). */
  charge(tenant: string, limit: RateLimit, cost: number): void {
    if (!(cost > 0)) return;
    this.#refilled(tenant, limit).tokens -= cost;
  }

  #refilled(tenant: string, limit: RateLimit): Bucket {
    const now = this.#now();
    const bucket = this.#buckets.get(tenant);
    if (!bucket) {
      const fresh = { tokens: limit.burst, at: now };
      this.#buckets.set(tenant, fresh);
      return fresh;
    }
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsed * limit.requestsPerSecond) / 1000);
    bucket.at = now;
    return bucket;
  }
}
