import type { RunStop } from '../engine/stop.js';

/** SIGHUP (a closed terminal, a CI runner going away) is a request to stop, like SIGTERM. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The first stop signal asks the run to stop (no new write starts; writes in flight finish and are
 * logged; run.end is written). A second one calls `onForcedExit` — which must log synchronously — and
 * exits at once with 130.
 */
export function installSignalHandlers(
  stop: RunStop,
  handlers: { onFirst(signal: NodeJS.Signals): void; onForcedExit(): void },
  exit: (code: number) => void = (code) => process.exit(code),
): { dispose(): void } {
  let signalled = false;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) {
      try {
        handlers.onForcedExit();
      } finally {
        exit(130);
      }
      return;
    }
    signalled = true;
    stop.stop('interrupted');
    handlers.onFirst(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
    },
  };
}
