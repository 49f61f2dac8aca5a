import type { Interrupt } from '../engine/interrupt.js';

/**
 * SIGINT/SIGTERM: the first asks the run to stop (no new write starts; writes in flight finish and are
 * logged; run.end is written). A second exits at once with 130: audit lines are written synchronously,
 * so every write that completed already has its line on disk.
 */
export function installInterruptHandlers(
  onFirst: (signal: NodeJS.Signals) => void,
  exit: (code: number) => void = (code) => process.exit(code),
): { interrupt: Interrupt; dispose(): void } {
  const state = { requested: false };
  const handler = (signal: NodeJS.Signals) => {
    if (state.requested) {
      exit(130);
      return;
    }
    state.requested = true;
    onFirst(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupt: state,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
