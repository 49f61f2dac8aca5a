import pLimit from 'p-limit';
import { itemKey, type WriteItem, type WriteOutcome } from '../core/types.js';

/**
 * The writes of a run: at most `concurrency` at once, none before `ready` resolves true (the account
 * listing is complete, so a run whose listing fails writes nothing), and every outcome kept by item.
 */
export interface WriteQueue {
  /** Queues a write; `task` decides the item's outcome (a saved plan may decide not to write). */
  push(item: WriteItem, task: () => Promise<WriteOutcome>): void;
  /** Every queued write has its outcome. */
  settled(): Promise<Map<string, WriteOutcome>>;
  /** Writes queued so far, and how many have an outcome: for the progress display. */
  readonly counts: { queued: number; done: number };
}

export function createWriteQueue(options: {
  concurrency: number;
  ready: Promise<boolean>;
  onDone?: (counts: { queued: number; done: number }) => void;
}): WriteQueue {
  const limit = pLimit(options.concurrency);
  const outcomes = new Map<string, WriteOutcome>();
  const running: Promise<void>[] = [];
  const counts = { queued: 0, done: 0 };
  return {
    counts,
    push(item, task) {
      counts.queued += 1;
      running.push(
        limit(async () => {
          if (!(await options.ready)) return;
          outcomes.set(itemKey(item), await task());
          counts.done += 1;
          options.onDone?.(counts);
        }),
      );
    },
    async settled() {
      await Promise.all(running);
      return outcomes;
    },
  };
}
