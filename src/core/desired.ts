import { changedFields } from './normalise.js';
import type { ContactRule, DesiredPolicy, Override } from './policy.js';
import {
  changedPrimaryFields,
  missingPrimaryFields,
  PRIMARY_FIELDS,
  type PrimaryContact,
  type PrimaryField,
} from './primary.js';
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

/** Which layer of the policy decided a field's value; `account`: not listed, kept from the account. */
export type FieldSource =
  | { layer: 'default' }
  | { layer: 'override'; index: number; match: Match }
  | { layer: 'account' };

/** Which layer set a type `absent`. */
export type RuleSource = Exclude<FieldSource, { layer: 'account' }>;

/** Which layer supplied a `createWith` field: `settings.createWith` or an override's `createWith`. */
export type CreateSource = { layer: 'settings' } | { layer: 'override'; index: number; match: Match };

/** The fields one account must have after layering, and what fills in when it has no contact yet. */
export interface DesiredFields<F extends string> {
  /** Only the fields the policy lists; the rest are kept from the account. */
  fields: Partial<Record<F, string>>;
  sources: Record<F, FieldSource>;
  createWith: Partial<Record<F, string>>;
  createWithSources: Partial<Record<F, CreateSource>>;
}

export type DesiredContact =
  | { kind: 'absent'; source: RuleSource }
  | ({ kind: 'fields' } & DesiredFields<ContactField>);

export type DesiredPrimary = DesiredFields<PrimaryField>;

export type AccountDecision =
  | { kind: 'skip'; reason: SkipReason; match?: Match }
  | {
      kind: 'manage';
      contacts: Partial<Record<ContactType, DesiredContact>>;
      /** Present when the policy manages the primary contact. */
      primary?: DesiredPrimary;
    };

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

  const primary = desiredPrimary(account, policy);
  return {
    kind: 'manage',
    contacts: desiredContacts(account, policy),
    ...(primary !== undefined && { primary }),
  };
}

/** Non-ACTIVE accounts are skipped before anything else is read for them (tags, OUs, contacts). */
export function decideByState(account: Pick<Account, 'state'>): AccountDecision | null {
  return account.state === 'ACTIVE' ? null : { kind: 'skip', reason: SKIP_BY_STATE[account.state] };
}

function emptyFields<F extends string>(fieldNames: readonly F[]): DesiredFields<F> {
  return {
    fields: {},
    sources: Object.fromEntries(fieldNames.map((f) => [f, { layer: 'account' }])) as Record<F, FieldSource>,
    createWith: {},
    createWithSources: {},
  };
}

function layerFields<F extends string>(
  into: DesiredFields<F>,
  fieldNames: readonly F[],
  values: Partial<Record<F, string>>,
  source: RuleSource,
): void {
  for (const field of fieldNames) {
    const value = values[field];
    if (value === undefined) continue;
    into.fields[field] = value;
    into.sources[field] = source;
  }
}

function layerCreateWith<F extends string>(
  into: DesiredFields<F>,
  fieldNames: readonly F[],
  values: Partial<Record<F, string>> | undefined,
  source: CreateSource,
): void {
  for (const field of fieldNames) {
    const value = values?.[field];
    if (value === undefined) continue;
    into.createWith[field] = value;
    into.createWithSources[field] = source;
  }
}

interface MatchingOverride {
  override: Override;
  source: { layer: 'override'; index: number; match: Match };
}

function matchingOverrides(account: Account, policy: DesiredPolicy): MatchingOverride[] {
  return policy.overrides.flatMap((override, index) => {
    const match = matchSelector(override.match, account);
    return match === null ? [] : [{ override, source: { layer: 'override' as const, index, match } }];
  });
}

/**
 * Default rules, then each matching override in order; a later override wins field by field. `absent`
 * is about the whole contact: it drops the fields of the layers below it, and a later layer's fields
 * start again from nothing (unlisted fields then come from the account). `createWith` layers on its own,
 * field by field, and is never dropped by `absent`.
 */
