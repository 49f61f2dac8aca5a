/**
 * Why a run stops starting work before it is done: a signal (SIGINT, SIGTERM, SIGHUP), or an audit log
 * that can no longer be written (no write may be sent without its `change.started` line).
 */
export type StopReason = 'interrupted' | 'audit-log-failed';

/** Read by the scan (no new account), the write queue (no new write) and the pacing middleware. */
export interface RunStop {
  readonly reason: StopReason | null;
  /** The first reason wins: an interrupt after an audit failure is still an audit failure. */
  stop(reason: StopReason): void;
}

export function createRunStop(): RunStop {
  let reason: StopReason | null = null;
  return {
    get reason() {
      return reason;
    },
    stop(next) {
      reason ??= next;
    },
  };
}

export const neverStopped: RunStop = { reason: null, stop() {} };
