/**
 * Domain types shared by the pure core, the AWS adapters and the renderers.
 * Nothing here knows about the SDK, the file system or argv.
 */

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

/** Observation of one contact type of one account. */
export type ObservedContact =
  | { kind: 'present'; contact: Contact }
  | { kind: 'missing' }
  | { kind: 'error'; error: ItemError };

export const ACTIONS = ['create', 'update', 'noop', 'skip', 'error'] as const;
export type Action = (typeof ACTIONS)[number];

export const RESULTS = ['planned', 'unchanged', 'skipped', 'failed', 'applied'] as const;
export type Result = (typeof RESULTS)[number];

/** Why an item is skipped or was not written. Open-ended on purpose: SPEC lists examples, not a closed set. */
export type SkipReason =
  | 'out-of-scope'
  | 'excluded'
  | 'not-selected'
  | 'suspended'
  | 'pending-closure'
  | 'closed'
  | 'pending-activation'
  | 'management-account'
  | 'management-account-delegated-admin'
  | 'stale'
  | 'max-changes'
  | 'interrupted';

export interface PlanItem {
  accountId: string;
  type: ContactType;
  action: Action;
  result: Result;
  before: Contact | null;
  after: Contact | null;
  changedFields: ContactField[];
  reason: SkipReason | string | null;
  error: ItemError | null;
}

export interface PlanAccount {
  accountId: string;
  accountName: string;
  state: AccountState;
  items: PlanItem[];
}

export type Mode = 'dry-run' | 'apply';

export interface Summary {
  accounts: number;
  items: number;
  inSync: number;
  create: number;
  update: number;
  skipped: number;
  failed: number;
  applied: number;
}

/** The SPEC JSON document (`--output json`, `--plan-out`). */
export interface Plan {
  version: 1;
  runId: string;
  mode: Mode;
  policy: { file: string; sha256: string };
  organization: { id: string; managementAccountId: string };
  summary: Summary;
  accounts: PlanAccount[];
}
