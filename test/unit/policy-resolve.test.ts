import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from '../../src/errors.js';
import { type LoadedPolicy, parsePolicy, readPolicy } from '../../src/policy/load.js';
import {
  resolvePolicy,
  type SsmParameterValue,
  ssmParameterNames,
  validateOffline,
} from '../../src/policy/resolve.js';

const FILE = 'policy.yaml';

function load(text: string): LoadedPolicy {
  return parsePolicy(text, FILE);
}

function parameters(entries: Record<string, SsmParameterValue>): ReadonlyMap<string, SsmParameterValue> {
  return new Map(Object.entries(entries));
}

function resolveErrorOf(loaded: LoadedPolicy, values: ReadonlyMap<string, SsmParameterValue>): PolicyError {
  try {
    resolvePolicy(loaded, values);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return error as PolicyError;
  }
  throw new Error('expected resolvePolicy to throw');
}

function resolveIssuesOf(
  loaded: LoadedPolicy,
  values: ReadonlyMap<string, SsmParameterValue>,
): readonly PolicyIssue[] {
  return resolveErrorOf(loaded, values).issues;
}

const SECURITY_WITH_SSM_EMAIL = `version: 1
contacts:
  security:
    name: " Security Operations "
    title: Security Team
    email: { ssm: /org/contacts/security/email }
    phone: "+1-555-0142"
`;

const FULL_PARAMETERS = parameters({
  '/org/contacts/security/email': { value: 'security@example.com', secure: false },
  '/org/contacts/operations/email': { value: ' ops-oncall@example.com\n', secure: true },
  '/org/contacts/payments/security-email': { value: 'payments-security@example.com', secure: true },
});

describe('ssmParameterNames', () => {
  it('collects the names used in contacts and overrides, once each, sorted', async () => {
    const { document } = await readPolicy('test/fixtures/policies/full.yaml');
    expect(ssmParameterNames(document)).toEqual([
      '/org/contacts/operations/email',
      '/org/contacts/payments/security-email',
      '/org/contacts/security/email',
    ]);
  });

  it('lists a name used twice once', () => {
    const text = `${SECURITY_WITH_SSM_EMAIL}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts: { security: { title: { ssm: /org/contacts/security/email } } }\n`;
    expect(ssmParameterNames(load(text).document)).toEqual(['/org/contacts/security/email']);
  });

  it('is empty for a policy of literals', async () => {
    expect(ssmParameterNames((await readPolicy('test/fixtures/policies/minimal.yaml')).document)).toEqual([]);
  });
});

describe('validateOffline', () => {
  it('returns the SSM parameters that can only be checked at run time', async () => {
    expect(validateOffline(await readPolicy('policy/contacts.yaml'))).toEqual([
      '/org/contacts/operations/email',
    ]);
  });
});

