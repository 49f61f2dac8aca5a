import pino, { type Logger } from 'pino';
import type { Redactor } from '../core/redact.js';
import {
  type ItemError,
  type ItemType,
  itemKey,
  type Mode,
  type PolicyWarning,
  type Summary,
  type WriteItem,
} from '../core/types.js';
import { AuditLogError } from '../errors.js';
import type { ChainedDestination } from './chain.js';

/** Where audit lines go: pino writes each complete NDJSON line with one synchronous `write`, which throws on failure. */
export type AuditDestination = Pick<ChainedDestination, 'write'>;

/**
 * The audit trail (SPEC "Audit log"): NDJSON lines with time, level, runId, event and msg. Messages are
 * constant; the data is in fields. Lines are written synchronously, so a run killed at any moment never
 * leaves a write on AWS without its `change.started` line.
 *
 * The log knows the writes in flight (`change.started` adds one, its outcome removes it): on a forced
 * exit `abandonInFlight` says, synchronously, that their outcome is unknown.
 *
 * A line that cannot be written never throws into the run: the first failure is kept in `failure`, and
 * `onFailure` tells the run to start no new write. `changeStarted` returns false then, so the write is
 * not sent.
 */
export interface AuditLog {
  runStart(fields: RunStartFields): void;
  policyWarning(warning: PolicyWarning): void;
  drift(item: WriteItem, accountName: string): void;
  /** False when the line could not be written: the write must not be sent. */
  changeStarted(item: WriteItem, accountName: string): boolean;
  changeApplied(item: WriteItem, accountName: string, attempts: number): void;
  changeFailed(
    item: WriteItem,
    accountName: string,
    error: ItemError,
    attempts: number,
    written: boolean | null,
  ): void;
  accountError(accountId: string, accountName: string, type: ItemType, error: ItemError): void;
  /** For a forced exit: every write in flight gets `change.failed` with `written: null`. */
  abandonInFlight(): void;
  runEnd(fields: RunEndFields): void;
  readonly failure: AuditLogError | null;
}

/** The CI context an auditor needs to tie a run to a commit and a person (SPEC round 2, "Output"). */
export const CI_CONTEXT_VARIABLES = [
  'GITHUB_REPOSITORY',
  'GITHUB_RUN_ID',
  'GITHUB_SHA',
  'GITHUB_ACTOR',
  'GITHUB_REF',
] as const;

export function ciContext(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of CI_CONTEXT_VARIABLES) {
    const value = env[name];
    if (value) context[name] = value;
  }
  return context;
}

export interface RunStartFields {
  mode: Mode;
  policyFile: string;
  policySha256: string | null;
  callerAccountId: string | null;
  callerArn: string | null;
  toolVersion: string;
  planFile?: string;
  ci?: Record<string, string>;
  /** The EventBridge events a Lambda batch enforces. */
  eventIds?: readonly string[];
  /** `enforce report`: a dry-run (mode says so) whose output is this compliance report. */
  report?: { format: string; out?: string };
}

export interface RunEndFields {
  summary: Summary | null;
  exitCode: number;
  durationMs: number;
  interrupted: boolean;
  /** Known once the preflight has read the organization. */
  organizationId?: string;
  /** Why the run failed, when it did (a failed preflight, a refusal, an output that could not be written). */
  reason?: string;
  eventIds?: readonly string[];
  /** The compliance controls each managed type is evidence for (report/controls.ts), in every run's words. */
  controls?: Readonly<Record<string, readonly string[]>>;
  /** settings.auditAnchor: the chain head stored before this line (the line before run.end). */
  anchor?: { seq: number; sha256: string };
}

const FORCED_EXIT_ERROR: ItemError = {
  code: 'Interrupted',
  message: 'the process was stopped before AWS answered: the write may or may not have been applied',
};

export interface AuditLogOptions {
  redactor: Redactor;
  /** Told once, on the first line that cannot be written. */
  onFailure?: (error: AuditLogError) => void;
}

export function createAuditLog(
  destination: AuditDestination,
  runId: string,
  options: AuditLogOptions,
): AuditLog {
  const { redactor } = options;
  const logger: Logger = pino(
    {
      base: { runId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
    },
    destination,
  );
  let failure: AuditLogError | null = null;
  const inFlight = new Map<string, { item: WriteItem; accountName: string }>();

  /** Writes one line; false (and the run told) when it could not be written. */
  const line = (level: 'info' | 'error', fields: Record<string, unknown>, msg: string): boolean => {
    if (failure !== null) return false;
    try {
      logger[level](fields, msg);
      return true;
    } catch (error) {
      failure =
        error instanceof AuditLogError
          ? error
          : new AuditLogError('audit log', `cannot write the audit log: ${String(error)}`, { cause: error });
      options.onFailure?.(failure);
      return false;
    }
  };

  // A delete has no `after`; a create no `before`. The primary contact (`type: PRIMARY`) carries its own
  // field names, masked by the same redactor.
  const itemFields = (item: WriteItem, accountName: string) => ({
    accountId: item.accountId,
    accountName,
    type: item.type,
    action: item.action,
    before: redactor.contact(item.action === 'create' ? null : item.before),
    after: redactor.contact(item.action === 'delete' ? null : item.after),
    changedFields: item.action === 'delete' ? [] : item.changedFields,
  });

  const changeFailed: AuditLog['changeFailed'] = (item, accountName, error, attempts, written) => {
    inFlight.delete(itemKey(item));
    line(
      'error',
      { event: 'change.failed', ...itemFields(item, accountName), attempts, written, error },
      'alternate contact not written',
    );
  };

  return {
    get failure() {
      return failure;
    },
    runStart: (fields) => {
      line('info', { event: 'run.start', ...fields }, 'run started');
    },
    policyWarning: (warning) => {
      line('info', { event: 'policy.warning', ...warning }, 'policy selector matches nothing');
    },
    drift: (item, accountName) => {
      line('info', { event: 'drift', ...itemFields(item, accountName) }, 'contact differs from policy');
    },
    changeStarted: (item, accountName) => {
      const ok = line(
        'info',
        { event: 'change.started', ...itemFields(item, accountName) },
        'writing alternate contact',
      );
      if (ok) inFlight.set(itemKey(item), { item, accountName });
      return ok;
    },
    changeApplied: (item, accountName, attempts) => {
      inFlight.delete(itemKey(item));
      line(
        'info',
        { event: 'change.applied', ...itemFields(item, accountName), attempts },
        'alternate contact written',
      );
    },
    changeFailed,
    accountError: (accountId, accountName, type, error) => {
      line(
        'error',
        { event: 'account.error', accountId, accountName, type, error },
        'alternate contact could not be read',
      );
    },
    abandonInFlight: () => {
      for (const { item, accountName } of [...inFlight.values()])
        changeFailed(item, accountName, FORCED_EXIT_ERROR, 1, null);
    },
    runEnd: (fields) => {
      const failed = fields.exitCode !== 0 && fields.exitCode !== 2;
      line(
        failed ? 'error' : 'info',
        { event: 'run.end', ...fields },
        fields.interrupted ? 'run interrupted' : failed ? 'run failed' : 'run finished',
      );
    },
  };
}
