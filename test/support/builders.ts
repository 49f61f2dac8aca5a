import type { DesiredPolicy, Override, Selector } from '../../src/core/policy.js';
import type { Account, Contact } from '../../src/core/types.js';

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

export function policy(partial: Partial<DesiredPolicy> = {}): DesiredPolicy {
  return {
    contacts: { SECURITY },
    scope: { include: null, exclude: null },
    overrides: [] as Override[],
    settings: { managementAccount: 'manage' },
    secretValues: [],
    ...partial,
  };
}
