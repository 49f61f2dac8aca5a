import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from '../../src/errors.js';
import { parsePolicy } from '../../src/policy/load.js';
import { resolvePolicy, type SsmParameterValue, ssmParameterNames } from '../../src/policy/resolve.js';

/** The round-2 policy kinds: contacts.primary, `absent`, partial contacts and createWith. */

const FILE = 'policy.yaml';

// Lines: 1 version, 2 contacts, 3 security, 4 name, 5 title, 6 email, 7 phone; appended text starts at 8.
const SECURITY_ONLY = `version: 1
contacts:
  security:
    name: Security Operations
    title: Security Team
    email: security@example.com
    phone: "+1-555-0142"
`;

// Lines 8–14 when appended to SECURITY_ONLY.
const PRIMARY = `  primary:
    fullName: Example Corp Cloud Team
    addressLine1: 1 Example Street
    city: Springfield
    postalCode: "98101"
    countryCode: us
    phone: "+1 555 0100"
`;

function issuesOf(text: string): Pick<PolicyIssue, 'path' | 'line' | 'message'>[] {
  try {
    parsePolicy(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).issues.map(({ path, line, message }) => ({ path, line, message }));
  }
  throw new Error('expected the policy to be rejected');
}

const resolve = (text: string, parameters: Record<string, SsmParameterValue> = {}) =>
  resolvePolicy(parsePolicy(text, FILE), new Map(Object.entries(parameters)));

