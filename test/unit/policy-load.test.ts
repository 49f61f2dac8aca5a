import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyIssue } from '../../src/errors.js';
import { parsePolicy, readPolicy } from '../../src/policy/load.js';

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

function withSecurityField(field: 'name' | 'title' | 'email' | 'phone', yamlValue: string): string {
  return SECURITY_ONLY.replace(new RegExp(`^    ${field}: .*$`, 'm'), `    ${field}: ${yamlValue}`);
}

function issuesOf(source: string | Uint8Array): readonly PolicyIssue[] {
  try {
    parsePolicy(source, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).issues;
  }
  throw new Error('expected the policy to be rejected');
}

async function readIssuesOf(file: string): Promise<readonly PolicyIssue[]> {
  const error = await readPolicy(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PolicyError);
  return (error as PolicyError).issues;
}

describe('readPolicy', () => {
  it('parses the example policy', async () => {
    const loaded = await readPolicy('policy/contacts.yaml');
    expect(loaded.file).toBe('policy/contacts.yaml');
    expect(loaded.document.contacts.security).toMatchObject({ email: 'security@example.com' });
    expect(loaded.document.contacts.operations).toMatchObject({
      email: { ssm: '/org/contacts/operations/email' },
    });
    expect(loaded.document.scope?.exclude?.tags).toEqual({ 'contact-policy': 'exempt' });
    expect(loaded.document.overrides?.[0]?.match.ous).toEqual(['ou-ab12-payments1']);
    expect(loaded.document.settings).toEqual({ concurrency: 8, managementAccount: 'manage' });
  });

  it('parses the minimal and full fixtures', async () => {
    const minimal = await readPolicy('test/fixtures/policies/minimal.yaml');
    expect(Object.keys(minimal.document.contacts)).toEqual(['security']);
    const full = await readPolicy('test/fixtures/policies/full.yaml');
    expect(full.document.overrides).toHaveLength(2);
    expect(full.document.settings?.managementAccount).toBe('skip');
  });

  it('hashes the raw bytes of the file', async () => {
    const file = 'test/fixtures/policies/minimal.yaml';
    const loaded = await readPolicy(file);
    expect(loaded.sha256).toBe(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
  });

  it('hashes bytes as they are, even where decoding changes the text (BOM, CRLF)', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(SECURITY_ONLY.replaceAll('\n', '\r\n')),
    ]);
    const loaded = parsePolicy(bytes, FILE);
    expect(loaded.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(loaded.document.contacts.security).toMatchObject({ name: 'Security Operations' });
  });

  it('hashes a string as its UTF-8 bytes', () => {
    expect(parsePolicy(SECURITY_ONLY, FILE).sha256).toBe(
      createHash('sha256').update(Buffer.from(SECURITY_ONLY, 'utf8')).digest('hex'),
    );
  });

  it('reports a missing file', async () => {
    expect(await readIssuesOf('test/fixtures/policies/does-not-exist.yaml')).toEqual([
      {
        file: 'test/fixtures/policies/does-not-exist.yaml',
        path: '',
        message: 'the policy file does not exist',
      },
    ]);
  });

  it('reports a directory given as the policy', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'enforce-policy-'));
    expect(await readIssuesOf(directory)).toEqual([
      { file: directory, path: '', message: 'the policy file is a directory' },
    ]);
  });

  it('reports a file that is not UTF-8', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'enforce-policy-')), 'latin1.yaml');
    await writeFile(file, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    expect(await readIssuesOf(file)).toEqual([
      { file, path: '', message: 'the policy file is not UTF-8 text' },
    ]);
  });
});

