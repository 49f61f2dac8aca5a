import { planItem, reportItem, skipItem, sortAccounts, summarise } from '../../src/core/plan.js';
import type {
  AccountState,
  Contact,
  ContactType,
  ItemError,
  Mode,
  NotWrittenReason,
  PlannedItem,
  ReportAccount,
  ReportItem,
  RunReport,
  SkipReason,
} from '../../src/core/types.js';

/**
 * Reports built the way the engine builds them (planItem/skipItem, reportItem, summarise, sortAccounts), for
 * renderer tests that need exact, hand-checked output without going through AWS.
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

/** A planned item, and (once applied) what happened to it. */
export type Built = ReportItem & { planned: PlannedItem };

const built = (planned: PlannedItem): Built => ({ ...reportItem(planned, undefined), planned });

export const create = (accountId: string, desired: Contact, type: ContactType = 'SECURITY'): Built =>
  built(planItem(accountId, type, desired, { kind: 'missing' }));

export const update = (
  accountId: string,
  current: Contact,
  desired: Contact,
  type: ContactType = 'SECURITY',
): Built => built(planItem(accountId, type, desired, { kind: 'present', contact: current }));

export const noop = (accountId: string, contact: Contact, type: ContactType = 'SECURITY'): Built =>
  built(planItem(accountId, type, contact, { kind: 'present', contact }));

export const readError = (accountId: string, error: ItemError, type: ContactType = 'SECURITY'): Built =>
  built(
    planItem(
      accountId,
      type,
      { name: 'x', title: 'x', email: 'x@x.io', phone: '1' },
      { kind: 'error', error },
    ),
  );

export const skip = (accountId: string, reason: SkipReason, type: ContactType = 'SECURITY'): Built =>
  built(skipItem(accountId, type, reason));

/** What the apply step does to an item: applied, failed (with error) or not written (with reason). */
export function applied(item: Built): Built {
  return { ...reportItem(item.planned, { kind: 'applied', attempts: 1 }), planned: item.planned };
}
export function failed(item: Built, error: ItemError): Built {
  return {
    ...reportItem(item.planned, { kind: 'failed', error, attempts: 1, written: false }),
    planned: item.planned,
  };
}
export function notWritten(item: Built, reason: NotWrittenReason): Built {
  return { ...reportItem(item.planned, { kind: 'not-written', reason }), planned: item.planned };
}

export function account(
  accountId: string,
  accountName: string,
  items: Built[],
  state: AccountState = 'ACTIVE',
): ReportAccount {
  return { accountId, accountName, state, items: items.map(({ planned: _, ...item }) => item) };
}

export function planOf(mode: Mode, accounts: ReportAccount[]): RunReport {
  return {
    version: 1,
    runId: 'run-0001',
    mode,
    createdAt: '2026-12-01T00:00:00.000Z',
    policy: { file: 'policy/contacts.yaml', sha256: 'a'.repeat(64) },
    organization: { id: ORG_ID, managementAccountId: MGMT_ID },
    caller: { accountId: MGMT_ID, arn: `arn:aws:iam::${MGMT_ID}:role/enforce` },
    redaction: null,
    summary: summarise(accounts),
    warnings: [],
    notChecked: [],
    accounts: sortAccounts(accounts),
  };
}
