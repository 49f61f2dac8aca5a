import pLimit from 'p-limit';
import type { AuditLog } from '../audit/audit-log.js';
import { type DecisionContext, decideAccount, managedTypes } from '../core/desired.js';
import { errorItem, skipItem } from '../core/plan.js';
import { planContactItem } from '../core/plan-contact.js';
import type { DesiredPolicy } from '../core/policy.js';
import type { Account, ContactType, PlanAccount, PlanItem, SkipReason } from '../core/types.js';
import { AwsCallError } from '../errors.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';

export interface ScanDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  interrupt: Interrupt;
  /** Called with each item that would be written, as soon as its account is planned. */
  onWrite?: (item: PlanItem) => void;
  onAccountDone?: (account: PlanAccount) => void;
  /** Reads an account's tags when the policy uses tags and the account was listed without them. */
  readTags?: (accountId: string) => Promise<Record<string, string>>;
}

/**
 * Reads every managed contact of every account (at most `concurrency` accounts at once) and plans each
 * item. Accounts not reached because of an interrupt are reported as skipped, not silently dropped.
 */
export async function scanAccounts(
  accounts: Iterable<Account> | AsyncIterable<Account>,
  policy: DesiredPolicy,
  ctx: DecisionContext,
  concurrency: number,
  deps: ScanDeps,
): Promise<PlanAccount[]> {
  const types = managedTypes(policy);
  const limit = pLimit(concurrency);
  const scanOne = (account: Account) =>
    limit(async () => {
      const planned = deps.interrupt.requested
        ? skippedAccount(account, types, 'interrupted')
        : await planOneAccount(account, policy, ctx, types, deps);
      deps.onAccountDone?.(planned);
      return planned;
    });
  // Accounts are scanned as they are listed: the listing is never held up by the scan.
  const planned: Promise<PlanAccount>[] = [];
  try {
    for await (const account of accounts) planned.push(scanOne(account));
  } catch (error) {
    await Promise.allSettled(planned);
    throw error;
  }
  return Promise.all(planned);
}

async function planOneAccount(
  account: Account,
  policy: DesiredPolicy,
  ctx: DecisionContext,
  types: readonly ContactType[],
  deps: ScanDeps,
): Promise<PlanAccount> {
  if (deps.readTags !== undefined && account.tags === undefined) {
    try {
      account = { ...account, tags: await deps.readTags(account.id) };
    } catch (cause) {
      // Without its tags nobody can tell whether the account is in scope: it is not written, like an
      // account whose contacts cannot be read, and the others go on.
      const e = AwsCallError.from('organizations:ListTagsForResource', cause);
      const error = { code: e.code, message: e.message };
      const items = types.map((type) => errorItem(account.id, type, error));
      for (const item of items) deps.audit.accountError(item.accountId, item.type, error);
      return { accountId: account.id, accountName: account.name, state: account.state, items };
    }
  }
  const decision = decideAccount(account, policy, ctx);
  if (decision.kind === 'skip') return skippedAccount(account, types, decision.reason);

  const items = await Promise.all(
    types.map(async (type) => {
      const observed = await deps.gateway.read(account.id, type);
      return planContactItem(account.id, type, decision.contacts[type]!, observed);
    }),
  );
  for (const item of items) {
    if (item.action === 'error' && item.error) deps.audit.accountError(item.accountId, item.type, item.error);
    if (item.action === 'create' || item.action === 'update') {
      deps.audit.drift(item);
      deps.onWrite?.(item);
    }
  }
  return { accountId: account.id, accountName: account.name, state: account.state, items };
}

function skippedAccount(account: Account, types: readonly ContactType[], reason: SkipReason): PlanAccount {
  return {
    accountId: account.id,
    accountName: account.name,
    state: account.state,
    items: types.map((type) => skipItem(account.id, type, reason)),
  };
}
