import { assertNever } from '../core/plan.js';
import {
  type AccountState,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ContactType,
  type ItemError,
  type SkipReason,
} from '../core/types.js';
import { controlIds } from './controls.js';

/**
 * What a report says about one contact type of one account. Built once from a ReportInput; the CSV,
 * OCSF and HTML views only format these rows, so their numbers cannot disagree.
 */
export const COMPLIANCE_STATUSES = ['compliant', 'drift', 'missing', 'skipped', 'error'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

export interface ComplianceRow {
  accountId: string;
  accountName: string;
  /** OU names from the root's first child down to the account's parent, joined with '/'. '' at the root. */
  ouPath: string;
  state: AccountState;
  type: ContactType;
  status: ComplianceStatus;
  /** Skip reason code, or `CODE: message` of the read error; '' otherwise. */
  reason: string;
  changedFields: readonly ContactField[];
  /** When the contact was read (ISO 8601); null when it was not read (skipped, or the listing failed). */
  readAt: string | null;
  policySha256: string;
  controls: readonly string[];
  /** The contact as read, each value through the redactor; null when there is none or it was not read. */
  contact: Contact | null;
}

/**
 * The report's input: what the lead fills from the plan (one item per account × managed type, its
 * action) and the observations (the contact read, and when). Item mapping from plan actions:
 * noop → compliant, update → drift, create → missing, skip → skipped, error → error.
 */
export interface ReportInput {
  runId: string;
  /** When the run (or the snapshot it reports) started, ISO 8601. */
  runAt: string;
  organizationId: string;
  policy: { file: string; sha256: string };
  accounts: readonly ReportAccount[];
}

export interface ReportAccount {
  accountId: string;
  accountName: string;
  state: AccountState;
  /** OU names, root's first child first. */
  ouNames: readonly string[];
  items: readonly ReportItem[];
}

export type ReportItem =
  /** `contact` is null when the policy wants the type absent and the account has none. */
  | { type: ContactType; status: 'compliant'; contact: Contact | null; readAt: string }
  | {
      type: ContactType;
      status: 'drift';
      contact: Contact;
      changedFields: readonly ContactField[];
      readAt: string;
    }
  | { type: ContactType; status: 'missing'; readAt: string }
  | { type: ContactType; status: 'skipped'; reason: SkipReason }
  | { type: ContactType; status: 'error'; error: ItemError; readAt: string | null };

/** Masks a contact value the way --redact and SecureString values require (a Redactor's `field`). */
export type RedactField = (field: ContactField, value: string) => string;

export function buildComplianceRows(input: ReportInput, redact: RedactField): ComplianceRow[] {
  const rows = input.accounts.flatMap((account) =>
    account.items.map((item): ComplianceRow => {
      const base = {
        accountId: account.accountId,
        accountName: account.accountName,
        ouPath: account.ouNames.join('/'),
        state: account.state,
        type: item.type,
        status: item.status,
        policySha256: input.policy.sha256,
        controls: controlIds(item.type),
      };
      switch (item.status) {
        case 'compliant':
          return {
            ...base,
            reason: '',
            changedFields: [],
            readAt: item.readAt,
            contact: item.contact === null ? null : masked(item.contact),
          };
        case 'drift':
          return {
            ...base,
            reason: '',
            changedFields: item.changedFields,
            readAt: item.readAt,
            contact: masked(item.contact),
          };
        case 'missing':
          return { ...base, reason: '', changedFields: [], readAt: item.readAt, contact: null };
        case 'skipped':
          return { ...base, reason: item.reason, changedFields: [], readAt: null, contact: null };
        case 'error':
          return {
            ...base,
            reason: `${item.error.code}: ${item.error.message}`,
            changedFields: [],
            readAt: item.readAt,
            contact: null,
          };
        default:
          return assertNever(item);
      }
    }),
  );
  const typeOrder = (type: ContactType) => CONTACT_TYPES.indexOf(type);
  return rows.sort((a, b) => a.accountId.localeCompare(b.accountId) || typeOrder(a.type) - typeOrder(b.type));

  function masked(contact: Contact): Contact {
    return {
      name: redact('name', contact.name),
      title: redact('title', contact.title),
      email: redact('email', contact.email),
      phone: redact('phone', contact.phone),
    };
  }
}

export type StatusCounts = Record<ComplianceStatus, number>;

/** Rows counted by type and status, for the types present, in CONTACT_TYPES order. */
export function countByType(rows: readonly ComplianceRow[]): Map<ContactType, StatusCounts> {
  const counts = new Map<ContactType, StatusCounts>();
  for (const type of CONTACT_TYPES) {
    const ofType = rows.filter((row) => row.type === type);
    if (ofType.length === 0) continue;
    const byStatus = Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as StatusCounts;
    for (const row of ofType) byStatus[row.status]++;
    counts.set(type, byStatus);
  }
  return counts;
}

const TYPE_WORDS: Record<ContactType, string> = {
  SECURITY: 'a Security contact',
  OPERATIONS: 'an Operations contact',
  BILLING: 'a Billing contact',
};

/** "412 of 415 accounts have a Security contact equal to the policy": compliant rows of the type of all. */
export function headline(type: ContactType, counts: StatusCounts): string {
  const total = COMPLIANCE_STATUSES.reduce((sum, status) => sum + counts[status], 0);
  const noun = total === 1 ? 'account' : 'accounts';
  const verb = total === 1 ? 'has' : 'have';
  return `${counts.compliant} of ${total} ${noun} ${verb} ${TYPE_WORDS[type]} equal to the policy`;
}
