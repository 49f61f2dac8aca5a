/**
 * One hierarchy of named errors. Each keeps what caused it; only the CLI entry maps them to exit codes.
 */

export class EnforceError extends Error {
  override name = 'EnforceError';
}

/** One problem in the policy: the file, the dotted path in the document and, where known, the line. */
export interface PolicyIssue {
  file: string;
  path: string;
  line?: number;
  message: string;
}

export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** The policy (or a value it refers to, such as an SSM parameter) is invalid. Nothing may be written. */
export class PolicyError extends EnforceError {
  override name = 'PolicyError';
  constructor(
    readonly issues: readonly PolicyIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map(formatPolicyIssue).join('\n'), options);
  }
}

/** The command line is wrong (unknown flag, conflicting flags, bad number). */
export class UsageError extends EnforceError {
  override name = 'UsageError';
}

/** The organization is not ready for the tool (feature set, trusted access, credentials…). */
export class PreflightError extends EnforceError {
  override name = 'PreflightError';
}

/** A refusal before any write: max-changes exceeded, saved plan for another policy or organization. */
export class GuardError extends EnforceError {
  override name = 'GuardError';
}

/**
 * The audit log cannot be opened, locked or written. The run must stop: a write without its audit line
 * would break the SPEC's guarantee. `file` is the log's path; the cause is the file-system error.
 */
export class AuditLogError extends EnforceError {
  override name = 'AuditLogError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An observation snapshot (`--state-out`, `--from-state`) cannot be read, written or used: not a state file,
 * a newer version, an invalid field, or values hashed with another key. The message names the file.
 */
export class StateFileError extends EnforceError {
  override name = 'StateFileError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** Why the member role of an account could not be assumed. */
export type MemberRoleFailure = 'role-missing' | 'access-denied' | 'other';

/**
 * sts:AssumeRole into an account's member role failed. The caller falls back to the organization path for
 * that account and reports it; `cause` is the SDK error.
 */
export class MemberRoleError extends EnforceError {
  override name = 'MemberRoleError';
  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    readonly reason: MemberRoleFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A failed AWS call, as the SDK reported it. `code` is the SDK error name
 * (`AccessDeniedException`, `TooManyRequestsException`, …).
 */
export class AwsCallError extends EnforceError {
  override name = 'AwsCallError';
  constructor(
    readonly operation: string,
    readonly code: string,
    message: string,
    readonly attempts: number | undefined,
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(message, options);
    this.httpStatus = options?.httpStatus;
  }

  /** The HTTP status AWS answered with; undefined when no answer came (connection lost, timeout). */
  readonly httpStatus: number | undefined;

  /** Wraps anything thrown by `client.send` so callers see one shape. */
  static from(operation: string, error: unknown): AwsCallError {
    if (error instanceof AwsCallError) return error;
    const e = error as {
      name?: string;
      message?: string;
      $metadata?: { attempts?: number; httpStatusCode?: number };
    };
    // Network failures arrive as plain Errors whose `code` says what happened (ECONNREFUSED, …).
    const code = e?.name && e.name !== 'Error' ? e.name : ((error as { code?: string })?.code ?? e?.name);
    return new AwsCallError(
      operation,
      code ?? 'UnknownError',
      e?.message ?? String(error),
      e?.$metadata?.attempts,
      {
        cause: error,
        httpStatus: e?.$metadata?.httpStatusCode,
      },
    );
  }
}

/**
 * A write was stopped inside the process, before it was sent (or re-sent): AWS never saw it. Not an AWS
 * error, so the SDK does not retry it.
 */
export class WriteNotSentError extends EnforceError {
  override name = 'WriteNotSentError';
  constructor(readonly reason: 'interrupted' | 'audit-log-failed') {
    super(
      reason === 'interrupted'
        ? 'not sent: the run was interrupted'
        : 'not sent: the audit log could not be written',
    );
  }
}
