import pino, { type Level, type Logger } from 'pino';
import type { ItemError } from '../core/types.js';
import type { EventConcern } from './events.js';

/**
 * The handler's own NDJSON lines, in the audit log's format (time, level, runId, event, msg) so one
 * CloudWatch Logs Insights query reads both. Messages are constant; the data is in fields.
 */
export interface BatchLog {
  eventIgnored(messageId: string, concern: Extract<EventConcern, { kind: 'ignored' }>): void;
  messageUnreadable(messageId: string, error: string): void;
  retryScheduled(accountIds: readonly string[], attempt: number, delayMs: number): void;
  messageFailed(
    messageId: string,
    eventId: string | null,
    accountIds: readonly string[],
    errors: ItemError[],
  ): void;
  /** The run.start/run.end pair of a batch in which no engine run wrote its own (invalid policy, …). */
  runWithoutEngine(eventIds: readonly string[], exitCode: number, error: ItemError | null): void;
}

export function createBatchLog(writeLine: (line: string) => void, runId: string, level: Level): BatchLog {
  const logger: Logger = pino(
    {
      level,
      base: { runId },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
    },
    { write: writeLine },
  );
  return {
    eventIgnored: (messageId, concern) =>
      logger.debug(
        {
          event: 'event.ignored',
          messageId,
          eventId: concern.eventId,
          eventName: concern.eventName,
          reason: concern.reason,
        },
        'event does not concern an account',
      ),
    messageUnreadable: (messageId, error) =>
      logger.error(
        { event: 'message.unreadable', messageId, error },
        'message body is not an EventBridge event',
      ),
    retryScheduled: (accountIds, attempt, delayMs) =>
      logger.info(
        { event: 'retry.scheduled', accountIds, attempt, delayMs },
        'new account not ready: retrying',
      ),
    messageFailed: (messageId, eventId, accountIds, errors) =>
      logger.error(
        { event: 'message.failed', messageId, eventId, accountIds, errors },
        'message returned to the queue',
      ),
    runWithoutEngine: (eventIds, exitCode, error) => {
      logger.info({ event: 'run.start', mode: 'apply', eventIds }, 'run started');
      logger.info(
        { event: 'run.end', summary: null, exitCode, interrupted: false, eventIds, error },
        'run finished',
      );
    },
  };
}
