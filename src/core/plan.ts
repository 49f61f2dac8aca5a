import { changedFields } from './normalise.js';
import type {
  Action,
  Contact,
  ContactType,
  ItemError,
  ObservedContact,
  PlanAccount,
  PlanItem,
  Result,
  SkipReason,
  Summary,
} from './types.js';
import { CONTACT_FIELDS } from './types.js';

/** Compares what an account has with what the policy wants: one item per account and contact type. */
export function planItem(
  accountId: string,
  type: ContactType,
  desired: Contact,
  observed: ObservedContact,
): PlanItem {
  switch (observed.kind) {
    case 'missing':
      return item(accountId, type, 'create', { after: desired, changedFields: [...CONTACT_FIELDS] });
    case 'error':
      return item(accountId, type, 'error', { error: observed.error });
    case 'present': {
      const changed = changedFields(observed.contact, desired);
      return changed.length === 0
        ? item(accountId, type, 'noop', { before: observed.contact, after: observed.contact })
        : item(accountId, type, 'update', {
            before: observed.contact,
            after: desired,
            changedFields: changed,
          });
    }
  }
}

/** An item that could not be planned because something about its account could not be read. */
export function errorItem(accountId: string, type: ContactType, error: ItemError): PlanItem {
  return item(accountId, type, 'error', { error });
}

export function skipItem(accountId: string, type: ContactType, reason: SkipReason): PlanItem {
  return item(accountId, type, 'skip', { reason });
}

/** The result an item has before anything is written: what a dry-run reports. */
export function initialResult(action: Action): Result {
  switch (action) {
    case 'create':
    case 'update':
      return 'planned';
    case 'noop':
      return 'unchanged';
    case 'skip':
      return 'skipped';
    case 'error':
      return 'failed';
    default:
      return assertNever(action);
  }
}

export function isWrite(item: PlanItem): boolean {
  return item.action === 'create' || item.action === 'update';
}

function item(
  accountId: string,
  type: ContactType,
  action: Action,
  fields: Partial<Pick<PlanItem, 'before' | 'after' | 'changedFields' | 'reason'>> & { error?: ItemError },
): PlanItem {
  return {
    accountId,
    type,
    action,
    result: initialResult(action),
    before: fields.before ?? null,
    after: fields.after ?? null,
    changedFields: fields.changedFields ?? [],
    reason: fields.reason ?? null,
    error: fields.error ?? null,
  };
}

export function summarise(accounts: readonly PlanAccount[]): Summary {
  const summary: Summary = {
    accounts: accounts.length,
    items: 0,
    inSync: 0,
    create: 0,
    update: 0,
    skipped: 0,
    failed: 0,
    applied: 0,
  };
  for (const account of accounts) {
    for (const it of account.items) {
      summary.items += 1;
      if (it.action === 'noop') summary.inSync += 1;
      if (it.action === 'create') summary.create += 1;
      if (it.action === 'update') summary.update += 1;
      if (it.result === 'skipped') summary.skipped += 1;
      if (it.result === 'failed') summary.failed += 1;
      if (it.result === 'applied') summary.applied += 1;
    }
  }
  return summary;
}

/** Accounts sorted by id and items by type order, so output is stable whatever order reads finished in. */
export function sortAccounts(accounts: PlanAccount[]): PlanAccount[] {
  const order: Record<ContactType, number> = { SECURITY: 0, OPERATIONS: 1, BILLING: 2 };
  for (const a of accounts) a.items.sort((x, y) => order[x.type] - order[y.type]);
  return accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
