import type { RateLimit } from '../core/policy.js';
import type { Clock } from './clock.js';

/**
 * AWS's published per-caller quotas for the Account API (accounts/latest/reference/quotas.html). They are
 * token buckets on AWS's side; mirroring them here makes throttling rare instead of the way we find the
 * limit, and the SDK's retries absorb what other callers sharing the quota cause.
 */
export const DEFAULT_RATE_LIMITS = {
  getAlternateContact: { perSecond: 10, burst: 15 },
  putAlternateContact: { perSecond: 5, burst: 8 },
  deleteAlternateContact: { perSecond: 1, burst: 6 },
  getContactInformation: { perSecond: 10, burst: 15 },
  putContactInformation: { perSecond: 5, burst: 8 },
  // AWS publishes no request rate for Organizations and throttles bursts of List* calls (HTTP 400
  // TooManyRequestsException); one shared, modest pace keeps tag and OU reads from being throttled.
  organizations: { perSecond: 5, burst: 10 },
} as const satisfies Record<string, RateLimit>;

export interface RateLimiter {
  /** Resolves when one request may be sent. Waiters are served in arrival order. */
  acquire(): Promise<void>;
}

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export function createTokenBucket(limit: RateLimit, clock: Clock): RateLimiter {
  let tokens = limit.burst;
  let refilledAt = clock.now();
  let queue: Promise<void> = Promise.resolve();

  const refill = () => {
    const now = clock.now();
    tokens = Math.min(limit.burst, tokens + ((now - refilledAt) * limit.perSecond) / 1000);
    refilledAt = now;
  };

  const take = async () => {
    refill();
    while (tokens < 1) {
      await clock.sleep(Math.ceil(((1 - tokens) * 1000) / limit.perSecond));
      refill();
    }
    tokens -= 1;
  };

  return {
    acquire() {
      const turn = queue.then(take);
      queue = turn;
      return turn;
    },
  };
}