export function desiredContacts(
  account: Account,
  policy: DesiredPolicy,
): Partial<Record<ContactType, DesiredContact>> {
  const overrides = matchingOverrides(account, policy);
  const result: Partial<Record<ContactType, DesiredContact>> = {};
  for (const type of managedTypes(policy)) {
    const layers: { rule: ContactRule | undefined; source: RuleSource }[] = [
      { rule: policy.contacts[type], source: { layer: 'default' } },
      ...overrides.map(({ override, source }) => ({ rule: override.contacts[type], source })),
    ];
    let absentBy: RuleSource | null = null;
    let desired = emptyFields(CONTACT_FIELDS);
    for (const { rule, source } of layers) {
      if (rule === undefined) continue;
      if (rule.kind === 'absent') {
        absentBy = source;
        desired = emptyFields(CONTACT_FIELDS);
      } else {
        absentBy = null;
        layerFields(desired, CONTACT_FIELDS, rule.fields, source);
      }
    }
    layerCreateWith(desired, CONTACT_FIELDS, policy.settings.createWith?.contacts[type], {
      layer: 'settings',
    });
    for (const { override, source } of overrides)
      layerCreateWith(desired, CONTACT_FIELDS, override.createWith?.contacts[type], source);
    result[type] = absentBy === null ? { kind: 'fields', ...desired } : { kind: 'absent', source: absentBy };
  }
  return result;
}

/** The primary contact's fields for this account, layered like the alternate contacts; undefined when unmanaged. */
export function desiredPrimary(account: Account, policy: DesiredPolicy): DesiredPrimary | undefined {
  if (policy.primary === undefined) return undefined;
  const overrides = matchingOverrides(account, policy);
  const desired = emptyFields(PRIMARY_FIELDS);
  layerFields(desired, PRIMARY_FIELDS, policy.primary.fields, { layer: 'default' });
  for (const { override, source } of overrides)
    if (override.primary) layerFields(desired, PRIMARY_FIELDS, override.primary.fields, source);
  layerCreateWith(desired, PRIMARY_FIELDS, policy.settings.createWith?.primary, { layer: 'settings' });
  for (const { override, source } of overrides)
    layerCreateWith(desired, PRIMARY_FIELDS, override.createWith?.primary, source);
  return desired;
}

/**
 * What the planner must do for one account-and-type, given what the account has now (`null`: none).
 * `comparedFields` are the fields the policy lists: the only ones that can count as drift.
 * - `delete`/`noop` for an absent type; `noop`/`update` for an existing contact, whose unlisted fields are
 *   sent back as they are; `create` when the policy's fields with `createWith` make a whole contact;
 *   `incomplete` (an error item) when they do not, naming the fields still needed.
 */
export type ItemIntent<F extends string, C> =
  | { action: 'delete' }
  | { action: 'noop'; comparedFields: F[] }
  | { action: 'create'; after: C; comparedFields: F[] }
  | { action: 'update'; after: C; changedFields: F[]; comparedFields: F[] }
  | { action: 'incomplete'; missingFields: F[] };

function listedFields<F extends string>(fieldNames: readonly F[], desired: DesiredFields<F>): F[] {
  return fieldNames.filter((field) => desired.fields[field] !== undefined);
}

export function desiredItem(
  desired: DesiredContact,
  current: Contact | null,
): ItemIntent<ContactField, Contact> {
  if (desired.kind === 'absent')
    return current === null ? { action: 'noop', comparedFields: [] } : { action: 'delete' };
  const comparedFields = listedFields(CONTACT_FIELDS, desired);
  if (current === null) {
    const whole = { ...desired.createWith, ...desired.fields };
    const missingFields = CONTACT_FIELDS.filter((field) => !whole[field]);
    if (missingFields.length > 0) return { action: 'incomplete', missingFields };
    return { action: 'create', after: whole as Contact, comparedFields };
  }
  const after = { ...current, ...desired.fields };
  const changed = changedFields(current, after).filter((field) => comparedFields.includes(field));
  return changed.length === 0
    ? { action: 'noop', comparedFields }
    : { action: 'update', after, changedFields: changed, comparedFields };
}

export function desiredPrimaryItem(
  desired: DesiredPrimary,
  current: PrimaryContact | null,
): ItemIntent<PrimaryField, PrimaryContact> {
  const comparedFields = listedFields(PRIMARY_FIELDS, desired);
  if (current === null) {
    const whole = { ...desired.createWith, ...desired.fields };
    const missingFields = missingPrimaryFields(whole);
    if (missingFields.length > 0) return { action: 'incomplete', missingFields };
    return { action: 'create', after: whole as PrimaryContact, comparedFields };
  }
  const after = { ...current, ...desired.fields };
  const changed = changedPrimaryFields(current, after, comparedFields);
  return changed.length === 0
    ? { action: 'noop', comparedFields }
    : { action: 'update', after, changedFields: changed, comparedFields };
}
