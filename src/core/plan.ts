import { changedFields } from './normalise.js';
import {
  CONTACT_FIELDS,
  type Contact,
  type ContactType,
  ITEM_TYPES,
  type ItemError,
  type ItemType,
  itemKey,
  NOT_WRITTEN_REASONS,
  type NotWrittenReason,
  type ObservedContact,
  type Outcomes,
  type PlannedAccount,
  type PlannedItem,
  type ReportAccount,
  type ReportItem,
  type SkipReason,
  type Summary,
  type WriteItem,
  type WriteOutcome,
} from './types.js';

/** Compares what an account has with what the policy wants: one item per account and contact type. */
export function planItem(
  accountId: string,
  type: ContactType,
  desired: Contact,
  observed: ObservedContact,
): PlannedItem {
  switch (observed.kind) {
    case 'missing':
      return { accountId, type, action: 'create', after: desired, changedFields: [...CONTACT_FIELDS] };
    case 'error':
      return { accountId, type, action: 'error', error: observed.error };
    case 'present': {
      const changed = changedFields(observed.contact, desired);
      return changed.length === 0
        ? { accountId, type, action: 'noop', current: observed.contact }
        : {
            accountId,
            type,
            action: 'update',
            before: observed.contact,
            after: desired,
            changedFields: changed,
          };
    }
    default:
      return assertNever(observed);
  }
}

/** An item that could not be planned because something about its account could not be read. */
export function errorItem(accountId: string, type: ItemType, error: ItemError): PlannedItem {
  return type === 'PRIMARY'
    ? { accountId, type, action: 'error', error }
    : { accountId, type, action: 'error', error };
}

export function skipItem(accountId: string, type: ItemType, reason: SkipReason): PlannedItem {
  return type === 'PRIMARY'
    ? { accountId, type, action: 'skip', reason }
    : { accountId, type, action: 'skip', reason };
}

export function isWrite(item: PlannedItem): item is WriteItem {
  return isWriteAction(item.action);
}

/**
 * The report's view of one item: the plan and (in apply mode) the outcome of its write, flattened into
 * the SPEC JSON fields. A dry-run's writes are `planned`.
 */
export function reportItem(item: PlannedItem, outcome: WriteOutcome | undefined): ReportItem {
  const base = { accountId: item.accountId, type: item.type, action: item.action };
  switch (item.action) {
    case 'create':
    case 'update':
    case 'delete': {
      const fields = {
        ...base,
        before: item.action === 'create' ? null : item.before,
        after: item.action === 'delete' ? null : item.after,
        changedFields: item.action === 'delete' ? [] : item.changedFields,
      };
      if (outcome === undefined) return { ...fields, result: 'planned', reason: null, error: null };
      switch (outcome.kind) {
        case 'applied':
          return { ...fields, result: 'applied', reason: null, error: null };
        case 'failed':
          return { ...fields, result: 'failed', reason: null, error: outcome.error };
        case 'not-written':
          return {
            ...fields,
            result: outcome.reason === 'already-in-sync' ? 'unchanged' : 'skipped',
            reason: outcome.reason,
            error: null,
          };
        default:
          return assertNever(outcome);
      }
    }
    case 'noop':
      return {
        ...base,
        result: 'unchanged',
        before: item.current,
        after: item.current,
        changedFields: [],
        reason: null,
        error: null,
      };
    case 'skip':
      return {
        ...base,
        result: 'skipped',
        before: null,
        after: null,
        changedFields: [],
        reason: item.reason,
        error: null,
      };
    case 'error':
      return {
        ...base,
        result: 'failed',
        before: null,
        after: null,
        changedFields: [],
        reason: null,
        error: item.error,
      };
    default:
      return assertNever(item);
  }
}

/** Plan and outcomes, as the report's accounts: sorted by account id, items in type order. */
export function reportAccounts(accounts: readonly PlannedAccount[], outcomes: Outcomes): ReportAccount[] {
  return sortAccounts(
    accounts.map((account) => ({
      accountId: account.accountId,
      accountName: account.accountName,
      state: account.state,
      items: account.items.map((item) => reportItem(item, outcomes.get(itemKey(item)))),
    })),
  );
}

function emptyNotWritten(): Record<NotWrittenReason, number> {
  return Object.fromEntries(NOT_WRITTEN_REASONS.map((r) => [r, 0])) as Record<NotWrittenReason, number>;
}

/**
 * Counts contacts by what the plan said and what happened. `inSync` includes saved-plan items found
 * already in sync; `skipped` counts every item reported `skipped` (decided skips and writes not made).
 */
export function summarise(accounts: readonly ReportAccount[]): Summary {
  const summary: Summary = {
    accounts: accounts.length,
    items: 0,
    inSync: 0,
    create: 0,
    update: 0,
    delete: 0,
    skipped: 0,
    failed: 0,
    applied: 0,
    notWritten: emptyNotWritten(),
  };
  for (const account of accounts) {
    for (const it of account.items) {
      summary.items += 1;
      if (it.action === 'create') summary.create += 1;
      if (it.action === 'update') summary.update += 1;
      if (it.action === 'delete') summary.delete += 1;
      if (it.result === 'unchanged') summary.inSync += 1;
      if (it.result === 'skipped') summary.skipped += 1;
      if (it.result === 'failed') summary.failed += 1;
      if (it.result === 'applied') summary.applied += 1;
      if (isWriteAction(it.action) && it.reason !== null && isNotWrittenReason(it.reason))
        summary.notWritten[it.reason] += 1;
    }
  }
  return summary;
}

/** The actions that send a write to AWS: what max-changes counts and the write queue runs. */
export function isWriteAction(action: ReportItem['action']): boolean {
  switch (action) {
    case 'create':
    case 'update':
    case 'delete':
      return true;
    case 'noop':
    case 'skip':
    case 'error':
      return false;
    default:
      return assertNever(action);
  }
}

export function isNotWrittenReason(reason: string): reason is NotWrittenReason {
  return (NOT_WRITTEN_REASONS as readonly string[]).includes(reason);
}

const TYPE_ORDER = Object.fromEntries(ITEM_TYPES.map((t, i) => [t, i])) as Record<ItemType, number>;

/** Accounts sorted by id and items by type order, so output is stable whatever order reads finished in. */
export function sortAccounts<A extends { accountId: string; items: { type: ItemType }[] }>(
  accounts: A[],
): A[] {
  for (const a of accounts) a.items.sort((x, y) => TYPE_ORDER[x.type] - TYPE_ORDER[y.type]);
  return accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${String(value)}`);
}
