// What the proxy saw during one CLI run, sampled from its counters every 50 ms (the proxy runs in the bench's
// own process): per-second request rates and the phases of the run, from the outside, so the figures do not
// depend on what the CLI logs when.

import type { AwsProxy, ProxyStats } from '../../test/support/aws-proxy.js';
import { seconds } from './common.js';

const SAMPLE_MS = 50;
const SHOWN_OPERATIONS = [
  'GetAlternateContact',
  'PutAlternateContact',
  'ListAccounts',
  'ListTagsForResource',
];

interface Point {
  /** ms since the sampler started (just before the CLI was spawned). */
  t: number;
  /** Requests that passed the buckets (a throttled request is not counted), per operation. */
  passed: Record<string, number>;
  total: number;
}

/** Phases of a run, from the CLI's spawn to its exit. */
export interface Phases {
  /** Spawn → first request: Node start-up, module loading, reading the policy. */
  startupMs: number;
  /** First request → first GetAlternateContact: STS, preflight, ListAccounts (and tags/OUs when used). */
  setupMs: number;
  /** First GetAlternateContact → last request: reading (and writing) contacts. */
  contactsMs: number;
  /** Last request → exit: rendering the output, exiting. */
  exitMs: number;
}

export interface Timeline {
  /** Per operation, requests that passed the buckets in each second of the run. */
  perSecond: Record<string, number[]>;
  phases: Phases | null;
}

function snapshot(stats: ProxyStats, t: number): Point {
  const passed: Record<string, number> = {};
  let total = 0;
  for (const [op, s] of Object.entries(stats)) {
    passed[op] = s.received - s.throttled;
    total += s.received;
  }
  return { t, passed, total };
}

/** Starts sampling; `stop(exitAtMs)` (ms since start, when the CLI exited) ends it and sums up. */
export function sampleProxy(proxy: AwsProxy): { stop(exitAtMs: number): Timeline } {
  const t0 = performance.now();
  const points: Point[] = [snapshot(proxy.stats(), 0)];
  const timer = setInterval(() => points.push(snapshot(proxy.stats(), performance.now() - t0)), SAMPLE_MS);
  return {
    stop(exitAtMs) {
      clearInterval(timer);
      points.push(snapshot(proxy.stats(), performance.now() - t0));
      return summarise(points, exitAtMs);
    },
  };
}

function summarise(points: Point[], exitAtMs: number): Timeline {
  const last = points.at(-1)!;
  const perSecond: Record<string, number[]> = {};
  const seconds = Math.ceil(last.t / 1000);
  for (const op of SHOWN_OPERATIONS) {
    if ((last.passed[op] ?? 0) === 0) continue;
    const counts: number[] = [];
    let before = 0;
    for (let s = 1; s <= seconds; s++) {
      const at = points.findLast((p) => p.t <= s * 1000) ?? last;
      const now = at.passed[op] ?? 0;
      counts.push(now - before);
      before = now;
    }
    perSecond[op] = counts;
  }
  const firstRequest = points.find((p) => p.total > 0);
  const firstGet = points.find((p) => (p.passed.GetAlternateContact ?? 0) > 0);
  const lastRequest = points.find((p) => p.total === last.total);
  const phases =
    firstRequest && firstGet && lastRequest
      ? {
          startupMs: firstRequest.t,
          setupMs: firstGet.t - firstRequest.t,
          contactsMs: lastRequest.t - firstGet.t,
          exitMs: Math.max(0, exitAtMs - lastRequest.t),
        }
      : null;
  return { perSecond, phases };
}

export function phaseText(p: Phases | null): string {
  if (p === null) return 'phases unavailable';
  return (
    `start-up ${seconds(p.startupMs)}, STS + preflight + listing ${seconds(p.setupMs)}, ` +
    `contacts ${seconds(p.contactsMs)}, output + exit ${seconds(p.exitMs)} (±${SAMPLE_MS} ms, seen at the proxy)`
  );
}

export function perSecondText(timeline: Timeline): string {
  return Object.entries(timeline.perSecond)
    .map(([op, counts]) => `         ${op}/s, each second: ${counts.join(' ')}`)
    .join('\n');
}
