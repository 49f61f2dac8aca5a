import type { AuditLog } from '../audit/audit-log.js';
import { contactsEqual } from '../core/normalise.js';
import { assertNever } from '../core/plan.js';
import { changedPrimaryFields } from '../core/primary.js';
import type { ItemError, Observed, WriteItem, WriteOutcome } from '../core/types.js';
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
 * Writes one item (create/update of an alternate or the primary contact, or a delete), then reads it
 * back: `applied` only when AWS now holds the desired contact (for a delete: none). Logs `change.started` before the write is sent and one outcome line after. Never throws: one
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

/** How one kind of write is sent and confirmed: the operation (for errors), the call, one read-back. */
interface WriteOps {
  operation: string;
  send(): Promise<{ attempts: number }>;
  check(): Promise<ReadBack>;
  mismatch: ItemError;
}

const READ_BACK_STILL_THERE: ItemError = {
  code: 'ReadBackMismatch',
  message: 'the contact read back after the delete is still there',
};

function opsFor(item: WriteItem, gateway: ContactsGateway): WriteOps {
  const { accountId } = item;
  if (item.type === 'PRIMARY') {
    const desired = item.after;
    return {
      operation: 'account:PutContactInformation',
      send: () => gateway.writePrimary(accountId, desired),
      check: async () =>
        verdict(await gateway.readPrimary(accountId), (c) => changedPrimaryFields(c, desired).length === 0),
      mismatch: READ_BACK_MISMATCH,
    };
  }
  const { type } = item;
  switch (item.action) {
    case 'delete':
      return {
        operation: 'account:DeleteAlternateContact',
        send: () => gateway.delete(accountId, type),
        check: async () => {
          const observed = await gateway.read(accountId, type);
          // ResourceNotFound on the read-back is the delete confirmed.
          if (observed.kind === 'missing') return { kind: 'equal' };
          return observed.kind === 'error' ? observed : { kind: 'differs' };
        },
        mismatch: READ_BACK_STILL_THERE,
      };
    case 'create':
    case 'update': {
      const desired = item.after;
      return {
        operation: 'account:PutAlternateContact',
        send: () => gateway.write(accountId, type, desired),
        check: async () => verdict(await gateway.read(accountId, type), (c) => contactsEqual(c, desired)),
        mismatch: READ_BACK_MISMATCH,
      };
    }
    default:
      return assertNever(item);
  }
}

function verdict<C>(observed: Observed<C>, equal: (contact: C) => boolean): ReadBack {
  if (observed.kind === 'error') return { kind: 'error', error: observed.error };
  return observed.kind === 'present' && equal(observed.contact) ? { kind: 'equal' } : { kind: 'differs' };
}

async function writeAndVerify(item: WriteItem, deps: ApplyDeps): Promise<WriteOutcome> {
  const ops = opsFor(item, deps.gateway);
  let attempts: number;
  try {
    ({ attempts } = await ops.send());
  } catch (error) {
    const notSent = findNotSent(error);
    if (notSent !== undefined) return { kind: 'not-written', reason: notSent.reason };
    const e = AwsCallError.from(ops.operation, error);
    const failure = { code: e.code, message: e.message };
    const tried = e.attempts ?? 1;
    // A 4xx answer is a refusal: nothing was written. Without an answer (connection lost, timed out) or
    // with a 5xx, AWS may have applied the write, so ask it rather than tell the auditor "not written".
    if (e.httpStatus !== undefined && e.httpStatus >= 400 && e.httpStatus < 500) {
      return { kind: 'failed', error: failure, attempts: tried, written: false };
    }
    const back = await readBack(ops, deps);
    if (back.kind === 'equal') return { kind: 'applied', attempts: tried };
    return {
      kind: 'failed',
      error: failure,
      attempts: tried,
      written: back.kind === 'differs' ? false : null,
    };
  }

  const back = await readBack(ops, deps);
  if (back.kind === 'equal') return { kind: 'applied', attempts };
  return {
    kind: 'failed',
    error: back.kind === 'error' ? back.error : ops.mismatch,
    attempts,
    written: true,
  };
}

function findNotSent(error: unknown): WriteNotSentError | undefined {
  if (error instanceof WriteNotSentError) return error;
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof WriteNotSentError ? cause : undefined;
}

async function readBack(ops: WriteOps, deps: ApplyDeps): Promise<ReadBack> {
  let last: ReadBack = { kind: 'differs' };
  for (const delay of READ_BACK_DELAYS_MS) {
    if (delay > 0) await deps.clock.sleep(delay);
    last = await ops.check();
    if (last.kind !== 'differs') return last;
  }
  return last;
}
