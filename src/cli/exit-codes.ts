import type { RunOutcome } from '../engine/run.js';
import { PolicyError, UsageError } from '../errors.js';

/** SPEC exit codes. */
export const EXIT = {
  ok: 0,
  failure: 1,
  drift: 2,
  /** `explain ID` for an id that is not an account of the organization: a fact about the input, not a failure. */
  notInOrganization: 3,
  usage: 64,
  invalidPolicy: 65,
  interrupted: 130,
} as const;

export function exitCodeForOutcome(outcome: RunOutcome, detailedExitCode: boolean): number {
  const { plan } = outcome;
  if (outcome.interrupted) return EXIT.interrupted;
  if (outcome.refusal !== null) return EXIT.failure;
  if (plan.summary.failed > 0) return EXIT.failure;
  const stale = plan.accounts.some((a) => a.items.some((i) => i.reason === 'stale'));
  if (stale) return EXIT.failure;
  const drift = plan.summary.create + plan.summary.update > 0;
  if (plan.mode === 'dry-run' && detailedExitCode && drift) return EXIT.drift;
  return EXIT.ok;
}

export function exitCodeForError(error: unknown): number {
  if (error instanceof PolicyError) return EXIT.invalidPolicy;
  if (error instanceof UsageError) return EXIT.usage;
  return EXIT.failure;
}
