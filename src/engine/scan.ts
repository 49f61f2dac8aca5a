import pLimit from 'p-limit';
import type { AuditLog } from '../audit/audit-log.js';
import { type DecisionContext, decideAccount, decideByState } from '../core/desired.js';
import { errorItem, isWrite, skipItem } from '../core/plan.js';
import { managedItemTypes, planAlternateItem, planPrimaryItem } from '../core/plan-kinds.js';
import type { DesiredPolicy } from '../core/policy.js';
import type {
  Account,
  ContactType,
  ItemType,
  ObservedContact,
  PlannedAccount,
  PlannedItem,
  SkipReason,
} from '../core/types.js';
import { AwsCallError } from '../errors.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { RunStop } from './stop.js';

export interface ScanDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  stop: RunStop;
  /** Each account as soon as it is planned (its writes may be queued at once). */
  onPlanned?: (account: PlannedAccount) => void;
  /** Reads an account's tags when the policy uses tags and the account was listed without them. */
  readTags?: (accountId: string) => Promise<Record<string, string>>;
  /**
   * Each account as read (tags included), with every alternate contact read for it and when: what the
   * selector checks saw, what `--state-out` saves and the report's read times. Called for every account
   * the scan reached, with no contacts for one that was skipped before any read.
   */
  onObserved?: (account: Account, contacts: ObservedContacts) => void;
}

/** The contacts read for one account, each with the moment its answer arrived. */
export type ObservedContacts = Partial<Record<ContactType, { observed: ObservedContact; readAt: Date }>>;

/**
 * Reads every managed contact of every account (at most `concurrency` accounts at once) and plans each
 * item. Accounts are scanned as they are listed: the listing is never held up by the scan. Accounts not
 * reached because the run was stopped are reported as not read, not silently dropped.
 */
export async function scanAccounts(
  accounts: AsyncIterable<Account> | Iterable<Account>,
  policy: DesiredPolicy,
  ctx: DecisionContext,
  concurrency: number,
  deps: ScanDeps,
): Promise<PlannedAccount[]> {
  const types = managedItemTypes(policy);
  const limit = pLimit(concurrency);
  const scanOne = (account: Account) =>
    limit(async () => {
      const planned = await planAccount(account, policy, ctx, types, deps);
      deps.onPlanned?.(planned);
      return planned;
    });
  const planned: Promise<PlannedAccount>[] = [];
  try {
    for await (const account of accounts) planned.push(scanOne(account));
  } catch (error) {
    await Promise.allSettled(planned);
    throw error;
  }
  return Promise.all(planned);
}

async function planAccount(
  account: Account,
  policy: DesiredPolicy,
  ctx: DecisionContext,
  types: readonly ItemType[],
  deps: ScanDeps,
): Promise<PlannedAccount> {
  // Decided from the listing alone: nothing more is read for an account that is not ACTIVE.
  const byState = decideByState(account);
  if (byState?.kind === 'skip') {
    deps.onObserved?.(account, {});
    return skippedAccount(account, types, byState.reason);
  }
  if (deps.stop.reason !== null) return skippedAccount(account, types, 'not-read');

  if (deps.readTags !== undefined && account.tags === undefined) {
    try {
      account = { ...account, tags: await deps.readTags(account.id) };
    } catch (cause) {
      // Without its tags nobody can tell whether the account is in scope: it is not written, like an
      // account whose contacts cannot be read, and the others go on.
      const e = AwsCallError.from('organizations:ListTagsForResource', cause);
      const error = { code: e.code, message: e.message };
      for (const type of types) deps.audit.accountError(account.id, account.name, type, error);
      return { ...accountOf(account), items: types.map((type) => errorItem(account.id, type, error)) };
    }
  }
  const decision = decideAccount(account, policy, ctx);
  if (decision.kind === 'skip') {
    deps.onObserved?.(account, {});
    return skippedAccount(account, types, decision.reason);
  }

  const contacts: ObservedContacts = {};
  const items = await Promise.all(
    types.map(async (type): Promise<PlannedItem> => {
      if (type === 'PRIMARY')
        return planPrimaryItem(account.id, decision.primary!, await deps.gateway.readPrimary(account.id));
      const observed = await deps.gateway.read(account.id, type);
      contacts[type] = { observed, readAt: new Date() };
      return planAlternateItem(account.id, type, decision.contacts[type]!, observed);
    }),
  );
  deps.onObserved?.(account, contacts);
  for (const item of items) {
    if (item.action === 'error') deps.audit.accountError(item.accountId, account.name, item.type, item.error);
    if (isWrite(item)) deps.audit.drift(item, account.name);
  }
  return { ...accountOf(account), items };
}

function accountOf(account: Account) {
  return { accountId: account.id, accountName: account.name, state: account.state };
}

function skippedAccount(account: Account, types: readonly ItemType[], reason: SkipReason): PlannedAccount {
  return { ...accountOf(account), items: types.map((type) => skipItem(account.id, type, reason)) };
}
