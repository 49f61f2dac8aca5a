import type { AuditLog } from '../audit/audit-log.js';
import { contactsEqual } from '../core/normalise.js';
import type { ItemError, PlanItem } from '../core/types.js';
import { AwsCallError } from '../errors.js';
import type { Clock } from './clock.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';

export interface ApplyDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  interrupt: Interrupt;
  clock: Clock;
}

/** Read-back delays: AWS answers reads from a store that may lag a write by a moment. */
const READ_BACK_DELAYS_MS = [0, 500, 1500];

/**
 * Writes one create/update item, then reads it back; `applied` only when AWS now holds the desired contact.
 * Mutates `item.result` (and `reason`/`error`). Never throws: one account's failure never stops the others.
 */
export async function applyItem(item: PlanItem, deps: ApplyDeps): Promise<void> {
  const { gateway, audit } = deps;
  const desired = item.after;
  if (desired === null) throw new Error(`item ${item.accountId}/${item.type} has no desired contact`);
  if (deps.interrupt.requested) {
    item.result = 'skipped';
    item.reason = 'interrupted';
    return;
  }

  audit.changeStarted(item);
  let attempts: number;
  try {
    ({ attempts } = await gateway.write(item.accountId, item.type, desired));
  } catch (error) {
    const e = AwsCallError.from('account:PutAlternateContact', error);
    fail(item, { code: e.code, message: e.message }, e.attempts ?? 1, false, audit);
    return;
  }

  for (const delay of READ_BACK_DELAYS_MS) {
    if (delay > 0) await deps.clock.sleep(delay);
    const back = await gateway.read(item.accountId, item.type);
    if (back.kind === 'present' && contactsEqual(back.contact, desired)) {
      item.result = 'applied';
      audit.changeApplied(item, attempts);
      return;
    }
    if (back.kind === 'error') {
      fail(item, back.error, attempts, true, audit);
      return;
    }
  }
  fail(
    item,
    { code: 'ReadBackMismatch', message: 'the contact read back after the write does not equal the policy' },
    attempts,
    true,
    audit,
  );
}

/** `written`: the write itself succeeded and only the read-back failed, so AWS may hold the new value. */
function fail(item: PlanItem, error: ItemError, attempts: number, written: boolean, audit: AuditLog) {
  item.result = 'failed';
  item.error = error;
  audit.changeFailed(item, error, attempts, written);
}