describe('contacts.primary', () => {
  it('accepts the primary contact next to the alternates and resolves it trimmed', () => {
    const policy = resolve(`${SECURITY_ONLY}${PRIMARY}    websiteUrl: " https://example.com "\n`);
    expect(policy.primary).toEqual({
      fields: {
        fullName: 'Example Corp Cloud Team',
        addressLine1: '1 Example Street',
        city: 'Springfield',
        postalCode: '98101',
        countryCode: 'us',
        phone: '+1 555 0100',
        websiteUrl: 'https://example.com',
      },
    });
  });

  it('may be the only managed type, and may list a subset of fields', () => {
    const policy = resolve('version: 1\ncontacts:\n  primary:\n    phone: "+44 20 7946 0000"\n');
    expect(policy.contacts).toEqual({});
    expect(policy.primary).toEqual({ fields: { phone: '+44 20 7946 0000' } });
  });

  it.each([
    ['phone', '"555-0100"', 'must start with + and the country code'],
    ['phone', '"+1 555 0100 ext 4"', 'must start with + and the country code'],
    ['phone', `"+${'1'.repeat(20)}"`, 'must be 1–20 characters (got 21)'],
    ['countryCode', 'USA', 'must be exactly 2 characters (got 3)'],
    ['countryCode', '"1A"', 'must be a two-letter ISO 3166 country code such as US (got "1A")'],
    ['fullName', 'N'.repeat(51), 'must be 1–50 characters (got 51)'],
    ['addressLine1', 'A'.repeat(61), 'must be 1–60 characters (got 61)'],
    ['city', 'C'.repeat(51), 'must be 1–50 characters (got 51)'],
    ['postalCode', 'P'.repeat(21), 'must be 1–20 characters (got 21)'],
  ])('rejects %s %s with the AWS limit, at its path and line', (field, value, message) => {
    const text = `${SECURITY_ONLY}${PRIMARY.replace(new RegExp(`^    ${field}: .*$`, 'm'), `    ${field}: ${value}`)}`;
    const [issue, ...others] = issuesOf(text);
    expect(others).toEqual([]);
    expect(issue?.path).toBe(`contacts.primary.${field}`);
    expect(issue?.line).toBeGreaterThanOrEqual(9);
    expect(issue?.message).toContain(message);
  });

  it.each([
    ['companyName', 50],
    ['websiteUrl', 256],
    ['addressLine2', 60],
    ['stateOrRegion', 50],
    ['districtOrCounty', 50],
  ])('limits the optional %s to %i characters', (field, max) => {
    expect(() =>
      parsePolicy(`${SECURITY_ONLY}${PRIMARY}    ${field}: ${'x'.repeat(max)}\n`, FILE),
    ).not.toThrow();
    expect(issuesOf(`${SECURITY_ONLY}${PRIMARY}    ${field}: ${'x'.repeat(max + 1)}\n`)).toEqual([
      {
        path: `contacts.primary.${field}`,
        line: 15,
        message: `must be 1–${max} characters (got ${max + 1})`,
      },
    ]);
  });

  it('reports an unknown primary field, and primary set absent (it cannot be deleted)', () => {
    expect(issuesOf(`${SECURITY_ONLY}${PRIMARY}    email: x@example.com\n`)).toEqual([
      {
        path: 'contacts.primary.email',
        line: 15,
        message: expect.stringMatching(/^unknown key \(allowed here: fullName, companyName, /),
      },
    ]);
    expect(issuesOf(`${SECURITY_ONLY}  primary: absent\n`)).toEqual([
      { path: 'contacts.primary', line: 8, message: 'must be a mapping (got "absent")' },
    ]);
  });

  it('checks a primary field read from SSM against the same limits, naming the parameter', () => {
    const text = `${SECURITY_ONLY}  primary:\n    phone: { ssm: /org/contacts/primary/phone }\n`;
    expect(ssmParameterNames(parsePolicy(text, FILE).document)).toEqual(['/org/contacts/primary/phone']);
    expect(() =>
      resolve(text, { '/org/contacts/primary/phone': { value: '555 0100', secure: false } }),
    ).toThrow(
      'policy.yaml: contacts.primary.phone: value of SSM parameter /org/contacts/primary/phone must start with +',
    );
    expect(
      resolve(text, { '/org/contacts/primary/phone': { value: ' +1 555 0100 ', secure: false } }).primary,
    ).toEqual({ fields: { phone: '+1 555 0100' } });
  });
});

describe('absent', () => {
  it('resolves `absent` as a managed type to delete', () => {
    const policy = resolve(`${SECURITY_ONLY}  billing: absent\n`);
    expect(policy.contacts.BILLING).toEqual({ kind: 'absent' });
  });

  it.each([
    ['null', 'billing:', 'must be a mapping of contact fields or absent (got an empty value)'],
    ['another word', 'billing: none', 'must be absent or a mapping of contact fields'],
    ['a number', 'billing: 0', 'must be a mapping of contact fields or absent (got 0)'],
    ['a list', 'billing: []', 'must be a mapping of contact fields or absent (got a list)'],
  ])('rejects %s in place of a contact', (_case, line, message) => {
    expect(issuesOf(`${SECURITY_ONLY}  ${line}\n`)).toEqual([{ path: 'contacts.billing', line: 8, message }]);
  });

  it('lets overrides set absent for some accounts and a contact for others', () => {
    const text = `${SECURITY_ONLY}  billing: absent
overrides:
  - match: { ous: ["ou-ab12-payments1"] }
    contacts: { billing: { name: Payments Finance, title: Finance, email: fin@example.com, phone: "+1 555 0101" } }
  - match: { accounts: ["111111111111"] }
    contacts: { billing: absent, security: { email: sec-111@example.com } }
`;
    const policy = resolve(text);
    expect(policy.overrides.map((o) => o.contacts)).toEqual([
      {
        BILLING: {
          kind: 'fields',
          fields: {
            name: 'Payments Finance',
            title: 'Finance',
            email: 'fin@example.com',
            phone: '+1 555 0101',
          },
        },
      },
      { BILLING: { kind: 'absent' }, SECURITY: { kind: 'fields', fields: { email: 'sec-111@example.com' } } },
    ]);
  });
});

describe('partial contacts and createWith', () => {
  it('keeps a round-1 policy meaning exactly what it meant: four fields, no createWith, no primary', () => {
    const policy = resolve(SECURITY_ONLY);
    expect(policy.contacts).toEqual({
      SECURITY: {
        kind: 'fields',
        fields: {
          name: 'Security Operations',
          title: 'Security Team',
          email: 'security@example.com',
          phone: '+1-555-0142',
        },
      },
    });
    expect(policy).not.toHaveProperty('primary');
    expect(policy.settings).toEqual({ managementAccount: 'manage' });
  });

  it('resolves settings.createWith and an override’s createWith, SSM values included', () => {
    const text = `version: 1
contacts:
  security: { email: security@example.com, phone: "+1 555 0142" }
${PRIMARY}settings:
  createWith:
    security: { name: Security Operations, title: { ssm: /org/contacts/security/title } }
    primary: { stateOrRegion: WA }
overrides:
  - match: { ous: ["ou-ab12-payments1"] }
    createWith:
      security: { name: Payments Security }
`;
    expect(ssmParameterNames(parsePolicy(text, FILE).document)).toEqual(['/org/contacts/security/title']);
    const policy = resolve(text, {
      '/org/contacts/security/title': { value: 'Security Team ', secure: false },
    });
    expect(policy.settings.createWith).toEqual({
      contacts: { SECURITY: { name: 'Security Operations', title: 'Security Team' } },
      primary: { stateOrRegion: 'WA' },
    });
    expect(policy.overrides[0]).toMatchObject({
      contacts: {},
      createWith: { contacts: { SECURITY: { name: 'Payments Security' } } },
    });
  });

  it('checks createWith fields against the AWS limits', () => {
    const text = `${SECURITY_ONLY}settings:\n  createWith:\n    security: { email: not-an-address }\n`;
    expect(issuesOf(text)).toEqual([
      {
        path: 'settings.createWith.security.email',
        line: 10,
        message: 'must be an email address AWS accepts (got "not-an-address")',
      },
    ]);
  });

  it('reports createWith and overrides of types the policy does not manage', () => {
    const text = `${SECURITY_ONLY}settings:
  createWith:
    billing: { name: Finance }
overrides:
  - match: { accounts: ["111111111111"] }
    contacts: { primary: { city: Leeds } }
    createWith: { operations: { name: Ops } }
`;
    expect(issuesOf(text)).toEqual([
      {
        path: 'settings.createWith.billing',
        line: 10,
        message: 'billing is not managed: add contacts.billing or remove this',
      },
      {
        path: 'overrides.0.contacts.primary',
        line: 13,
        message: 'primary is not managed: add contacts.primary or remove this',
      },
      {
        path: 'overrides.0.createWith.operations',
        line: 14,
        message: 'operations is not managed: add contacts.operations or remove this',
      },
    ]);
  });

  it('reports an override that sets neither contacts nor createWith', () => {
    expect(issuesOf(`${SECURITY_ONLY}overrides:\n  - match: { accounts: ["111111111111"] }\n`)).toEqual([
      { path: 'overrides.0', line: 9, message: 'must set contacts or createWith' },
    ]);
  });
});
