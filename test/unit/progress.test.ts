import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Clock } from '../../src/engine/clock.js';
import {
  createProgress,
  formatDuration,
  type ProgressState,
  progressLine,
} from '../../src/render/progress.js';
import { fakeAws } from '../support/fake-aws.js';
import { captureIo } from '../support/io.js';

const CLEAR = '\r\x1b[K';

function fakeClock(start = 0) {
  const clock = { t: start, now: () => clock.t, sleep: async () => {} };
  return clock satisfies Clock;
}

function recorder() {
  const writes: string[] = [];
  return { writes, write: (text: string) => writes.push(text) };
}

/** A scan-phase state: `total` accounts, `done` of them scanned, no writes yet. */
function scan(done: number, total: number, listing = false): ProgressState {
  return { accountsDone: done, accountsTotal: total, listing, writesDone: 0, writesTotal: 0 };
}

function writes(done: number, total: number, accounts = 40): ProgressState {
  return {
    accountsDone: accounts,
    accountsTotal: accounts,
    listing: false,
    writesDone: done,
    writesTotal: total,
  };
}

describe('createProgress on a terminal', () => {
  it('redraws at most once per 100 ms, with count, percent, rate and ETA, always drawing the last update', () => {
    const clock = fakeClock(5_000);
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, clock);

    clock.t = 5_000;
    progress.update(scan(1, 10)); // first update: drawn at once (no rate yet)
    clock.t = 5_050;
    progress.update(scan(2, 10)); // 50 ms later: throttled
    clock.t = 5_099;
    progress.update(scan(2, 10)); // 99 ms after the last redraw: still throttled
    clock.t = 6_000;
    progress.update(scan(3, 10)); // 1 s in: 3/s, 7 left → ETA 2s
    clock.t = 6_010;
    progress.update(scan(9, 10)); // throttled
    clock.t = 6_020;
    progress.update(scan(10, 10)); // the final count is drawn even inside the 100 ms window

    expect(out).toEqual([
      `${CLEAR}accounts 1/10 (10%)  0.0/s  ETA –`,
      `${CLEAR}accounts 3/10 (30%)  3.0/s  ETA 2s`,
      `${CLEAR}accounts 10/10 (100%)  9.8/s  ETA 0s`,
    ]);

    progress.finish();
    expect(out.at(-1)).toBe(CLEAR);
    expect(out).toHaveLength(4);
  });

  it('redraws again once 100 ms have passed since the last redraw', () => {
    const clock = fakeClock();
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, clock);
    progress.update(scan(1, 4));
    clock.t = 100;
    progress.update(scan(2, 4));
    expect(out).toEqual([
      `${CLEAR}accounts 1/4 (25%)  0.0/s  ETA –`,
      `${CLEAR}accounts 2/4 (50%)  20.0/s  ETA 0s`,
    ]);
  });

  it('throttles a listing that has caught up with its lower bound: the total is not final yet', () => {
    const clock = fakeClock();
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, clock);
    progress.update(scan(12, 40, true));
    clock.t = 10;
    progress.update(scan(40, 40, true));
    expect(out).toEqual([`${CLEAR}accounts 12/40+ (listing)  0.0/s`]);
  });

  it('goes on to the writes after the scan, with their own rate and ETA, and draws the last write', () => {
    const clock = fakeClock();
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, clock);
    clock.t = 4_000;
    progress.update(scan(40, 40)); // the scan's end: 10/s over 4 s
    clock.t = 4_050;
    progress.update(writes(0, 35)); // writes first seen: throttled, but their clock starts here
    clock.t = 6_050;
    progress.update(writes(12, 35)); // 12 writes in 2 s: 6/s, 23 left → ETA 4s
    clock.t = 6_060;
    progress.update(writes(20, 35)); // throttled
    clock.t = 6_070;
    progress.update(writes(35, 35)); // the last write is always drawn

    expect(out).toEqual([
      `${CLEAR}accounts 40/40 (100%)  10.0/s  ETA 0s`,
      `${CLEAR}accounts 40/40 · writes 12/35 (34%)  6.0/s  ETA 4s`,
      `${CLEAR}accounts 40/40 · writes 35/35 (100%)  17.3/s  ETA 0s`,
    ]);
  });

  it('finish(finalLine) clears the line, then prints the final line on its own line', () => {
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, fakeClock());
    progress.update(writes(35, 35));
    progress.finish('accounts 40/40 · writes 35/35 in 8s');
    expect(out.slice(1)).toEqual([CLEAR, 'accounts 40/40 · writes 35/35 in 8s\n']);
  });

  it('finish() writes nothing when nothing was drawn, and clears only once', () => {
    const { writes: out, write } = recorder();
    const progress = createProgress(write, true, fakeClock());
    progress.finish();
    expect(out).toEqual([]);
    progress.update(scan(1, 1));
    progress.finish();
    progress.finish();
    expect(out).toEqual([`${CLEAR}accounts 1/1 (100%)  0.0/s  ETA 0s`, CLEAR]);
  });
});

