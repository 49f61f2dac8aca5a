/** Set when SIGINT/SIGTERM arrives: no new write starts, writes in flight finish and are logged. */
export interface Interrupt {
  readonly requested: boolean;
}

export const neverInterrupted: Interrupt = { requested: false };
