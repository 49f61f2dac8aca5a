import {
  type DesiredContact,
  type DesiredPrimary,
  desiredItem,
  desiredPrimaryItem,
  managedTypes,
} from './desired.js';
import { assertNever } from './plan.js';
import type { DesiredPolicy } from './policy.js';
import { PRIMARY_FIELDS, type PrimaryField } from './primary.js';
import {
  type AlternateItem,
  CONTACT_FIELDS,
  type Contact,
  type ContactType,
  type ItemError,
  type ItemType,
  type ObservedContact,
  type ObservedPrimary,
  POLICY_KEY_BY_TYPE,
  type PrimaryContact,
  type PrimaryItem,
} from './types.js';

/**
 * Plans one alternate contact type of one account from what the policy wants (`desiredItem`) and what
 * the account has: `delete` for an absent type the account has, `create`/`update` with the unlisted
 * fields kept from the account, `error` (IncompleteContact) when a subset cannot make a whole contact.
 */
export function planAlternateItem(
  accountId: string,
  type: ContactType,
  desired: DesiredContact,
  observed: ObservedContact,
): AlternateItem {
  if (observed.kind === 'error') return { accountId, type, action: 'error', error: observed.error };
  const current = observed.kind === 'present' ? observed.contact : null;
  const intent = desiredItem(desired, current);
  switch (intent.action) {
    case 'noop':
      return { accountId, type, action: 'noop', current };
    case 'delete':
      // desiredItem plans a delete only for a contact that exists.
      return current === null
        ? { accountId, type, action: 'noop', current }
        : { accountId, type, action: 'delete', before: current };
    case 'create':
      // A created contact is written whole: every field is new to the account.
      return { accountId, type, action: 'create', after: intent.after, changedFields: [...CONTACT_FIELDS] };
    case 'update':
      return current === null
        ? { accountId, type, action: 'create', after: intent.after, changedFields: [...CONTACT_FIELDS] }
        : {
            accountId,
            type,
            action: 'update',
            before: current,
            after: intent.after,
            changedFields: intent.changedFields,
          };
    case 'incomplete':
      return { accountId, type, action: 'error', error: incompleteError(type, intent.missingFields) };
    default:
      return assertNever(intent);
  }
}

/** The primary contact's item, planned like an alternate type's (it cannot be absent). */
export function planPrimaryItem(
  accountId: string,
  desired: DesiredPrimary,
  observed: ObservedPrimary,
): PrimaryItem {
  const type = 'PRIMARY' as const;
  if (observed.kind === 'error') return { accountId, type, action: 'error', error: observed.error };
  const current = observed.kind === 'present' ? observed.contact : null;
  const intent = desiredPrimaryItem(desired, current);
  switch (intent.action) {
    case 'noop':
      return { accountId, type, action: 'noop', current };
    case 'delete':
      // desiredPrimaryItem never deletes: the Account API has no call for it.
      return { accountId, type, action: 'noop', current };
    case 'create':
      return {
        accountId,
        type,
        action: 'create',
        after: intent.after,
        changedFields: setFields(intent.after),
      };
    case 'update':
      return current === null
        ? { accountId, type, action: 'create', after: intent.after, changedFields: setFields(intent.after) }
        : {
            accountId,
            type,
            action: 'update',
            before: current,
            after: intent.after,
            changedFields: intent.changedFields,
          };
    case 'incomplete':
      return { accountId, type, action: 'error', error: incompletePrimaryError(intent.missingFields) };
    default:
      return assertNever(intent);
  }
}

function setFields(contact: PrimaryContact): PrimaryField[] {
  return PRIMARY_FIELDS.filter((field) => (contact[field] ?? '').trim() !== '');
}

/** The error of an item that cannot be created from a subset of fields: what to add, and where. */
export function incompleteError(type: ContactType, missingFields: readonly string[]): ItemError {
  const key = POLICY_KEY_BY_TYPE[type];
  return {
    code: 'IncompleteContact',
    message: `the account has no ${key} contact and the policy lists only some of its fields: set ${missingFields.join(', ')} in contacts.${key} or settings.createWith.${key}`,
  };
}

export function incompletePrimaryError(missingFields: readonly string[]): ItemError {
  return {
    code: 'IncompleteContact',
    message: `the account has no primary contact and the policy lists only some of its fields: set ${missingFields.join(', ')} in contacts.primary or settings.createWith.primary`,
  };
}

/**
 * What the policy wants an alternate contact to be, given what the account has now: the whole contact a
 * saved plan's write must equal, `null` when the policy wants it absent, `undefined` when no contact can
 * be derived (not managed, or a subset with nothing to complete it).
 */
export function desiredAfter(
  desired: DesiredContact | undefined,
  current: Contact | null,
): Contact | null | undefined {
  if (desired === undefined) return undefined;
  const intent = desiredItem(desired, current);
  switch (intent.action) {
    case 'create':
    case 'update':
      return intent.after;
    case 'noop':
      return current ?? (desired.kind === 'absent' ? null : undefined);
    case 'delete':
      return null;
    case 'incomplete':
      return undefined;
    default:
      return assertNever(intent);
  }
}

/** …and the primary contact (`undefined`: not managed, or cannot be created from a subset). */
export function desiredPrimaryAfter(
  desired: DesiredPrimary | undefined,
  current: PrimaryContact | null,
): PrimaryContact | undefined {
  if (desired === undefined) return undefined;
  const intent = desiredPrimaryItem(desired, current);
  switch (intent.action) {
    case 'create':
    case 'update':
      return intent.after;
    case 'noop':
      return current ?? undefined;
    case 'delete':
    case 'incomplete':
      return undefined;
    default:
      return assertNever(intent);
  }
}

/** Every item a managed account gets: the managed alternate types, then the primary contact if managed. */
export function managedItemTypes(policy: DesiredPolicy): ItemType[] {
  return [...managedTypes(policy), ...(policy.primary === undefined ? [] : (['PRIMARY'] as const))];
}
