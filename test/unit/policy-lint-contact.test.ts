import { describe, expect, it } from 'vitest';
import {
  lintAbsentSecurityContact,
  lintPolicy,
  lintPolicyErrors,
  lintPrimaryPhone,
} from '../../src/policy/lint.js';
import { ABSENT, OPERATIONS, policy, SECURITY, selector } from '../support/builders.js';

const FILE = 'policy.yaml';

describe('lintAbsentSecurityContact', () => {
  it('is an error for an absent Security contact, by default or in an override', () => {
    const p = policy({
      contacts: { SECURITY: ABSENT, OPERATIONS },
      overrides: [
        { match: selector({ accounts: ['111111111111'] }), contacts: { SECURITY } },
        { match: selector({ ous: ['ou-ab12-sandbox1'] }), contacts: { SECURITY: ABSENT } },
      ],
    });
    expect(lintAbsentSecurityContact(p, FILE).map(({ path, rule }) => [path, rule])).toEqual([
      ['contacts.security', 'no-security-contact'],
      ['overrides.1.contacts.security', 'no-security-contact'],
    ]);
    expect(lintAbsentSecurityContact(p, FILE)[0]?.message).toContain(
      'CIS AWS Foundations 1.2 and Security Hub Account.1',
    );
  });

  it('allows it with --allow-no-security-contact, and never fires for other absent types', () => {
    expect(
      lintAbsentSecurityContact(policy({ contacts: { SECURITY: ABSENT } }), FILE, {
        allowNoSecurityContact: true,
      }),
    ).toEqual([]);
    expect(lintAbsentSecurityContact(policy({ contacts: { SECURITY, BILLING: ABSENT } }), FILE)).toEqual([]);
  });
});

describe('lintPrimaryPhone', () => {
  it('is an error for a primary phone without + wherever it is written', () => {
    const p = policy({
      primary: { fields: { phone: '555 0100' } },
      settings: {
        managementAccount: 'manage',
        createWith: { contacts: {}, primary: { phone: '(555) 0100' } },
      },
      overrides: [
        {
          match: selector({ accounts: ['111111111111'] }),
          contacts: {},
          primary: { fields: { phone: '0100' } },
        },
      ],
    });
    expect(lintPrimaryPhone(p, FILE).map(({ path }) => path)).toEqual([
      'contacts.primary.phone',
      'settings.createWith.primary.phone',
      'overrides.0.contacts.primary.phone',
    ]);
  });

  it('accepts an international number and skips values not read offline', () => {
    expect(lintPrimaryPhone(policy({ primary: { fields: { phone: ' +1 555 0100' } } }), FILE)).toEqual([]);
    expect(lintPrimaryPhone(policy({ primary: { fields: { phone: '' } } }), FILE)).toEqual([]);
  });
});

describe('lintPolicyErrors and the existing warnings', () => {
  it('collects both rules', () => {
    const p = policy({ contacts: { SECURITY: ABSENT }, primary: { fields: { phone: '555' } } });
    expect(lintPolicyErrors(p, FILE).map(({ rule }) => rule)).toEqual([
      'no-security-contact',
      'primary-phone-format',
    ]);
  });

  it('warns about addresses in partial contacts and createWith, and skips absent types', () => {
    const p = policy({
      contacts: { SECURITY: { email: 'soc@corp.test' }, BILLING: ABSENT },
      settings: {
        managementAccount: 'manage',
        createWith: { contacts: { SECURITY: { email: 'x@corp.test' } } },
      },
    });
    expect(lintPolicy(p, FILE).map(({ path, rule }) => [path, rule])).toEqual([
      ['contacts.security.email', 'placeholder-domain'],
      ['settings.createWith.security.email', 'placeholder-domain'],
    ]);
  });
});
