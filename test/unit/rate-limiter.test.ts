import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/engine/clock.js';
import { createTokenBucket } from '../../src/engine/rate-limiter.js';

/** A clock that only moves when someone sleeps: time is exact and tests take no real time. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('token bucket', () => {
  it('lets a burst through at once, then paces at the sustained rate', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ perSecond: 10, burst: 15 }, clock);
    const times: number[] = [];
    await Promise.all(Array.from({ length: 25 }, () => bucket.acquire().then(() => times.push(clock.now()))));
    expect(times.slice(0, 15).every((t) => t === 0)).toBe(true);
    // 10 more at 10/s: the 25th request goes at 1000 ms.
    expect(times[24]).toBe(1000);
    expect(times.slice(15)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });

  it('refills while idle, up to the burst only', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ perSecond: 5, burst: 8 }, clock);
    for (let i = 0; i < 8; i++) await bucket.acquire();
    await clock.sleep(10_000);
    const start = clock.now();
    for (let i = 0; i < 9; i++) await bucket.acquire();
    // 8 from the refilled burst, the 9th waits 200 ms.
    expect(clock.now() - start).toBe(200);
  });

  it('serves waiters in arrival order', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket({ perSecond: 1, burst: 1 }, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
