import type { AuditLog } from '../audit/audit-log.js';
import { contactsEqual } from '../core/normalise.js';
import type { Contact, ItemError, WriteItem, WriteOutcome } from '../core/types.js';
import { AwsCallError, WriteNotSentError } from '../errors.js';
import type { Clock } from './clock.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { RunStop } from './stop.js';

export interface ApplyDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  stop: RunStop;
  clock: Clock;
}

/** Read-back delays: AWS answers reads from a store that may lag a write by a moment. */
const READ_BACK_DELAYS_MS = [0, 500, 1500];

type ReadBack = { kind: 'equal' } | { kind: 'differs' } | { kind: 'error'; error: ItemError };

const READ_BACK_MISMATCH: ItemError = {
  code: 'ReadBackMismatch',
  message: 'the contact read back after the write does not equal the policy',
};

/**
 * Writes one create/update item, then reads it back: `applied` only when AWS now holds the desired
 * contact. Logs `change.started` before the write is sent and one outcome line after. Never throws: one
 * account's failure never stops the others.
 */
export async function applyItem(
  item: WriteItem,
  accountName: string,
  deps: ApplyDeps,
): Promise<WriteOutcome> {
  if (deps.stop.reason !== null) return { kind: 'not-written', reason: deps.stop.reason };
  if (!deps.audit.changeStarted(item, accountName))
    return { kind: 'not-written', reason: 'audit-log-failed' };
  const outcome = await writeAndVerify(item, deps);
  if (outcome.kind === 'applied') deps.audit.changeApplied(item, accountName, outcome.attempts);
  else if (outcome.kind === 'failed')
    deps.audit.changeFailed(item, accountName, outcome.error, outcome.attempts, outcome.written);
  else {
    // Stopped inside the process before it was sent: AWS never saw it.
    const error = { code: 'NotSent', message: `not sent: ${outcome.reason}` };
    deps.audit.changeFailed(item, accountName, error, 0, false);
  }
  return outcome;
}

async function writeAndVerify(item: WriteItem, deps: ApplyDeps): Promise<WriteOutcome> {
  const desired = item.after;
  let attempts: number;
  try {
    ({ attempts } = await deps.gateway.write(item.accountId, item.type, desired));
  } catch (error) {
    const notSent = findNotSent(error);
    if (notSent !== undefined) return { kind: 'not-written', reason: notSent.reason };
    const e = AwsCallError.from('account:PutAlternateContact', error);
    const failure = { code: e.code, message: e.message };
    const tried = e.attempts ?? 1;
    // A 4xx answer is a refusal: nothing was written. Without an answer (connection lost, timed out) or
    // with a 5xx, AWS may have applied the write, so ask it rather than tell the auditor "not written".
    if (e.httpStatus !== undefined && e.httpStatus >= 400 && e.httpStatus < 500) {
      return { kind: 'failed', error: failure, attempts: tried, written: false };
    }
    const back = await readBack(item, desired, deps);
    if (back.kind === 'equal') return { kind: 'applied', attempts: tried };
    return {
      kind: 'failed',
      error: failure,
      attempts: tried,
      written: back.kind === 'differs' ? false : null,
    };
  }

  const back = await readBack(item, desired, deps);
  if (back.kind === 'equal') return { kind: 'applied', attempts };
  return {
    kind: 'failed',
    error: back.kind === 'error' ? back.error : READ_BACK_MISMATCH,
    attempts,
    written: true,
  };
}

function findNotSent(error: unknown): WriteNotSentError | undefined {
  if (error instanceof WriteNotSentError) return error;
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof WriteNotSentError ? cause : undefined;
}

async function readBack(item: WriteItem, desired: Contact, deps: ApplyDeps): Promise<ReadBack> {
  let last: ReadBack = { kind: 'differs' };
  for (const delay of READ_BACK_DELAYS_MS) {
    if (delay > 0) await deps.clock.sleep(delay);
    const observed = await deps.gateway.read(item.accountId, item.type);
    if (observed.kind === 'error') return { kind: 'error', error: observed.error };
    if (observed.kind === 'present' && contactsEqual(observed.contact, desired)) return { kind: 'equal' };
    last = { kind: 'differs' };
  }
  return last;
}
