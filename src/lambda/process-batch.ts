import type { AwsClients } from '../aws/clients.js';
import type { ItemError } from '../core/types.js';
import type { Clock } from '../engine/clock.js';
import { PolicyError } from '../errors.js';
import { createBatchLog } from './batch-log.js';
import { type AccountOutcome, type EnforcementBatch, openEnforcementBatch } from './enforce-accounts.js';
import { accountsOfEvent, isNewAccountTrigger } from './events.js';

/** The parts of Lambda's SQS event the handler reads. */
export interface SqsEvent {
  Records: readonly { messageId: string; body: string }[];
}

/** The part of Lambda's context the handler reads. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Lambda's partial batch response: only these messages return to the queue (ReportBatchItemFailures). */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface HandlerSettings {
  policyFile: string;
  redact: boolean;
  /** The masks' key: ENFORCE_REDACT_KEY, or one made for the batch. */
  redactKey: Buffer;
  /** The enforcer's own role: its writes are not edits to undo. */
  enforcerRoleArn?: string;
  toolVersion: string;
  logLevel: 'debug' | 'info';
}

export interface ProcessDeps {
  clients: AwsClients;
  clock: Clock;
  writeLine: (line: string) => void;
  newRunId: () => string;
}

/**
 * A new account can take a while to answer the Account API: AccessDenied until its roles exist, and it
 * may not be listed by Organizations at once. Waits double from RETRY_FIRST_DELAY_MS up to
 * RETRY_MAX_DELAY_MS while the batch's time lasts; what is still not ready returns to the queue, and SQS
 * redelivers it after the visibility timeout.
 */
export const RETRY_FIRST_DELAY_MS = 2_000;
export const RETRY_MAX_DELAY_MS = 20_000;
/** Left for writing run.end and returning: Lambda kills the function at its timeout. */
export const RETRY_TIME_RESERVE_MS = 5_000;
const NOT_READY_CODES = new Set(['ResourceNotFoundException', 'AccessDeniedException']);

interface Message {
  messageId: string;
  eventId: string | null;
  accountIds: string[];
}

/** One SQS batch of EventBridge events: level-based, so two events for one account write once. */
export async function processBatch(
  event: SqsEvent,
  context: LambdaContext,
  settings: HandlerSettings,
  deps: ProcessDeps,
): Promise<BatchResponse> {
  const runId = deps.newRunId();
  const log = createBatchLog(deps.writeLine, runId, settings.logLevel);
  const failures = new Set<string>();
  const messages: Message[] = [];
  const newAccounts = new Set<string>();

  for (const record of event.Records) {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (error) {
      // Kept for the dead-letter queue, where someone can read what sent it.
      log.messageUnreadable(record.messageId, String(error));
      failures.add(record.messageId);
      continue;
    }
    const concern = accountsOfEvent(body, { enforcerRoleArn: settings.enforcerRoleArn });
    if (concern.kind === 'ignored') {
      log.eventIgnored(record.messageId, concern);
      messages.push({ messageId: record.messageId, eventId: concern.eventId, accountIds: [] });
      continue;
    }
    messages.push({ messageId: record.messageId, eventId: concern.eventId, accountIds: concern.accountIds });
    if (isNewAccountTrigger(concern.trigger)) for (const id of concern.accountIds) newAccounts.add(id);
  }
  const all = new Set(event.Records.map((r) => r.messageId));
  const response = (ids: Iterable<string>): BatchResponse => ({
    batchItemFailures: [...ids].map((itemIdentifier) => ({ itemIdentifier })),
  });

  const eventIds = messages.flatMap((m) =>
    m.eventId === null || m.accountIds.length === 0 ? [] : [m.eventId],
  );
  const accountIds = [...new Set(messages.flatMap((m) => m.accountIds))];

  // An invalid policy fails every message, before any AWS call: nothing is written from a policy nobody
  // could review, and the dead-letter queue shows it.
  let batch: EnforcementBatch;
  try {
    batch = await openEnforcementBatch(
      {
        policyFile: settings.policyFile,
        redact: settings.redact,
        redactKey: settings.redactKey,
        runId,
        eventIds,
        toolVersion: settings.toolVersion,
      },
      { clients: deps.clients, clock: deps.clock, writeLine: deps.writeLine },
    );
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    log.runWithoutEngine(eventIds, 65, { code: 'PolicyError', message: error.message });
    return response(all);
  }
  if (accountIds.length === 0) return response(failures);

  const outcomes = new Map<string, AccountOutcome>();
  let runError: ItemError | null = null;
  let pending = accountIds;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const attemptStarted = deps.clock.now();
    try {
      for (const [id, outcome] of await batch.enforce(pending)) outcomes.set(id, outcome);
    } catch (error) {
      // Preflight, credentials, listing: nothing about one account. Every message of these accounts returns.
      runError =
        error instanceof Error
          ? { code: error.name, message: error.message }
          : { code: 'Error', message: String(error) };
      for (const id of pending) outcomes.set(id, { status: 'failed', errors: [runError] });
      break;
    }
    const retry = pending.filter((id) => newAccounts.has(id) && mayBecomeReady(outcomes.get(id)));
    if (retry.length === 0) break;
    const delayMs = Math.min(RETRY_FIRST_DELAY_MS * 2 ** (attempt - 1), RETRY_MAX_DELAY_MS);
    // Another run takes about as long as this one did; start it only if it can finish in time.
    const needed = delayMs + (deps.clock.now() - attemptStarted) + RETRY_TIME_RESERVE_MS;
    if (context.getRemainingTimeInMillis() < needed) break;
    log.retryScheduled(retry, attempt, delayMs);
    await deps.clock.sleep(delayMs);
    pending = retry;
  }

  for (const message of messages) {
    const errors = message.accountIds.flatMap((id) => errorsOf(outcomes.get(id)));
    if (message.accountIds.some((id) => outcomes.get(id)?.status !== 'done')) {
      failures.add(message.messageId);
      log.messageFailed(message.messageId, message.eventId, message.accountIds, errors);
    }
  }
  const exitCode = failures.size === 0 ? 0 : 1;
  if (!batch.close(exitCode)) log.runWithoutEngine(eventIds, exitCode, runError);
  return response(failures);
}

function mayBecomeReady(outcome: AccountOutcome | undefined): boolean {
  if (outcome === undefined) return false;
  switch (outcome.status) {
    case 'done':
      return false;
    case 'not-ready':
      return true;
    case 'failed':
      return outcome.errors.every((e) => NOT_READY_CODES.has(e.code));
  }
}

function errorsOf(outcome: AccountOutcome | undefined): ItemError[] {
  if (outcome === undefined) return [{ code: 'NotRun', message: 'the account was not enforced' }];
  switch (outcome.status) {
    case 'done':
      return [];
    case 'failed':
      return outcome.errors;
    case 'not-ready':
      return [{ code: 'NotReady', message: `account ${outcome.why}` }];
  }
}
