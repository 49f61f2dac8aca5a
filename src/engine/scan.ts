import pLimit from 'p-limit';
import type { AuditLog } from '../audit/audit-log.js';
import { type DecisionContext, decideAccount, managedTypes } from '../core/desired.js';
import { planItem, skipItem } from '../core/plan.js';
import type { DesiredPolicy } from '../core/policy.js';
import type { Account, ContactType, PlanAccount, PlanItem, SkipReason } from '../core/types.js';
import type { ContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';

export interface ScanDeps {
  gateway: ContactsGateway;
  audit: AuditLog;
  interrupt: Interrupt;
  /** Called with each item that would be written, as soon as its account is planned. */
  onWrite?: (item: PlanItem) => void;
  onAccountDone?: (account: PlanAccount) => void;
}

/**
 * Reads every managed contact of every account (at most `concurrency` accounts at once) and plans each
 * item. Accounts not reached because of an interrupt are reported as skipped, not silently dropped.
 */
export async function scanAccounts(
  accounts: readonly Account[],
  policy: DesiredPolicy,
  ctx: DecisionContext,
  concurrency: number,
  deps: ScanDeps,
): Promise<PlanAccount[]> {
  const types = managedTypes(policy);
  const limit = pLimit(concurrency);
  return Promise.all(
    accounts.map((account) =>
      limit(async () => {
        const planned = deps.interrupt.requested
          ? skippedAccount(account, types, 'interrupted')
          : await planOneAccount(account, policy, ctx, types, deps);
        deps.onAccountDone?.(planned);
        return planned;
      }),
    ),
  );
}

async function planOneAccount(
  account: Account,
  policy: DesiredPolicy,
  ctx: DecisionContext,
  types: readonly ContactType[],
  deps: ScanDeps,
): Promise<PlanAccount> {
  const decision = decideAccount(account, policy, ctx);
  if (decision.kind === 'skip') return skippedAccount(account, types, decision.reason);

  const items = await Promise.all(
    types.map(async (type) => {
      const desired = decision.contacts[type]!.contact;
      const observed = await deps.gateway.read(account.id, type);
      return planItem(account.id, type, desired, observed);
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