describe('resolvePolicy', () => {
  it('resolves the full fixture into the desired policy', async () => {
    const policy = resolvePolicy(await readPolicy('test/fixtures/policies/full.yaml'), FULL_PARAMETERS);
    expect(policy).toEqual({
      contacts: {
        SECURITY: {
          kind: 'fields',
          fields: {
            name: 'Security Operations',
            title: 'Security Team',
            email: 'security@example.com',
            phone: '+1-555-0142',
          },
        },
        OPERATIONS: {
          kind: 'fields',
          fields: {
            name: 'Platform On-Call',
            title: 'Operations',
            email: 'ops-oncall@example.com',
            phone: '+1 (555) 0100',
          },
        },
        BILLING: {
          kind: 'fields',
          fields: {
            name: 'Cloud Finance',
            title: 'Finance',
            email: 'cloud-finance@example.com',
            phone: '+1-555-0199',
          },
        },
      },
      scope: {
        include: { accounts: ['111111111111'], ous: ['ou-ab12-cd34ef56'], tags: {} },
        exclude: { accounts: ['222222222222'], ous: [], tags: { 'contact-policy': 'exempt' } },
      },
      overrides: [
        {
          match: { accounts: [], ous: ['ou-ab12-payments1'], tags: {} },
          contacts: { SECURITY: { kind: 'fields', fields: { email: 'payments-security@example.com' } } },
        },
        {
          match: { accounts: ['333333333333'], ous: [], tags: { team: 'data' } },
          contacts: {
            OPERATIONS: {
              kind: 'fields',
              fields: { name: 'Data Platform', email: 'data-oncall@example.com' },
            },
            BILLING: { kind: 'fields', fields: { phone: '+1-555-0123' } },
          },
        },
      ],
      settings: {
        concurrency: 4,
        maxChanges: 50,
        managementAccount: 'skip',
        allowedEmailDomains: ['example.com'],
        rateLimits: {
          getAlternateContact: { perSecond: 10, burst: 15 },
          putAlternateContact: { perSecond: 5, burst: 8 },
        },
      },
      secretValues: ['ops-oncall@example.com', 'payments-security@example.com'],
    });
  });

  it('fills defaults: no scope, no overrides, managementAccount manage, no secrets', async () => {
    const policy = resolvePolicy(await readPolicy('test/fixtures/policies/minimal.yaml'), new Map());
    expect(policy.scope).toEqual({ include: null, exclude: null });
    expect(policy.overrides).toEqual([]);
    expect(policy.settings).toEqual({ managementAccount: 'manage' });
    expect(policy.secretValues).toEqual([]);
    expect(Object.keys(policy.contacts)).toEqual(['SECURITY']);
  });

  it('trims literal and SSM values', () => {
    const policy = resolvePolicy(
      load(SECURITY_WITH_SSM_EMAIL),
      parameters({ '/org/contacts/security/email': { value: '  security@example.com \n', secure: false } }),
    );
    expect(policy.contacts.SECURITY).toMatchObject({
      kind: 'fields',
      fields: { name: 'Security Operations', email: 'security@example.com' },
    });
  });

  it('reports every missing parameter at the path where it is used', async () => {
    const loaded = await readPolicy('test/fixtures/policies/full.yaml');
    const issues = resolveIssuesOf(
      loaded,
      parameters({ '/org/contacts/operations/email': { value: 'ops@example.com', secure: false } }),
    );
    expect(issues).toEqual([
      {
        file: loaded.file,
        path: 'contacts.security.email',
        message: 'SSM parameter /org/contacts/security/email was not found',
      },
      {
        file: loaded.file,
        path: 'overrides.0.contacts.security.email',
        message: 'SSM parameter /org/contacts/payments/security-email was not found',
      },
    ]);
  });

  it('does not echo an invalid SecureString value', () => {
    const secret = 'not-an-address-but-secret';
    const error = resolveErrorOf(
      load(SECURITY_WITH_SSM_EMAIL),
      parameters({ '/org/contacts/security/email': { value: secret, secure: true } }),
    );
    expect(error.issues).toEqual([
      {
        file: FILE,
        path: 'contacts.security.email',
        message:
          'value of SSM parameter /org/contacts/security/email (SecureString, not shown) must be an email address AWS accepts',
      },
    ]);
    expect(error.message).not.toContain(secret);
  });

  it('shows an invalid String value', () => {
    expect(
      resolveIssuesOf(
        load(SECURITY_WITH_SSM_EMAIL),
        parameters({ '/org/contacts/security/email': { value: 'security at example.com', secure: false } }),
      ),
    ).toEqual([
      {
        file: FILE,
        path: 'contacts.security.email',
        message:
          'value of SSM parameter /org/contacts/security/email must be an email address AWS accepts (got "security at example.com")',
      },
    ]);
  });

  it('does not show an invalid String value with --redact', () => {
    const error = (() => {
      try {
        resolvePolicy(
          load(SECURITY_WITH_SSM_EMAIL),
          parameters({ '/org/contacts/security/email': { value: 'security at example.com', secure: false } }),
          { redact: 'all' },
        );
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a PolicyError');
    })();
    expect(error.message).toContain(
      'value of SSM parameter /org/contacts/security/email (not shown: --redact) must be an email address AWS accepts',
    );
    expect(error.message).not.toContain('security at example.com');
  });

  it('checks SSM values against the length limits after trimming', () => {
    const text = SECURITY_WITH_SSM_EMAIL.replace('name: " Security Operations "', 'name: { ssm: /org/name }');
    expect(
      resolveIssuesOf(
        load(text),
        parameters({
          '/org/name': { value: `  ${'N'.repeat(65)}  `, secure: true },
          '/org/contacts/security/email': { value: '   ', secure: false },
        }),
      ),
    ).toEqual([
      {
        file: FILE,
        path: 'contacts.security.name',
        message:
          'value of SSM parameter /org/name (SecureString, not shown) must be 1–64 characters (got 65)',
      },
      {
        file: FILE,
        path: 'contacts.security.email',
        message: 'value of SSM parameter /org/contacts/security/email must be 1–254 characters (got 0)',
      },
    ]);
  });

  it('reports missing parameters and invalid values together', () => {
    const text = `${SECURITY_WITH_SSM_EMAIL}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts: { security: { phone: { ssm: /org/phone } } }\n`;
    expect(
      resolveIssuesOf(
        load(text),
        parameters({ '/org/contacts/security/email': { value: 'soc', secure: false } }),
      ).map(({ path }) => path),
    ).toEqual(['contacts.security.email', 'overrides.0.contacts.security.phone']);
  });
});
