import type { Clock } from '../engine/clock.js';

export interface Progress {
  /** `listing`: accounts are still being listed, so `total` is a lower bound. */
  update(done: number, total: number, listing?: boolean): void;
  /** Clears the progress line so the next output starts on a clean line. */
  finish(): void;
}

const REDRAW_EVERY_MS = 100;

/**
 * Accounts done / total, rate and ETA on one self-rewriting stderr line. Only for a terminal: in CI logs
 * and pipes a carriage-return animation is noise, so it is silent there (and with --no-progress).
 */
export function createProgress(write: (text: string) => void, enabled: boolean, clock: Clock): Progress {
  if (!enabled) return { update: () => {}, finish: () => {} };
  const started = clock.now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total, listing = false) {
      const now = clock.now();
      if ((listing || done < total) && now - drawnAt < REDRAW_EVERY_MS) return;
      drawnAt = now;
      drawn = true;
      write(`\r\x1b[K${progressLine(done, total, (now - started) / 1000, listing)}`);
    },
    finish() {
      if (drawn) write('\r\x1b[K');
      drawn = false;
    },
  };
}

export function progressLine(done: number, total: number, elapsedSeconds: number, listing = false): string {
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  // While ListAccounts is still paging the total is not known: no percentage or ETA rather than wrong ones.
  if (listing) return `accounts ${done}/${total}+ (listing)  ${rate.toFixed(1)}/s`;
  const eta = rate > 0 ? formatDuration((total - done) / rate) : '–';
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `accounts ${done}/${total} (${percent}%)  ${rate.toFixed(1)}/s  ETA ${eta}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
