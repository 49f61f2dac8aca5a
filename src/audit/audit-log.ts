import pino, { type DestinationStream, type Logger } from 'pino';
import type { Redactor } from '../core/redact.js';
import type { ContactType, ItemError, Mode, PlanItem, Summary } from '../core/types.js';

/**
 * The audit trail (SPEC "Audit log"): NDJSON lines with time, level, runId, event and msg. Messages are
 * constant; the data is in fields. Every line is written synchronously (fs.writeSync) so that a run killed
 * at any moment, even with SIGKILL, never leaves a write on AWS without its `change.started` line.
 */
export interface AuditLog {
  runStart(fields: RunStartFields): void;
  drift(item: PlanItem): void;
  changeStarted(item: PlanItem): void;
  changeApplied(item: PlanItem, attempts: number): void;
  changeFailed(item: PlanItem, error: ItemError, attempts: number, written: boolean | null): void;
  accountError(accountId: string, type: ContactType, error: ItemError): void;
  runEnd(fields: RunEndFields): void;
}

export interface RunStartFields {
  mode: Mode;
  policyFile: string;
  policySha256: string;
  callerAccountId: string;
  callerArn: string;
  toolVersion: string;
  planFile?: string;
}

export interface RunEndFields {
  summary: Summary | null;
  exitCode: number;
  durationMs: number;
  interrupted: boolean;
  /** Known once the preflight has read the organization. */
  organizationId?: string;
}

/** Opens the log file for appending (never truncated), creating its directory if needed. */
export function openAuditDestination(file: string): DestinationStream {
  return pino.destination({ dest: file, append: true, sync: true, mkdir: true });
}

export function createAuditLog(destination: DestinationStream, runId: string, redactor: Redactor): AuditLog {
  const logger: Logger = pino(
    {
      base: { runId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
    },
    destination,
  );

  const itemFields = (item: PlanItem) => ({
    accountId: item.accountId,
    type: item.type,
    action: item.action,
    before: redactor.contact(item.before),
    after: redactor.contact(item.after),
    changedFields: item.changedFields,
  });

  return {
    runStart: (fields) => logger.info({ event: 'run.start', ...fields }, 'run started'),
    drift: (item) => logger.info({ event: 'drift', ...itemFields(item) }, 'contact differs from policy'),
    changeStarted: (item) =>
      logger.info({ event: 'change.started', ...itemFields(item) }, 'writing alternate contact'),
    changeApplied: (item, attempts) =>
      logger.info({ event: 'change.applied', ...itemFields(item), attempts }, 'alternate contact written'),
    changeFailed: (item, error, attempts, written) =>
      logger.error(
        { event: 'change.failed', ...itemFields(item), attempts, written, error },
        'alternate contact not written',
      ),
    accountError: (accountId, type, error) =>
      logger.error({ event: 'account.error', accountId, type, error }, 'alternate contact could not be read'),
    runEnd: (fields) =>
      logger.info({ event: 'run.end', ...fields }, fields.interrupted ? 'run interrupted' : 'run finished'),
  };
}
