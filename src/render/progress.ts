import type { Clock } from '../engine/clock.js';

/** Where a run is: the engine reports it after each account scanned and each write answered. */
export interface ProgressState {
  accountsDone: number;
  /** A lower bound while `listing`. */
  accountsTotal: number;
  /** ListAccounts is still paging. */
  listing: boolean;
  writesDone: number;
  /** 0 until the plan has writes to make (always 0 in a dry-run). */
  writesTotal: number;
}

export interface Progress {
  update(state: ProgressState): void;
  /** Clears the progress line; then prints `finalLine` on a line of its own when one is given. */
  finish(finalLine?: string): void;
}

const REDRAW_EVERY_MS = 100;

/**
 * One self-rewriting stderr line: accounts while they are scanned, then the writes. Only for a terminal: in
 * CI logs and pipes a carriage-return animation is noise, and the plan on stdout already says how the run
 * ended, so when disabled (not a TTY, or --no-progress) it writes nothing at all, final line included.
 */
export function createProgress(write: (text: string) => void, enabled: boolean, clock: Clock): Progress {
  if (!enabled) return { update: () => {}, finish: () => {} };
  const started = clock.now();
  // Writes start after the scan: their rate is measured from the first report that has any.
  let writesSeen: { at: number; done: number } | undefined;
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(state) {
      const now = clock.now();
      if (state.writesTotal > 0) writesSeen ??= { at: now, done: state.writesDone };
      // The last count of each phase is always drawn, so the line never freezes short of the end.
      if (!isPhaseEnd(state) && now - drawnAt < REDRAW_EVERY_MS) return;
      drawnAt = now;
      drawn = true;
      const writeSeconds = writesSeen === undefined ? 0 : (now - writesSeen.at) / 1000;
      write(
        `\r\x1b[K${progressLine(state, (now - started) / 1000, {
          seconds: writeSeconds,
          done: state.writesDone - (writesSeen?.done ?? 0),
        })}`,
      );
    },
    finish(finalLine) {
      if (drawn) write('\r\x1b[K');
      drawn = false;
      if (finalLine !== undefined) write(`${finalLine}\n`);
    },
  };
}

function isPhaseEnd(s: ProgressState): boolean {
  const scanned = !s.listing && s.accountsDone >= s.accountsTotal;
  return s.writesTotal > 0 ? s.writesDone >= s.writesTotal : scanned;
}

/**
 * `accounts 12/40+ (listing)  3.0/s` → `accounts 12/40 (30%)  3.0/s  ETA 9s` → `accounts 40/40 · writes
 * 12/35 (34%)  2.0/s  ETA 12s`. `writeWindow` is the time and count since writes were first seen.
 */
export function progressLine(
  s: ProgressState,
  elapsedSeconds: number,
  writeWindow: { seconds: number; done: number } = { seconds: 0, done: 0 },
): string {
  if (s.writesTotal > 0) {
    const accounts = `accounts ${s.accountsDone}/${s.accountsTotal}${s.listing ? '+' : ''}`;
    return `${accounts} · writes ${counted(s.writesDone, s.writesTotal, writeWindow.done, writeWindow.seconds)}`;
  }
  // While ListAccounts is still paging the total is not known: no percentage or ETA rather than wrong ones.
  if (s.listing) {
    return `accounts ${s.accountsDone}/${s.accountsTotal}+ (listing)  ${rate(s.accountsDone, elapsedSeconds).toFixed(1)}/s`;
  }
  return `accounts ${counted(s.accountsDone, s.accountsTotal, s.accountsDone, elapsedSeconds)}`;
}

/** `done/total (pct%)  rate/s  ETA t`, the rate from `windowDone` items in `windowSeconds`. */
function counted(done: number, total: number, windowDone: number, windowSeconds: number): string {
  const perSecond = rate(windowDone, windowSeconds);
  const left = total - done;
  const eta = left <= 0 ? '0s' : perSecond > 0 ? formatDuration(left / perSecond) : '–';
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `${done}/${total} (${percent}%)  ${perSecond.toFixed(1)}/s  ETA ${eta}`;
}

function rate(done: number, seconds: number): number {
  return seconds > 0 ? done / seconds : 0;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
