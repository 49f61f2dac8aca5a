import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from '../../src/policy/json-schema.js';
import { CONTACT_FIELD_LIMITS, contactFieldProblem } from '../../src/policy/limits.js';
import { PolicySchema, validatePolicyDocument } from '../../src/policy/schema.js';

const SECURITY = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-555-0142',
};

function issuesOf(data: unknown): [string, string][] {
  const result = validatePolicyDocument(data);
  return result.success ? [] : result.error.issues.map(({ path, message }) => [path.join('.'), message]);
}

describe('contactFieldProblem', () => {
  it.each([
    ['name', 'N'.repeat(64)],
    ['title', 'T'.repeat(50)],
    ['email', `${'a'.repeat(242)}@example.com`],
    ['email', 'soc+aws=1#a|b!c&d@mail-1.example.co.uk'],
    ['phone', '+1 (555) 014-2'],
    ['phone', '5'.repeat(25)],
  ] as const)('accepts %s %s', (field, value) => {
    expect(contactFieldProblem(field, value, { showValue: true })).toBeUndefined();
  });

  it('counts characters, not UTF-16 units, as AWS does', () => {
    expect(contactFieldProblem('name', '🛡'.repeat(64), { showValue: true })).toBeUndefined();
    expect(contactFieldProblem('name', '🛡'.repeat(65), { showValue: true })).toBe(
      'must be 1–64 characters (got 65)',
    );
  });

  it('checks the trimmed value', () => {
    expect(contactFieldProblem('phone', `  ${'5'.repeat(25)}  `, { showValue: true })).toBeUndefined();
    expect(contactFieldProblem('title', ' \t ', { showValue: true })).toBe('must be 1–50 characters (got 0)');
  });

  it('shows the value only when asked', () => {
    expect(contactFieldProblem('phone', 'call me', { showValue: true })).toBe(
      'may contain only digits, spaces and + - ( ) (got "call me")',
    );
    expect(contactFieldProblem('phone', 'call me', { showValue: false })).toBe(
      'may contain only digits, spaces and + - ( )',
    );
    expect(contactFieldProblem('email', 'soc', { showValue: false })).toBe(
      'must be an email address AWS accepts',
    );
  });

  it('has the limits of the AWS Account API', () => {
    expect(
      Object.fromEntries(
        Object.entries(CONTACT_FIELD_LIMITS).map(([field, { maxLength }]) => [field, maxLength]),
      ),
    ).toEqual({
      name: 64,
      title: 50,
      email: 254,
      phone: 25,
    });
  });
});

describe('PolicySchema', () => {
  it('accepts the smallest policy and defaults nothing that was not written', () => {
    const result = PolicySchema.safeParse({ version: 1, contacts: { security: SECURITY } });
    expect(result.success && result.data).toEqual({ version: 1, contacts: { security: SECURITY } });
  });

  it('defaults managementAccount to manage when settings are written', () => {
    const result = PolicySchema.safeParse({
      version: 1,
      contacts: { security: SECURITY },
      settings: { concurrency: 2 },
    });
    expect(result.success && result.data.settings).toEqual({ concurrency: 2, managementAccount: 'manage' });
  });

  it('accepts an SSM reference for any field', () => {
    const contact = {
      name: { ssm: 'contact-name' },
      title: { ssm: '/org/title' },
      email: { ssm: '/org/contacts/security/email' },
      phone: { ssm: '/org/a_b/c-d/e.f' },
    };
    expect(issuesOf({ version: 1, contacts: { billing: contact } })).toEqual([]);
  });

  it('rejects unknown keys everywhere', () => {
    expect(
      issuesOf({
        version: 1,
        contacts: { security: { ...SECURITY, email: { ssm: '/x', version: 2 } }, audit: SECURITY },
        scope: { exclude: { tag: {} } },
        overrides: [
          { match: { accounts: ['111111111111'] }, contacts: { security: { name: 'X' } }, note: '' },
        ],
        settings: { rateLimits: { getAlternateContact: { perSecond: 1, burst: 1, jitter: true } } },
      }).map(([path]) => path),
    ).toEqual([
      'contacts.security.email',
      'contacts',
      'scope.exclude',
      'overrides.0',
      'settings.rateLimits.getAlternateContact',
    ]);
  });

  it('reports an override of an unmanaged type at the override', () => {
    expect(
      issuesOf({
        version: 1,
        contacts: { security: SECURITY },
        overrides: [
          { match: { tags: { team: 'data' } }, contacts: { security: { name: 'Data Security' } } },
          { match: { tags: { team: 'data' } }, contacts: { billing: { name: 'Data Finance' } } },
        ],
      }),
    ).toEqual([
      ['overrides.1.contacts.billing', 'billing is not managed: add contacts.billing or remove this'],
    ]);
  });

  it('reports an unmanaged override type alongside other problems', () => {
    expect(
      issuesOf({
        version: 2,
        contacts: { security: { ...SECURITY, name: '' } },
        overrides: [{ match: {}, contacts: { operations: { name: 'Ops' } } }],
      }).map(([path]) => path),
    ).toEqual(['version', 'contacts.security.name', 'overrides.0.match', 'overrides.0.contacts.operations']);
  });

  it.each([
    ['tag key too long', { tags: { ['k'.repeat(129)]: 'v' } }],
    ['tag value too long', { tags: { k: 'v'.repeat(257) } }],
    ['tag value not a string', { tags: { k: 1 } }],
    ['accounts not a list', { accounts: '111111111111' }],
  ])('rejects a selector with %s', (_case, exclude) => {
    expect(issuesOf({ version: 1, contacts: { security: SECURITY }, scope: { exclude } })).not.toEqual([]);
  });
});

describe('policyJsonSchema', () => {
  it('matches the committed policy/contacts.schema.json', async () => {
    const committed = JSON.parse(await readFile('policy/contacts.schema.json', 'utf8'));
    expect(
      committed,
      'policy/contacts.schema.json is stale: run `npx tsx scripts/generate-schema.ts` and commit the result',
    ).toEqual(policyJsonSchema());
  });

  it('is a draft 2020-12 schema with an id, a title and a description', () => {
    expect(policyJsonSchema()).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: expect.any(String),
      title: expect.any(String),
      description: expect.any(String),
      additionalProperties: false,
      required: ['version', 'contacts'],
    });
  });

  it('lets editors check the AWS limits and SSM references', () => {
    const { $defs } = policyJsonSchema() as {
      $defs: Record<string, { properties: Record<string, unknown> }>;
    };
    expect($defs.PartialContact?.properties.email).toEqual({
      anyOf: [
        { type: 'string', minLength: 1, maxLength: 254, pattern: '^\\s*[\\w+=.#|!&-]+@[\\w.-]+\\.\\w+\\s*$' },
        { $ref: '#/$defs/SsmReference' },
      ],
    });
  });
});
