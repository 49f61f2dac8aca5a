import type { RunReport } from '../core/types.js';
import type { StopReason } from '../engine/stop.js';
import { AuditLogError, PolicyError, UsageError } from '../errors.js';

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

/** What decides a finished run's exit code. */
export interface RunEnding {
  report: RunReport;
  refusal: { message: string } | null;
  stopped: StopReason | null;
}

export function exitCodeForRun(run: RunEnding, detailedExitCode: boolean): number {
  if (run.stopped === 'interrupted') return EXIT.interrupted;
  return failureReasons(run).length > 0
    ? EXIT.failure
    : run.report.mode === 'dry-run' &&
        detailedExitCode &&
        run.report.summary.create + run.report.summary.update + run.report.summary.delete > 0
      ? EXIT.drift
      : EXIT.ok;
}

/** Why a finished run exits 1, in words for the `error:` line (SPEC round 2: exit 1 always says why). */
export function failureReasons(run: RunEnding): string[] {
  const reasons: string[] = [];
  const s = run.report.summary;
  if (run.stopped === 'audit-log-failed')
    reasons.push('the audit log could not be written: no further write was started');
  if (run.refusal !== null) reasons.push(run.refusal.message);
  if (s.failed > 0) reasons.push(`${s.failed} contact${s.failed === 1 ? '' : 's'} failed (see above)`);
  if (s.notWritten.stale > 0) {
    reasons.push(
      `${s.notWritten.stale} planned write${s.notWritten.stale === 1 ? ' was' : 's were'} stale (the account changed since the plan was made): make a new plan`,
    );
  }
  return reasons;
}

export function exitCodeForError(error: unknown): number {
  if (error instanceof PolicyError) return EXIT.invalidPolicy;
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AuditLogError) return EXIT.failure;
  return EXIT.failure;
}
