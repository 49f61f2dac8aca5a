import { type DesiredContact, desiredItem } from './desired.js';
import { errorItem, planItem } from './plan.js';
import {
  type Contact,
  type ContactType,
  type ObservedContact,
  type PlannedItem,
  POLICY_KEY_BY_TYPE,
} from './types.js';

/**
 * Bridge from `desiredItem` to round 1's PlanItem, so the current engine keeps planning exactly as before
 * for whole contacts and plans partial ones. The lead replaces it when PlanItem gets the `delete` action:
 * until then `absent` on an account that has a contact is an error item, so nothing is deleted or
 * overwritten by an engine that cannot yet do it.
 */
export function planContactItem(
  accountId: string,
  type: ContactType,
  desired: DesiredContact,
  observed: ObservedContact,
): PlannedItem {
  if (observed.kind === 'error') return errorItem(accountId, type, observed.error);
  const current = observed.kind === 'present' ? observed.contact : null;
  const intent = desiredItem(desired, current);
  switch (intent.action) {
    case 'noop':
      return current === null ? absentInSync(accountId, type) : planItem(accountId, type, current, observed);
    case 'create':
    case 'update':
      return planItem(accountId, type, intent.after, observed);
    case 'delete':
      return errorItem(accountId, type, {
        code: 'DeleteNotSupported',
        message: `the policy sets ${POLICY_KEY_BY_TYPE[type]} absent; this engine cannot delete contacts yet`,
      });
    case 'incomplete':
      return errorItem(accountId, type, incompleteError(type, intent.missingFields));
  }
}

/** The error of an item that cannot be created from a subset of fields: what to add, and where. */
export function incompleteError(type: ContactType, missingFields: readonly string[]) {
  const key = POLICY_KEY_BY_TYPE[type];
  return {
    code: 'IncompleteContact',
    message: `the account has no ${key} contact and the policy lists only some of its fields: set ${missingFields.join(', ')} in contacts.${key} or settings.createWith.${key}`,
  };
}

/** The whole contact the policy wants, given what the account has now: what a saved plan's item must equal. */
export function desiredAfter(
  desired: DesiredContact | undefined,
  current: Contact | null,
): Contact | undefined {
  if (desired === undefined) return undefined;
  const intent = desiredItem(desired, current);
  switch (intent.action) {
    case 'create':
    case 'update':
      return intent.after;
    case 'noop':
      return current ?? undefined;
    case 'delete':
    case 'incomplete':
      return undefined;
  }
}

function absentInSync(accountId: string, type: ContactType): PlannedItem {
  return { accountId, type, action: 'noop', current: null };
}
