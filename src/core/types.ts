/**
 * Domain types shared by the pure core, the AWS adapters and the renderers.
 * Nothing here knows about the SDK, the file system or argv.
 */
import { PRIMARY_FIELDS, type PrimaryContact, type PrimaryField } from './primary.js';

export { PRIMARY_FIELDS, type PrimaryContact, type PrimaryField } from './primary.js';

/** The alternate contact types AWS supports, in the order we report them. */
export const CONTACT_TYPES = ['SECURITY', 'OPERATIONS', 'BILLING'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/** Policy keys (`contacts.security`) map to AWS's upper-case type names. */
export const POLICY_KEY_BY_TYPE = {
  SECURITY: 'security',
  OPERATIONS: 'operations',
  BILLING: 'billing',
} as const satisfies Record<ContactType, string>;
export type PolicyContactKey = (typeof POLICY_KEY_BY_TYPE)[ContactType];

export const CONTACT_FIELDS = ['name', 'title', 'email', 'phone'] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/**
 * What a plan item is about: one alternate contact type, or the primary contact (issue 12). Items are
 * reported in this order.
 */
export const ITEM_TYPES = [...CONTACT_TYPES, 'PRIMARY'] as const;
export type ItemType = (typeof ITEM_TYPES)[number];
/** A field of either kind of contact (the primary contact's field names differ, except `phone`). */
export type ItemField = ContactField | PrimaryField;
export const ITEM_FIELDS: readonly ItemField[] = [...new Set([...CONTACT_FIELDS, ...PRIMARY_FIELDS])];
/** The values an item carries: an alternate contact, or the primary contact. */
export type ItemValues = Contact | PrimaryContact;

/** The fields of an item's values, in the order views show them. */
export function fieldsOf(type: ItemType): readonly ItemField[] {
  return type === 'PRIMARY' ? PRIMARY_FIELDS : CONTACT_FIELDS;
}

/** One field of an item's values ('' for an optional primary field that is not set). */
export function fieldValue(values: ItemValues, field: ItemField): string {
  return (values as Partial<Record<ItemField, string>>)[field] ?? '';
}

/** One alternate contact. PutAlternateContact requires all four fields. */
export interface Contact {
  name: string;
  title: string;
  email: string;
  phone: string;
}

/**
 * Organizations account `State`. `Status` was retired on 2026-09-09; adapters map it here only when
 * `State` is absent.
 */
export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'PENDING_ACTIVATION';

export interface Account {
  id: string;
  name: string;
  state: AccountState;
  /** OU ids from the root's first child down to the account's parent; present only when fetched. */
  ous?: readonly string[];
  /** Organizations tags; present only when fetched. */
  tags?: Readonly<Record<string, string>>;
}

export interface Organization {
  id: string;
  managementAccountId: string;
  featureSet: string;
}

/** Who runs the tool: decides whether the management account can be managed at all. */
export interface Caller {
  accountId: string;
  arn: string;
}

/** A structured error kept on plan items and in the audit log. */
export interface ItemError {
  code: string;
  message: string;
}

/** Observation of one contact of one account. */
export type Observed<C> =
  | { kind: 'present'; contact: C }
  | { kind: 'missing' }
  | { kind: 'error'; error: ItemError };
export type ObservedContact = Observed<Contact>;
export type ObservedPrimary = Observed<PrimaryContact>;

/** `delete`: the policy sets an alternate type `absent` and the account has one (DeleteAlternateContact). */
export const ACTIONS = ['create', 'update', 'delete', 'noop', 'skip', 'error'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Why an account's items are not managed in this run. Decided before any write, from the listing, the
 * scope and the settings (SPEC round 2, "Deciding an item"). `not-read`: the run was stopped (a signal,
 * a broken audit log) before this account's contacts were read.
 */
export const SKIP_REASONS = [
  'suspended',
  'closed',
  'pending-closure',
  'pending-activation',
  'out-of-scope',
  'excluded',
  'management-account',
  'management-account-delegated-admin',
  'not-read',
  // `--from-state`: the account (or this type of it) has no reading in the snapshot planned from.
  'not-in-snapshot',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * Why a planned write was not made. `already-in-sync`: a saved plan's item whose account already holds
 * the desired contact (reported in sync, not stale). `audit-log-failed`: the audit log could not be
 * written, so no write may start (SPEC: no write without its `change.started` line).
 */
export const NOT_WRITTEN_REASONS = [
  'stale',
  'already-in-sync',
  'max-changes',
  'interrupted',
  'audit-log-failed',
] as const;
export type NotWrittenReason = (typeof NOT_WRITTEN_REASONS)[number];

/** Every reason an output may give; every view words each one (render/reasons.ts). */
export type Reason = SkipReason | NotWrittenReason;
export const REASONS: readonly Reason[] = [...SKIP_REASONS, ...NOT_WRITTEN_REASONS];

/** The actions every kind of item can have; `K` is the key, `C` the values, `F` their field names. */
type KindItem<K, C, F> =
  | (K & { action: 'create'; after: C; changedFields: F[] })
  | (K & { action: 'update'; before: C; after: C; changedFields: F[] })
  /** In sync; `current` is null when the policy wants the type absent and the account has none. */
  | (K & { action: 'noop'; current: C | null })
  | (K & { action: 'skip'; reason: SkipReason })
  | (K & { action: 'error'; error: ItemError });

/** An alternate contact type's item: the only kind that can be deleted. */
export type AlternateItem =
  | KindItem<{ accountId: string; type: ContactType }, Contact, ContactField>
  | { accountId: string; type: ContactType; action: 'delete'; before: Contact };

/** The primary contact's item: the Account API cannot delete it. */
export type PrimaryItem = KindItem<{ accountId: string; type: 'PRIMARY' }, PrimaryContact, PrimaryField>;

/** One account-and-type decision of the plan. Immutable: what happened to it is a WriteOutcome. */
export type PlannedItem = AlternateItem | PrimaryItem;

/** A planned item that writes to AWS. */
export type WriteItem = Extract<PlannedItem, { action: 'create' | 'update' | 'delete' }>;

export interface PlannedAccount {
  accountId: string;
  accountName: string;
  state: AccountState;
  items: PlannedItem[];
}

/**
 * What happened to one write. `written` on a failure: true when AWS accepted the write but the read-back
 * did not confirm it, false when AWS does not hold the value, null when nobody can tell.
 */
export type WriteOutcome =
  | { kind: 'applied'; attempts: number }
  | { kind: 'failed'; error: ItemError; attempts: number; written: boolean | null }
  | { kind: 'not-written'; reason: NotWrittenReason };

/** Outcomes by item; the key is `itemKey(item)`. */
export type Outcomes = ReadonlyMap<string, WriteOutcome>;

export function itemKey(item: { accountId: string; type: ItemType }): string {
  return `${item.accountId}/${item.type}`;
}

export const RESULTS = ['planned', 'unchanged', 'skipped', 'failed', 'applied'] as const;
export type Result = (typeof RESULTS)[number];

/** One item of the SPEC JSON document: the plan and, in apply mode, its outcome, flattened. */
export interface ReportItem {
  accountId: string;
  type: ItemType;
  action: Action;
  result: Result;
  /** Values of the kind `type` says: a Contact, or a PrimaryContact for `PRIMARY`. */
  before: ItemValues | null;
  after: ItemValues | null;
  changedFields: ItemField[];
  reason: Reason | null;
  error: ItemError | null;
}

export interface ReportAccount {
  accountId: string;
  accountName: string;
  state: AccountState;
  items: ReportItem[];
  /** Member-role mode only (engine/member-gateway.ts): how the account's contacts were reached. */
  via?: 'member' | 'organization';
  /** Why an account was reached through the organization path in member-role mode. */
  viaReason?: RouteReason;
}

/** Why member-role mode used the organization path (central quota, AccountId) for an account. */
export interface RouteReason {
  code: 'caller-account' | 'role-missing' | 'access-denied' | 'other';
  message: string;
}

export type AccountRoute = { via: 'member'; roleArn: string } | { via: 'organization'; reason: RouteReason };

export type Mode = 'dry-run' | 'apply';

/**
 * Counts of contacts (account × type items), and of accounts. `skipped` counts every item not written
 * for a reason; `notWritten` breaks out the planned writes among them, so each breakdown adds up.
 */
export interface Summary {
  accounts: number;
  items: number;
  inSync: number;
  create: number;
  update: number;
  delete: number;
  skipped: number;
  failed: number;
  applied: number;
  notWritten: Record<NotWrittenReason, number>;
}

/** A selector or rule of the policy that deserves a reviewer's eye (SPEC round 2, "Deciding an item" 3). */
export interface PolicyWarning {
  path: string;
  message: string;
}

/** The SPEC JSON document (`--output json`, `--plan-out`). */
export interface RunReport {
  version: 1;
  runId: string;
  mode: Mode;
  /** When the run ended (ISO 8601): how old a saved plan is. */
  createdAt: string;
  policy: { file: string; sha256: string };
  organization: { id: string; managementAccountId: string };
  caller: { accountId: string; arn: string };
  /** Which key made the `[redacted:…]` masks (its fingerprint), so a saved plan's masks can be checked. */
  redaction: { key: string } | null;
  summary: Summary;
  /** Selectors that match no account of the organization (SPEC round 2, "Deciding an item" 3). */
  warnings: PolicyWarning[];
  /** Checks that could not be made, e.g. under `--accounts` only some accounts were seen. */
  notChecked: { paths: string[]; message: string }[];
  accounts: ReportAccount[];
  /** `--from-state`: the snapshot this plan was made from, and how old it was (whole seconds). */
  snapshot?: { file: string; observedAt: string; ageSeconds: number };
}
