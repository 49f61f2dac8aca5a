// Token buckets with the published quotas, and the reproducible randomness behind the injected faults.

export interface Quota {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: requests that can go through at once after a quiet period. */
  burst: number;
}

/**
 * AWS Account Management publishes its quotas per account (accounts/latest/reference/quotas.html, checked for
 * this proxy: GetContactInformation 10/s burst 15, PutContactInformation 5/s burst 8, DeleteAlternateContact
 * 1/s burst 6). They belong to the account the calling credentials come from, so the proxy keeps one bucket
 * per (calling account, operation). Organizations publishes none per operation; it throttles at a few
 * requests per second, so 5/s with a burst of 10 is assumed. SSM's default throughput for GetParameters is
 * 40/s. STS publishes no per-operation rate for AssumeRole: it is only throttled when a test sets a quota.
 */
export const DEFAULT_QUOTAS: Readonly<Record<string, Quota>> = {
  GetAlternateContact: { perSecond: 10, burst: 15 },
  PutAlternateContact: { perSecond: 5, burst: 8 },
  DeleteAlternateContact: { perSecond: 1, burst: 6 },
  GetContactInformation: { perSecond: 10, burst: 15 },
  PutContactInformation: { perSecond: 5, burst: 8 },
  GetParameters: { perSecond: 40, burst: 40 },
  GetParameter: { perSecond: 40, burst: 40 },
};
export const DEFAULT_ORGANIZATIONS_QUOTA: Readonly<Quota> = { perSecond: 5, burst: 10 };

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly quota: Quota,
    now: number,
  ) {
    this.tokens = quota.burst;
    this.last = now;
  }

  /** Takes a token for a request that arrived at `at` (ms); false = throttled. */
  take(at: number): boolean {
    // Requests may be decided slightly out of arrival order (one waited for its caller's identity): time
    // never runs backwards for the bucket.
    const now = Math.max(at, this.last);
    this.tokens = Math.min(this.quota.burst, this.tokens + ((now - this.last) / 1000) * this.quota.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whole tokens left at `at`, without taking one: what tests measure instead of time. */
  available(at: number): number {
    const now = Math.max(at, this.last);
    return Math.floor(
      Math.min(this.quota.burst, this.tokens + ((now - this.last) / 1000) * this.quota.perSecond),
    );
  }
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
