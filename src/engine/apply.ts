import type { AuditLog } from '../audit/audit-log.js';
import { contactsEqual } from '../core/normalise.js';
import type { Contact, ItemError, PlanItem } from '../core/types.js';
import { AwsCallError } from '../errors.js';
import type { Clock } from './clock.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';

export interface ApplyDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  interrupt: Interrupt;
  clock: Clock;
  /** Items whose `change.started` is logged and whose outcome is not yet: for a forced exit. */
  inFlight: Set<PlanItem>;
}

/** Read-back delays: AWS answers reads from a store that may lag a write by a moment. */
const READ_BACK_DELAYS_MS = [0, 500, 1500];

type ReadBack = { kind: 'equal' } | { kind: 'differs' } | { kind: 'error'; error: ItemError };

/**
 * Writes one create/update item, then reads it back; `applied` only when AWS now holds the desired contact.
 * Mutates `item.result` (and `reason`/`error`). Never throws: one account's failure never stops the others.
 */
export async function applyItem(item: PlanItem, deps: ApplyDeps): Promise<void> {
  const desired = item.after;
  if (desired === null) throw new Error(`item ${item.accountId}/${item.type} has no desired contact`);
  if (deps.interrupt.requested) {
    item.result = 'skipped';
    item.reason = 'interrupted';
    return;
  }

  deps.audit.changeStarted(item);
  deps.inFlight.add(item);
  try {
    await writeAndVerify(item, desired, deps);
  } finally {
    deps.inFlight.delete(item);
  }
}

async function writeAndVerify(item: PlanItem, desired: Contact, deps: ApplyDeps): Promise<void> {
  let attempts: number;
  try {
    ({ attempts } = await deps.gateway.write(item.accountId, item.type, desired));
  } catch (error) {
    const e = AwsCallError.from('account:PutAlternateContact', error);
    const failure = { code: e.code, message: e.message };
    // A 4xx answer is a refusal: nothing was written. Without an answer (connection lost) or with a 5xx,
    // AWS may have applied the write, so ask it rather than tell the auditor "not written".
    if (e.httpStatus !== undefined && e.httpStatus >= 400 && e.httpStatus < 500) {
      fail(item, failure, e.attempts ?? 1, false, deps.audit);
      return;
    }
    const back = await readBack(item, desired, deps);
    if (back.kind === 'equal') succeed(item, e.attempts ?? 1, deps.audit);
    else fail(item, failure, e.attempts ?? 1, back.kind === 'differs' ? false : null, deps.audit);
    return;
  }

  const back = await readBack(item, desired, deps);
  if (back.kind === 'equal') succeed(item, attempts, deps.audit);
  else if (back.kind === 'error') fail(item, back.error, attempts, true, deps.audit);
  else {
    const mismatch = {
      code: 'ReadBackMismatch',
      message: 'the contact read back after the write does not equal the policy',
    };
    fail(item, mismatch, attempts, true, deps.audit);
  }
}

async function readBack(item: PlanItem, desired: Contact, deps: ApplyDeps): Promise<ReadBack> {
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

function succeed(item: PlanItem, attempts: number, audit: AuditLog) {
  item.result = 'applied';
  audit.changeApplied(item, attempts);
}

/**
 * `written`: true when the write succeeded but the read-back did not confirm it, false when AWS does not
 * hold the value, null when nobody can tell (no answer, and the read-back failed too).
 */
function fail(item: PlanItem, error: ItemError, attempts: number, written: boolean | null, audit: AuditLog) {
  item.result = 'failed';
  item.error = error;
  audit.changeFailed(item, error, attempts, written);
}
