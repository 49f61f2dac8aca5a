import { describe, expect, it } from 'vitest';
import type { DesiredPolicy, Override } from '../../src/core/policy.js';
import type { Contact, ContactType } from '../../src/core/types.js';
import { type LintRule, lintPolicy } from '../../src/policy/lint.js';
import { policy as buildPolicy, type PolicyInput, rules } from '../support/builders.js';

const FILE = 'policy.yaml';

function contact(overrides: Partial<Contact> = {}): Contact {
  return {
    name: 'Security Operations',
    title: 'Security Team',
    email: 'security@acme.internal',
    phone: '+1-555-0142',
    ...overrides,
  };
}

function policy(overrides: PolicyInput = {}): DesiredPolicy {
  return buildPolicy({ contacts: { SECURITY: contact() }, ...overrides });
}

function override(contacts: Partial<Record<ContactType, Partial<Contact>>>): Override {
  return { match: { accounts: ['111111111111'], ous: [], tags: {} }, contacts: rules(contacts) };
}

function rulesOf(desired: DesiredPolicy): [string, LintRule][] {
  return lintPolicy(desired, FILE).map(({ path, rule }) => [path, rule]);
}

describe('lintPolicy', () => {
  it('finds nothing in a policy of team addresses on a real domain', () => {
    expect(lintPolicy(policy(), FILE)).toEqual([]);
  });

  describe('placeholder-domain', () => {
    it.each([
      'security@example.com',
      'security@EXAMPLE.org',
      'security@example.net',
      'security@corp.test',
      'security@mail.invalid',
      'security@acme.example',
      'security@localhost',
      'security@host.localhost',
      'security@corp.example.org',
      'security@mail.example.com',
    ])('fires for %s', (email) => {
      expect(rulesOf(policy({ contacts: { SECURITY: contact({ email }) } }))).toEqual([
        ['contacts.security.email', 'placeholder-domain'],
      ]);
    });

    it.each(['security@example.co', 'security@myexample.com', 'security@testing.io'])(
      'does not fire for %s',
      (email) => {
        expect(rulesOf(policy({ contacts: { SECURITY: contact({ email }) } }))).toEqual([]);
      },
    );

    it('words the warning with the address', () => {
      expect(
        lintPolicy(policy({ contacts: { SECURITY: contact({ email: 'soc@example.com' }) } }), FILE),
      ).toEqual([
        {
          file: FILE,
          path: 'contacts.security.email',
          rule: 'placeholder-domain',
          message: '"soc@example.com" is on a reserved placeholder domain: mail there reaches no one',
        },
      ]);
    });

    it('checks override addresses at their override index', () => {
      const desired = policy({
        overrides: [
          override({ SECURITY: { name: 'Payments' } }),
          override({ OPERATIONS: { email: 'ops@corp.test' } }),
        ],
      });
      expect(rulesOf(desired)).toEqual([['overrides.1.contacts.operations.email', 'placeholder-domain']]);
    });
  });

  describe('personal-address', () => {
    it.each(['jane.doe@acme.internal', 'Jane_Doe@acme.internal', 'jane.doe+aws@acme.internal'])(
      'fires for %s',
      (email) => {
        expect(rulesOf(policy({ contacts: { SECURITY: contact({ email }) } }))).toEqual([
          ['contacts.security.email', 'personal-address'],
        ]);
      },
    );

    it.each([
      'security.team@acme.internal',
      'cloud.ops@acme.internal',
      'aws.billing@acme.internal',
      'soc@acme.internal',
      'platform-oncall@acme.internal',
      'it.alerts@acme.internal',
      'jdoe@acme.internal',
    ])('does not fire for %s', (email) => {
      expect(rulesOf(policy({ contacts: { SECURITY: contact({ email }) } }))).toEqual([]);
    });

    it('recommends a distribution list', () => {
      const [warning] = lintPolicy(
        policy({ contacts: { SECURITY: contact({ email: 'jane.doe@acme.internal' }) } }),
        FILE,
      );
      expect(warning?.message).toBe(
        '"jane.doe@acme.internal" looks like a personal address: use a monitored distribution list so AWS still reaches the team when this person leaves',
      );
    });
  });

  describe('domain-not-allowed', () => {
    const allowing = (domains: string[], email: string) =>
      policy({
        contacts: { SECURITY: contact({ email }) },
        settings: { managementAccount: 'manage', allowedEmailDomains: domains },
      });

    it('fires for a domain that is not listed', () => {
      expect(lintPolicy(allowing(['acme.internal'], 'security@gmail.com'), FILE)).toEqual([
        {
          file: FILE,
          path: 'contacts.security.email',
          rule: 'domain-not-allowed',
          message:
            '"security@gmail.com" is not on a domain listed in settings.allowedEmailDomains (acme.internal)',
        },
      ]);
    });

    it('fires for a subdomain of a listed domain', () => {
      expect(rulesOf(allowing(['acme.internal'], 'security@eu.acme.internal'))).toEqual([
        ['contacts.security.email', 'domain-not-allowed'],
      ]);
    });

    it('compares domains case-insensitively', () => {
      expect(rulesOf(allowing(['ACME.internal'], 'security@Acme.INTERNAL'))).toEqual([]);
    });

    it('accepts a subdomain that is listed', () => {
      expect(rulesOf(allowing(['acme.internal', 'eu.acme.internal'], 'security@eu.acme.internal'))).toEqual(
        [],
      );
    });

    it('does not fire without allowedEmailDomains', () => {
      expect(rulesOf(policy({ contacts: { SECURITY: contact({ email: 'security@gmail.com' }) } }))).toEqual(
        [],
      );
    });
  });

  describe('same-phone', () => {
    it('fires when every managed type has the same phone, once normalised', () => {
      const desired = policy({
        contacts: {
          SECURITY: contact({ phone: '+1-555-0142', email: 'security@acme.internal' }),
          OPERATIONS: contact({ phone: '+1 (555) 0142', email: 'ops@acme.internal' }),
          BILLING: contact({ phone: '+1 555 0142', email: 'billing@acme.internal' }),
        },
      });
      expect(lintPolicy(desired, FILE)).toEqual([
        {
          file: FILE,
          path: 'contacts',
          rule: 'same-phone',
          message:
            'security, operations, billing share one phone number: AWS calls each about different matters, give each the number of the team that handles them',
        },
      ]);
    });

    it('does not fire when one type has its own phone', () => {
      const desired = policy({
        contacts: {
          SECURITY: contact({ phone: '+1-555-0142' }),
          OPERATIONS: contact({ phone: '+1-555-0142', email: 'ops@acme.internal' }),
          BILLING: contact({ phone: '+1-555-0199', email: 'billing@acme.internal' }),
        },
      });
      expect(rulesOf(desired)).toEqual([]);
    });

    it('does not fire when only one type is managed', () => {
      expect(rulesOf(policy())).toEqual([]);
    });
  });

  it('never shows a SecureString value', () => {
    const secret = 'jane.doe@example.com';
    const desired = policy({
      contacts: { SECURITY: contact({ email: secret }) },
      settings: { managementAccount: 'manage', allowedEmailDomains: ['acme.internal'] },
      secretValues: [secret],
    });
    const warnings = lintPolicy(desired, FILE);
    expect(warnings.map(({ rule }) => rule)).toEqual([
      'placeholder-domain',
      'personal-address',
      'domain-not-allowed',
    ]);
    for (const { message } of warnings) {
      expect(message).not.toContain(secret);
      expect(message).not.toContain('example.com');
      expect(message).toContain('(value from SSM SecureString)');
    }
  });
});
