import { describe, expect, it } from 'vitest';
import type { DesiredPolicy, Override } from '../../src/core/policy.js';
import type { Contact, ContactType } from '../../src/core/types.js';
import { isPlaceholderPhone, type LintRule, lintPolicy } from '../../src/policy/lint.js';
import { parsePolicy } from '../../src/policy/load.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import { policy as buildPolicy, type PolicyInput, rules } from '../support/builders.js';

const FILE = 'policy.yaml';

function contact(overrides: Partial<Contact> = {}): Contact {
  return {
    name: 'Security Operations',
    title: 'Security Team',
    email: 'security@acme.internal',
    // Ofcom's drama range: not a real line, and not one of the placeholders lint knows.
    phone: '+44 20 7946 0958',
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
          quoted: [{ field: 'email', value: 'soc@example.com' }],
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
          quoted: [{ field: 'email', value: 'security@gmail.com' }],
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

  describe('placeholder-phone', () => {
    it.each([
      '+0000000000',
      '0000000',
      '+1 111 111 1111',
      '+1-555-0142',
      '555-0100',
      '+1 (555) 0199',
      '+1-212-555-0142',
      '212 555 0123',
    ])('fires for %s', (phone) => {
      expect(isPlaceholderPhone(phone)).toBe(true);
      expect(rulesOf(policy({ contacts: { SECURITY: contact({ phone }) } }))).toEqual([
        ['contacts.security.phone', 'placeholder-phone'],
      ]);
    });

    it.each(['+1-555-0200', '+1-555-1234', '+44 20 7946 0958', '+1 212 555 0099', '+49 30 1234567'])(
      'does not fire for %s',
      (phone) => {
        expect(isPlaceholderPhone(phone)).toBe(false);
      },
    );

    it('checks override phones at their override index, and words the warning with the number', () => {
      const desired = policy({ overrides: [override({ SECURITY: { phone: '+1-555-0101' } })] });
      expect(lintPolicy(desired, FILE)).toEqual([
        {
          file: FILE,
          path: 'overrides.0.contacts.security.phone',
          rule: 'placeholder-phone',
          message:
            '"+1-555-0101" is a placeholder number (555-01xx is reserved for fiction; one repeated digit reaches no one): AWS could not call the team',
          quoted: [{ field: 'phone', value: '+1-555-0101' }],
        },
      ]);
    });
  });

  describe('shared-contact-details (Prowler)', () => {
    const CHECK =
      "Prowler's check account_maintain_different_contact_details_to_security_billing_and_operations fails an account whose security, billing and operations contacts share an email, a name or a phone (a scanner's opinion, not an AWS rule: AWS accepts it)";
    const distinct = {
      SECURITY: contact(),
      OPERATIONS: contact({
        name: 'Platform On-Call',
        email: 'ops@acme.internal',
        phone: '+44 20 7946 0959',
      }),
      BILLING: contact({ name: 'Finance', email: 'billing@acme.internal', phone: '+44 20 7946 0960' }),
    };

    it('is silent when security, operations and billing differ in email, name and phone', () => {
      expect(rulesOf(policy({ contacts: distinct }))).toEqual([]);
    });

    it('fires for a shared phone, compared as the plan compares (punctuation ignored), naming the check', () => {
      const desired = policy({
        contacts: { ...distinct, BILLING: { ...distinct.BILLING, phone: '+44 (20) 7946-0958' } },
      });
      expect(lintPolicy(desired, FILE)).toEqual([
        {
          file: FILE,
          path: 'contacts',
          rule: 'shared-contact-details',
          message: `security, billing share the phone "+44 20 7946 0958": ${CHECK}`,
          quoted: [{ field: 'phone', value: '+44 20 7946 0958' }],
        },
      ]);
    });

    it('fires for a shared email (case-insensitive) and a shared name, once each', () => {
      const desired = policy({
        contacts: {
          ...distinct,
          OPERATIONS: {
            ...distinct.OPERATIONS,
            email: 'SECURITY@acme.internal',
            name: 'Security Operations',
          },
        },
      });
      expect(lintPolicy(desired, FILE).map(({ message }) => message.split(':')[0])).toEqual([
        'security, operations share the email "security@acme.internal"',
        'security, operations share the name "Security Operations"',
      ]);
    });

    it('fires where an override makes two types share a value, and not again for the defaults’ sharing', () => {
      const desired = policy({
        contacts: { ...distinct, BILLING: { ...distinct.BILLING, name: 'Security Operations' } },
        overrides: [
          override({ OPERATIONS: { email: 'billing@acme.internal' } }),
          override({ SECURITY: { title: 'Payments Security' } }),
        ],
      });
      expect(rulesOf(desired)).toEqual([
        ['contacts', 'shared-contact-details'],
        ['overrides.0.contacts', 'shared-contact-details'],
      ]);
      expect(lintPolicy(desired, FILE)[1]?.message).toContain(
        'operations, billing share the email "billing@acme.internal"',
      );
    });

    it('does not fire when only one type is managed', () => {
      expect(rulesOf(policy())).toEqual([]);
    });
  });

  describe('lines', () => {
    const TEXT = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+44 20 7946 0958"
  operations:
    name: Platform On-Call
    title: Operations
    email: ops@acme.internal
    phone: "+44 20 7946 0958"
overrides:
  - match: { accounts: ["111111111111"] }
    contacts:
      security: { phone: "+1-555-0142" }
`;

    it('carry the line where the finding’s path is written', () => {
      const loaded = parsePolicy(TEXT, FILE);
      const warnings = lintPolicy(resolvePolicy(loaded, 'offline'), FILE, loaded.lineOf);
      expect(warnings.map(({ path, line, rule }) => [path, line, rule])).toEqual([
        ['contacts.security.email', 6, 'placeholder-domain'],
        ['overrides.0.contacts.security.phone', 16, 'placeholder-phone'],
        ['contacts', 2, 'shared-contact-details'],
      ]);
    });

    it('are left out when no locator is given', () => {
      const loaded = parsePolicy(TEXT, FILE);
      for (const warning of lintPolicy(resolvePolicy(loaded, 'offline'), FILE)) {
        expect(warning).not.toHaveProperty('line');
      }
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
