import { planItem, skipItem, sortAccounts, summarise } from '../../src/core/plan.js';
import type {
  AccountState,
  Contact,
  ContactType,
  ItemError,
  Mode,
  Plan,
  PlanAccount,
  PlanItem,
  SkipReason,
} from '../../src/core/types.js';

/**
 * Plans built the way the engine builds them (planItem/skipItem, summarise, sortAccounts), for renderer
 * tests that need exact, hand-checked output without going through AWS.
 */
/** The security contact the render tests' policy wants (a non-placeholder domain, so lint stays quiet). */
export const WANT: Contact = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@acme.internal',
  phone: '+1-555-0142',
};

export const ORG_ID = 'o-exampleorg1';
export const MGMT_ID = '999999999999';

export const create = (accountId: string, desired: Contact, type: ContactType = 'SECURITY'): PlanItem =>
  planItem(accountId, type, desired, { kind: 'missing' });

export const update = (
  accountId: string,
  current: Contact,
  desired: Contact,
  type: ContactType = 'SECURITY',
): PlanItem => planItem(accountId, type, desired, { kind: 'present', contact: current });

export const noop = (accountId: string, contact: Contact, type: ContactType = 'SECURITY'): PlanItem =>
  planItem(accountId, type, contact, { kind: 'present', contact });

export const readError = (accountId: string, error: ItemError, type: ContactType = 'SECURITY'): PlanItem =>
  planItem(accountId, type, { name: 'x', title: 'x', email: 'x@x.io', phone: '1' }, { kind: 'error', error });

export const skip = (accountId: string, reason: SkipReason, type: ContactType = 'SECURITY'): PlanItem =>
  skipItem(accountId, type, reason);

/** What the apply step does to an item: applied, failed (with error) or not written (with reason). */
export function applied(item: PlanItem): PlanItem {
  return { ...item, result: 'applied' };
}
export function failed(item: PlanItem, error: ItemError): PlanItem {
  return { ...item, result: 'failed', error };
}
export function notWritten(item: PlanItem, reason: SkipReason): PlanItem {
  return { ...item, result: 'skipped', reason };
}

export function account(
  accountId: string,
  accountName: string,
  items: PlanItem[],
  state: AccountState = 'ACTIVE',
): PlanAccount {
  return { accountId, accountName, state, items };
}

export function planOf(mode: Mode, accounts: PlanAccount[]): Plan {
  return {
    version: 1,
    runId: 'run-0001',
    mode,
    policy: { file: 'policy/contacts.yaml', sha256: 'a'.repeat(64) },
    organization: { id: ORG_ID, managementAccountId: MGMT_ID },
    summary: summarise(accounts),
    accounts: sortAccounts(accounts),
  };
}
