import type { Interrupt } from '../engine/interrupt.js';

/**
 * SIGINT/SIGTERM: the first asks the run to stop (no new write starts; writes in flight finish and are
 * logged; run.end is written). A second exits at once with 130, after writing synchronously a
 * `change.failed` line (`written: null`) for each write still waiting for AWS's answer, and run.end.
 */
export function installInterruptHandlers(
  onFirst: (signal: NodeJS.Signals) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): { interrupt: Interrupt; onForcedExit(lastWords: () => void): void; dispose(): void } {
  const state = { requested: false };
  let lastWords: (() => void) | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (state.requested) {
      try {
        lastWords?.();
      } finally {
        exit(130);
      }
      return;
    }
    state.requested = true;
    onFirst(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupt: state,
    onForcedExit(fn) {
      lastWords = fn;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
