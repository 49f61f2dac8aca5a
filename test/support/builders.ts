import type { ContactRule, DesiredPolicy, Override, Selector } from '../../src/core/policy.js';
import type { Account, Contact, ContactType } from '../../src/core/types.js';

export const SECURITY: Contact = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-555-0142',
};

export const OPERATIONS: Contact = {
  name: 'Platform On-Call',
  title: 'Operations',
  email: 'ops-oncall@example.com',
  phone: '+1-555-0100',
};

export function account(id: string, extra: Partial<Account> = {}): Account {
  return { id, name: `account-${id.slice(-4)}`, state: 'ACTIVE', ...extra };
}

export function selector(partial: Partial<Selector> = {}): Selector {
  return { accounts: [], ous: [], tags: {}, ...partial };
}

/** A contact (or some fields of one) stands for `{ kind: 'fields' }`, as round-1 tests wrote them. */
type RuleInput = Partial<Contact> | ContactRule;
type RulesInput = Partial<Record<ContactType, RuleInput>>;
export type PolicyInput = Omit<Partial<DesiredPolicy>, 'contacts' | 'overrides'> & {
  contacts?: RulesInput;
  overrides?: (Omit<Override, 'contacts'> & { contacts?: RulesInput })[];
};

export const ABSENT: ContactRule = { kind: 'absent' };

export function rules(input: RulesInput): Partial<Record<ContactType, ContactRule>> {
  return Object.fromEntries(
    Object.entries(input).map(([type, rule]) => [
      type,
      'kind' in rule ? rule : { kind: 'fields', fields: rule as Partial<Contact> },
    ]),
  );
}

export function policy(partial: PolicyInput = {}): DesiredPolicy {
  const { contacts = { SECURITY }, overrides = [], ...rest } = partial;
  return {
    scope: { include: null, exclude: null },
    settings: { managementAccount: 'manage' },
    secretValues: [],
    ...rest,
    contacts: rules(contacts),
    overrides: overrides.map((o) => ({ ...o, contacts: rules(o.contacts ?? {}) })),
  };
}
