import type { DesiredPolicy } from './policy.js';
import { type Match, matchSelector, selectorUsesOus, selectorUsesTags } from './selector.js';
import {
  type Account,
  type AccountState,
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ContactType,
  type SkipReason,
} from './types.js';

/** Which layer of the policy decided a field's value. */
export type FieldSource = { layer: 'default' } | { layer: 'override'; index: number; match: Match };

export interface DesiredContact {
  contact: Contact;
  sources: Record<ContactField, FieldSource>;
}

export type AccountDecision =
  | { kind: 'skip'; reason: SkipReason; match?: Match }
  | { kind: 'manage'; contacts: Partial<Record<ContactType, DesiredContact>> };

/** Who runs the tool and against which organization: the facts that decide the management account. */
export interface DecisionContext {
  managementAccountId: string;
  callerAccountId: string;
}

const SKIP_BY_STATE: Record<Exclude<AccountState, 'ACTIVE'>, SkipReason> = {
  SUSPENDED: 'suspended',
  PENDING_CLOSURE: 'pending-closure',
  CLOSED: 'closed',
  PENDING_ACTIVATION: 'pending-activation',
};

export function managedTypes(policy: DesiredPolicy): ContactType[] {
  return CONTACT_TYPES.filter((type) => policy.contacts[type] !== undefined);
}

/** OU membership is fetched only when the policy refers to OUs (one tree walk saved otherwise). */
export function policyUsesOus(policy: DesiredPolicy): boolean {
  return (
    selectorUsesOus(policy.scope.include) ||
    selectorUsesOus(policy.scope.exclude) ||
    policy.overrides.some((o) => selectorUsesOus(o.match))
  );
}

/** Tags cost one ListTagsForResource per account: fetched only when the policy refers to tags. */
export function policyUsesTags(policy: DesiredPolicy): boolean {
  return (
    selectorUsesTags(policy.scope.include) ||
    selectorUsesTags(policy.scope.exclude) ||
    policy.overrides.some((o) => selectorUsesTags(o.match))
  );
}

/**
 * Decides whether an account is managed and, if so, the contact each managed type must have.
 * Pure: the caller fetched `account.ous`/`account.tags` when the policy uses them.
 */
export function decideAccount(
  account: Account,
  policy: DesiredPolicy,
  ctx: DecisionContext,
): AccountDecision {
  // SPEC round 2, "Deciding an item" 1: an account that is not ACTIVE is decided from the listing alone.
  const byState = decideByState(account);
  if (byState !== null) return byState;
  const { include, exclude } = policy.scope;
  if (include !== null && matchSelector(include, account) === null)
    return { kind: 'skip', reason: 'out-of-scope' };
  const excludedBy = exclude === null ? null : matchSelector(exclude, account);
  if (excludedBy !== null) return { kind: 'skip', reason: 'excluded', match: excludedBy };

  if (account.id === ctx.managementAccountId) {
    if (policy.settings.managementAccount === 'skip') return { kind: 'skip', reason: 'management-account' };
    // AWS lets only the management account itself change its contacts (standalone context, no AccountId);
    // a delegated administrator is refused, so we do not try.
    if (ctx.callerAccountId !== ctx.managementAccountId) {
      return { kind: 'skip', reason: 'management-account-delegated-admin' };
    }
  }

  return { kind: 'manage', contacts: desiredContacts(account, policy) };
}

/** Non-ACTIVE accounts are skipped before anything else is read for them (tags, OUs, contacts). */
export function decideByState(account: Pick<Account, 'state'>): AccountDecision | null {
  return account.state === 'ACTIVE' ? null : { kind: 'skip', reason: SKIP_BY_STATE[account.state] };
}

/** Default contacts, then each matching override in order; a later override wins field by field. */
export function desiredContacts(
  account: Account,
  policy: DesiredPolicy,
): Partial<Record<ContactType, DesiredContact>> {
  const result: Partial<Record<ContactType, DesiredContact>> = {};
  for (const type of managedTypes(policy)) {
    const base = policy.contacts[type]!;
    const contact = { ...base };
    const sources = Object.fromEntries(CONTACT_FIELDS.map((f) => [f, { layer: 'default' }])) as Record<
      ContactField,
      FieldSource
    >;
    policy.overrides.forEach((override, index) => {
      const fields = override.contacts[type];
      if (fields === undefined) return;
      const match = matchSelector(override.match, account);
      if (match === null) return;
      for (const field of CONTACT_FIELDS) {
        const value = fields[field];
        if (value === undefined) continue;
        contact[field] = value;
        sources[field] = { layer: 'override', index, match };
      }
    });
    result[type] = { contact, sources };
  }
  return result;
}