describe('createProgress off a terminal (or with --no-progress)', () => {
  it('writes nothing at all, not even the final line', () => {
    const clock = fakeClock();
    const { writes: out, write } = recorder();
    const progress = createProgress(write, false, clock);
    progress.update(scan(1, 3));
    clock.t = 1_000;
    progress.update(scan(3, 3));
    progress.update(writes(2, 2, 3));
    progress.finish('done');
    expect(out).toEqual([]);
  });
});

describe('progressLine', () => {
  it.each([
    [3, 10, 1, 'accounts 3/10 (30%)  3.0/s  ETA 2s'],
    [0, 10, 0, 'accounts 0/10 (0%)  0.0/s  ETA –'],
    [0, 10, 5, 'accounts 0/10 (0%)  0.0/s  ETA –'],
    [0, 0, 0, 'accounts 0/0 (100%)  0.0/s  ETA 0s'],
    [1, 3, 2, 'accounts 1/3 (33%)  0.5/s  ETA 4s'],
    [120, 1200, 60, 'accounts 120/1200 (10%)  2.0/s  ETA 9m00s'],
    [10, 100_000, 5, 'accounts 10/100000 (0%)  2.0/s  ETA 13h53m'],
  ])('%i of %i accounts after %i s = %j', (done, total, elapsed, expected) => {
    expect(progressLine(scan(done, total), elapsed)).toBe(expected);
  });

  it('shows the total as a lower bound, with no percentage or ETA, while accounts are still listed', () => {
    expect(progressLine(scan(40, 60, true), 4)).toBe('accounts 40/60+ (listing)  10.0/s');
  });

  it('shows accounts and writes once there are writes, the rate from the write window', () => {
    expect(progressLine(writes(12, 35), 30, { seconds: 4, done: 12 })).toBe(
      'accounts 40/40 · writes 12/35 (34%)  3.0/s  ETA 8s',
    );
    expect(progressLine(writes(0, 35), 30)).toBe('accounts 40/40 · writes 0/35 (0%)  0.0/s  ETA –');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [-3, '0s'],
    [59.4, '59s'],
    [59.6, '1m00s'],
    [61, '1m01s'],
    [3599, '59m59s'],
    [3600, '1h00m'],
    [7322, '2h02m'],
    [90_000, '25h00m'],
  ])('formatDuration(%d) = %j', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('the CLI shows progress only on a TTY, and not with --no-progress', () => {
  let fake: ReturnType<typeof fakeAws> | undefined;
  afterEach(() => fake?.restore());

  /**
   * aws-sdk-client-mock patches the SDK client classes, so the clients runCommand creates are answered by
   * the in-memory organization too: main() runs end to end without network or credentials.
   */
  async function runMain(stderrIsTTY: boolean, extra: string[] = []) {
    fake = fakeAws({
      managementAccountId: '999999999999',
      accounts: [
        { id: '999999999999', name: 'management' },
        { id: '111111111111', name: 'prod' },
        { id: '222222222222', name: 'dev' },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'enforce-progress-'));
    const policy = join(dir, 'contacts.yaml');
    writeFileSync(
      policy,
      // Not a 555-01xx number: lint would warn on stderr about a placeholder phone.
      'version: 1\ncontacts:\n  security:\n    name: Security Operations\n    title: Security Team\n    email: security@acme.internal\n    phone: "+44 20 7946 0142"\n',
    );
    const io = captureIo({ stderrIsTTY });
    const code = await main(['--policy', policy, '--log-file', join(dir, 'audit.ndjson'), ...extra], io);
    return { code, io };
  }

  it('draws accounts done/total and clears the line before the plan is printed when stderr is a TTY', async () => {
    const { code, io } = await runMain(true);
    expect(code).toBe(0);
    // The first and the final count are always drawn, whatever the timing.
    const [first] = io.err.split(CLEAR).filter((s) => s !== '');
    expect(io.err.startsWith(CLEAR)).toBe(true);
    // Accounts are scanned while ListAccounts still pages: the first count may be a lower bound.
    expect(first).toMatch(
      /^accounts 1\/(3 \(33%\) {2}\d+\.\d\/s {2}ETA (\d+s|–)|[1-3]\+ \(listing\) {2}\d+\.\d\/s)$/,
    );
    expect(io.err).toContain(`${CLEAR}accounts 3/3 (100%)  `);
    // It ends on a clear line that says what the run came to.
    expect(
      io.err.endsWith(
        `${CLEAR}done: Plan: 3 to create, 0 to update, 0 in sync, 0 skipped, 0 failed (3 contacts in 3 accounts).\n`,
      ),
    ).toBe(true);
    expect(io.out).toContain(
      'Plan: 3 to create, 0 to update, 0 in sync, 0 skipped, 0 failed (3 contacts in 3 accounts).',
    );
    expect(io.out).not.toContain('\x1b');
  });

  it('writes no progress when stderr is not a TTY', async () => {
    const { code, io } = await runMain(false);
    expect(code).toBe(0);
    expect(io.err).toBe('');
  });

  it('writes no progress with --no-progress even on a TTY', async () => {
    const { code, io } = await runMain(true, ['--no-progress']);
    expect(code).toBe(0);
    expect(io.err).toBe('');
  });
});