describe('parsePolicy: YAML problems', () => {
  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\n  \n'],
    ['a file of comments only', '# contacts policy\n# to be written\n'],
  ])('reports %s as empty', (_case, text) => {
    expect(issuesOf(text)).toEqual([{ file: FILE, path: '', message: 'the policy is empty' }]);
  });

  it('reports a top level that is a list, with its line', () => {
    expect(issuesOf('# policy\n- version: 1\n')).toEqual([
      {
        file: FILE,
        path: '',
        line: 2,
        message: 'the policy must be a mapping with keys such as version and contacts',
      },
    ]);
  });

  it('reports a top level that is a scalar', () => {
    expect(issuesOf('just text\n')[0]?.message).toBe(
      'the policy must be a mapping with keys such as version and contacts',
    );
  });

  it('reports a syntax error with its line', () => {
    const issues = issuesOf(`${SECURITY_ONLY}scope:\n  exclude:\n    accounts: ["111111111111"\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: FILE, path: '', line: 11 });
    expect(issues[0]?.message).toMatch(/^invalid YAML: /);
  });

  it('reports an unclosed quote with its line', () => {
    const [issue] = issuesOf(withSecurityField('phone', '"+1-555-0142'));
    expect(issue?.message).toMatch(/^invalid YAML: .*quote/);
    expect(issue?.line).toBeGreaterThanOrEqual(7);
  });

  it('reports a duplicate key with its path, its line and the first line', () => {
    const text = SECURITY_ONLY.replace('    phone:', '    email: soc@example.com\n    phone:');
    expect(issuesOf(text)).toEqual([
      { file: FILE, path: 'contacts.security.email', line: 7, message: 'duplicate key (first on line 6)' },
    ]);
  });

  it('reports a duplicate top-level key', () => {
    expect(issuesOf(`${SECURITY_ONLY}version: 1\n`)).toEqual([
      { file: FILE, path: 'version', line: 8, message: 'duplicate key (first on line 1)' },
    ]);
  });

  it('reports a duplicate key inside a list item', () => {
    const text = `${SECURITY_ONLY}overrides:\n  - match: { accounts: ["111111111111"] }\n    match: { accounts: ["222222222222"] }\n    contacts: { security: { name: X } }\n`;
    expect(issuesOf(text)).toEqual([
      { file: FILE, path: 'overrides.0.match', line: 10, message: 'duplicate key (first on line 9)' },
    ]);
  });

  it('reports an alias whose anchor does not exist', () => {
    const [issue] = issuesOf(withSecurityField('name', '*missing'));
    expect(issue?.message).toMatch(/^invalid YAML: .*alias/i);
  });

  it('reports several documents in one file', () => {
    const [issue] = issuesOf(`${SECURITY_ONLY}---\nversion: 1\n`);
    expect(issue).toMatchObject({ path: '', line: 8 });
    expect(issue?.message).toMatch(/^invalid YAML: .*multiple documents/);
  });

  it('reports an unknown tag', () => {
    const [issue] = issuesOf(withSecurityField('name', '!Ref SecurityName'));
    expect(issue).toMatchObject({ path: '', line: 4 });
    expect(issue?.message).toMatch(/^invalid YAML: Unresolved tag/);
  });

  it('accepts anchors and aliases', () => {
    const text = `${SECURITY_ONLY.replace('title: Security Team', 'title: &title Security Team')}  operations:\n    name: Platform\n    title: *title\n    email: ops@example.com\n    phone: "+1-555-0100"\n`;
    expect(parsePolicy(text, FILE).document.contacts.operations).toMatchObject({ title: 'Security Team' });
  });
});

describe('parsePolicy: schema problems, with path and line', () => {
  it('reports an unknown top-level key at its line', () => {
    expect(issuesOf(`${SECURITY_ONLY}setting:\n  concurrency: 4\n`)).toEqual([
      {
        file: FILE,
        path: 'setting',
        line: 8,
        message:
          'unknown key: did you mean "settings"? (allowed here: version, contacts, scope, overrides, settings)',
      },
    ]);
  });

  it('reports an unknown nested key at its line', () => {
    expect(issuesOf(SECURITY_ONLY.replace('    phone:', '    pager: "+1-555-0000"\n    phone:'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.pager',
        line: 7,
        message: 'unknown key (allowed here: name, title, email, phone)',
      },
    ]);
  });

  it('suggests the key a misspelt one meant (a partial contact is allowed, so nothing is required)', () => {
    expect(issuesOf(SECURITY_ONLY.replace('    email:', '    emial:'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.emial',
        line: 6,
        message: 'unknown key: did you mean "email"? (allowed here: name, title, email, phone)',
      },
    ]);
  });

  it('suggests per key when one mapping has several unknown keys', () => {
    const issues = issuesOf(`${SECURITY_ONLY}scope:\n  exlude: {}\n  Include: {}\n  only: {}\n`);
    expect(issues.map(({ path, message }) => [path, message.split(' (')[0]])).toEqual([
      ['scope.exlude', 'unknown key: did you mean "exclude"?'],
      ['scope.Include', 'unknown key: did you mean "include"?'],
      ['scope.only', 'unknown key'],
    ]);
  });

  it('reports each unknown key of one mapping', () => {
    const issues = issuesOf(
      `${SECURITY_ONLY}scope:\n  include: { accounts: ["111111111111"] }\n  exlude: {}\n  only: {}\n`,
    );
    expect(issues.map(({ path, line }) => [path, line])).toEqual([
      ['scope.exlude', 10],
      ['scope.only', 11],
    ]);
  });

  it('reports an unknown key in an SSM reference', () => {
    expect(issuesOf(withSecurityField('email', '{ ssm: /org/email, region: eu-west-1 }'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.email.region',
        line: 6,
        message: 'unknown key (allowed here: ssm)',
      },
    ]);
  });

  it('reports a missing top-level key without a line', () => {
    expect(issuesOf(SECURITY_ONLY.replace('version: 1\n', ''))).toEqual([
      { file: FILE, path: 'version', message: 'is required' },
    ]);
  });

  it('accepts a contact that lists some of its fields (the rest are kept from each account)', () => {
    const text = SECURITY_ONLY.replace(/^ {4}title: .*\n/m, '');
    expect(parsePolicy(text, FILE).document.contacts.security).not.toHaveProperty('title');
  });

  it('reports a contact that lists no field at the line of its contact', () => {
    expect(issuesOf('version: 1\ncontacts:\n  security: {}\n')).toEqual([
      {
        file: FILE,
        path: 'contacts.security',
        line: 3,
        message: 'must set at least one of name, title, email, phone',
      },
    ]);
  });

  it.each([
    ['2', 'must be 1'],
    ['"1"', 'must be 1'],
  ])('reports version %s', (version, message) => {
    expect(issuesOf(SECURITY_ONLY.replace('version: 1', `version: ${version}`))).toEqual([
      { file: FILE, path: 'version', line: 1, message },
    ]);
  });

  it('reports contacts written as a list', () => {
    expect(issuesOf('version: 1\ncontacts:\n  - security\n')).toEqual([
      { file: FILE, path: 'contacts', line: 2, message: 'must be a mapping (got a list)' },
    ]);
  });

  it('reports an empty contacts mapping', () => {
    expect(issuesOf('version: 1\ncontacts: {}\n')).toEqual([
      {
        file: FILE,
        path: 'contacts',
        line: 2,
        message: 'must define at least one of security, operations, billing, primary',
      },
    ]);
  });

  it('reports a contact with no value', () => {
    expect(issuesOf('version: 1\ncontacts:\n  security:\n')).toEqual([
      {
        file: FILE,
        path: 'contacts.security',
        line: 3,
        message: 'must be a mapping of contact fields or absent (got an empty value)',
      },
    ]);
  });

  it('tells to quote a phone number YAML reads as a number', () => {
    expect(issuesOf(withSecurityField('phone', '5550142'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.phone',
        line: 7,
        message: 'must be a string or { ssm: PARAMETER_NAME } (got 5550142: put it in quotes)',
      },
    ]);
  });

  it('reports a field of the wrong type', () => {
    expect(issuesOf(withSecurityField('name', '[Security, Operations]'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.name',
        line: 4,
        message: 'must be a string or { ssm: PARAMETER_NAME } (got a list)',
      },
    ]);
  });

  it('reports an SSM reference without a name', () => {
    expect(issuesOf(withSecurityField('email', '{}'))).toEqual([
      { file: FILE, path: 'contacts.security.email.ssm', line: 6, message: 'is required' },
    ]);
  });

  it('reports an invalid SSM parameter name', () => {
    expect(issuesOf(withSecurityField('email', '{ ssm: "org contacts/email" }'))).toEqual([
      {
        file: FILE,
        path: 'contacts.security.email.ssm',
        line: 6,
        message: 'must be an SSM parameter name such as /org/contacts/security/email',
      },
    ]);
  });

  it.each([
    ['name too long', 'name', 'N'.repeat(65), 4, 'must be 1–64 characters (got 65)'],
    ['title too long', 'title', 'T'.repeat(51), 5, 'must be 1–50 characters (got 51)'],
    ['empty name', 'name', '""', 4, 'must be 1–64 characters (got 0)'],
    ['blank title', 'title', '"   "', 5, 'must be 1–50 characters (got 0)'],
    [
      'bad email',
      'email',
      'security.example.com',
      6,
      'must be an email address AWS accepts (got "security.example.com")',
    ],
    [
      'email without a dot in the domain',
      'email',
      'security@localhost',
      6,
      'must be an email address AWS accepts (got "security@localhost")',
    ],
    ['email over 254', 'email', `${'a'.repeat(243)}@example.com`, 6, 'must be 1–254 characters (got 255)'],
    ['empty email', 'email', '""', 6, 'must be 1–254 characters (got 0)'],
    [
      'phone with letters',
      'phone',
      '"+1-555-CALL-SOC"',
      7,
      'may contain only digits, spaces and + - ( ) (got "+1-555-CALL-SOC")',
    ],
    [
      'phone with dots',
      'phone',
      '"+1.555.0142"',
      7,
      'may contain only digits, spaces and + - ( ) (got "+1.555.0142")',
    ],
    ['phone over 25', 'phone', `"+1 ${'5'.repeat(23)}"`, 7, 'must be 1–25 characters (got 26)'],
  ] as const)('reports %s', (_case, field, yamlValue, line, message) => {
    expect(issuesOf(withSecurityField(field, yamlValue))).toEqual([
      { file: FILE, path: `contacts.security.${field}`, line, message },
    ]);
  });

  it('checks lengths on the trimmed value', () => {
    const loaded = parsePolicy(withSecurityField('name', `"  ${'N'.repeat(64)}  "`), FILE);
    expect(loaded.document.contacts.security).toMatchObject({ name: `  ${'N'.repeat(64)}  ` });
  });

  it('reports an account ID YAML reads as a number', () => {
    expect(issuesOf(`${SECURITY_ONLY}scope:\n  exclude:\n    accounts: [111111111111]\n`)).toEqual([
      {
        file: FILE,
        path: 'scope.exclude.accounts.0',
        line: 10,
        message: 'must be a string (got 111111111111: put it in quotes)',
      },
    ]);
  });

  it('reports a bad account ID', () => {
    expect(
      issuesOf(
        `${SECURITY_ONLY}scope:\n  include:\n    accounts:\n      - "111111111111"\n      - "1111-1111-1111"\n`,
      ),
    ).toEqual([
      {
        file: FILE,
        path: 'scope.include.accounts.1',
        line: 12,
        message: 'must be a 12-digit AWS account ID such as "111111111111"',
      },
    ]);
  });

  it('reports a bad OU ID in an override', () => {
    const text = `${SECURITY_ONLY}overrides:\n  - match:\n      ous:\n        - ou-ab12-cd34ef56\n        - r-ab12\n    contacts: { security: { name: Payments Security } }\n`;
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        path: 'overrides.0.match.ous.1',
        line: 12,
        message: 'must be an organizational unit ID such as ou-ab12-cd34ef56',
      },
    ]);
  });

  it.each([
    ['an empty mapping', '{}'],
    ['empty lists and tags', '{ accounts: [], ous: [], tags: {} }'],
  ])('reports an override match of %s', (_case, match) => {
    const text = `${SECURITY_ONLY}overrides:\n  - match: ${match}\n    contacts: { security: { name: X } }\n`;
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        path: 'overrides.0.match',
        line: 9,
        message: 'must select accounts: list at least one of accounts, ous, tags',
      },
    ]);
  });

  it('reports an empty scope include, which would select no account', () => {
    expect(issuesOf(`${SECURITY_ONLY}scope:\n  include: {}\n`)).toEqual([
      {
        file: FILE,
        path: 'scope.include',
        line: 9,
        message: 'must select accounts: list at least one of accounts, ous, tags',
      },
    ]);
  });

  it('accepts an empty scope exclude', () => {
    expect(parsePolicy(`${SECURITY_ONLY}scope:\n  exclude: { ous: [] }\n`, FILE).document.scope).toEqual({
      exclude: { ous: [] },
    });
  });

  it('reports an override of a type that contacts does not manage', () => {
    const text = `${SECURITY_ONLY}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts:\n      security: { name: X }\n      operations: { name: Y }\n`;
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        path: 'overrides.0.contacts.operations',
        line: 12,
        message: 'operations is not managed: add contacts.operations or remove this',
      },
    ]);
  });

  it('reports overrides that set nothing', () => {
    const text = `${SECURITY_ONLY}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts: {}\n  - match: { accounts: ["111111111111"] }\n    contacts: { security: {} }\n`;
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        path: 'overrides.0.contacts',
        line: 10,
        message: 'must set at least one of security, operations, billing, primary',
      },
      {
        file: FILE,
        path: 'overrides.1.contacts.security',
        line: 12,
        message: 'must set at least one of name, title, email, phone',
      },
    ]);
  });

  it('checks override fields against the same limits', () => {
    const text = `${SECURITY_ONLY}overrides:\n  - match: { accounts: ["111111111111"] }\n    contacts:\n      security:\n        email: payments-security\n`;
    expect(issuesOf(text)).toEqual([
      {
        file: FILE,
        path: 'overrides.0.contacts.security.email',
        line: 12,
        message: 'must be an email address AWS accepts (got "payments-security")',
      },
    ]);
  });

  it.each([
    ['concurrency: 0', 'settings.concurrency', 'must be at least 1'],
    ['concurrency: 65', 'settings.concurrency', 'must be at most 64'],
    ['concurrency: 2.5', 'settings.concurrency', 'must be a whole number (got 2.5)'],
    ['concurrency: "8"', 'settings.concurrency', 'must be a number (got "8")'],
    ['maxChanges: -1', 'settings.maxChanges', 'must be at least 0'],
    ['managementAccount: ignore', 'settings.managementAccount', 'must be one of manage, skip (got "ignore")'],
    ['allowedEmailDomains: []', 'settings.allowedEmailDomains', 'must list at least 1 item'],
    [
      'allowedEmailDomains: ["@example.com"]',
      'settings.allowedEmailDomains.0',
      'must be a domain name such as example.com',
    ],
    [
      'rateLimits: { getAlternateContact: { perSecond: 0, burst: 15 } }',
      'settings.rateLimits.getAlternateContact.perSecond',
      'must be greater than 0',
    ],
    [
      'rateLimits: { putAlternateContact: { perSecond: 5, burst: 0 } }',
      'settings.rateLimits.putAlternateContact.burst',
      'must be at least 1',
    ],
    [
      'rateLimits: { putAlternateContact: { perSecond: 5 } }',
      'settings.rateLimits.putAlternateContact.burst',
      'is required',
    ],
    [
      'rateLimits: { assumeRole: { perSecond: 1, burst: 6 } }',
      'settings.rateLimits.assumeRole',
      'unknown key (allowed here: getAlternateContact, putAlternateContact, deleteAlternateContact, getContactInformation, putContactInformation, organizations)',
    ],
    [
      'dryRun: true',
      'settings.dryRun',
      'unknown key (allowed here: concurrency, maxChanges, managementAccount, requestTimeoutSeconds, createWith, allowedEmailDomains, rateLimits, auditAnchor, memberRole)',
    ],
  ])('reports settings %s', (setting, path, message) => {
    expect(issuesOf(`${SECURITY_ONLY}settings:\n  ${setting}\n`)).toEqual([
      { file: FILE, path, line: 9, message },
    ]);
  });

  it('reports every problem at once, ordered by line, in one error', async () => {
    const file = 'test/fixtures/policies/invalid.yaml';
    const error = await readPolicy(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).issues).toEqual([
      {
        file,
        path: 'contacts.security.email',
        line: 7,
        message: 'must be an email address AWS accepts (got "not-an-email")',
      },
      {
        file,
        path: 'contacts.security.pager',
        line: 9,
        message: 'unknown key (allowed here: name, title, email, phone)',
      },
      {
        file,
        path: 'scope.exclude.accounts.0',
        line: 12,
        message: 'must be a 12-digit AWS account ID such as "111111111111"',
      },
    ]);
    expect((error as PolicyError).message).toBe(
      [
        `${file}:7: contacts.security.email: must be an email address AWS accepts (got "not-an-email")`,
        `${file}:9: contacts.security.pager: unknown key (allowed here: name, title, email, phone)`,
        `${file}:12: scope.exclude.accounts.0: must be a 12-digit AWS account ID such as "111111111111"`,
      ].join('\n'),
    );
  });
});
