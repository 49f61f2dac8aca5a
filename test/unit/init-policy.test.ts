import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInitTypes, writeInitPolicyFile } from '../../src/cli/init-command.js';
import { decideAccount, desiredItem, desiredPrimaryItem } from '../../src/core/desired.js';
import { buildInitPolicy, type ObservedAccount } from '../../src/core/init-policy.js';
import type { PrimaryContact } from '../../src/core/primary.js';
import { CONTACT_TYPES, type Contact } from '../../src/core/types.js';
import { UsageError } from '../../src/errors.js';
import { lintPolicyErrors } from '../../src/policy/lint.js';
import { parsePolicy } from '../../src/policy/load.js';
import { resolvePolicy } from '../../src/policy/resolve.js';
import { renderInitPolicy } from '../../src/policy/write-policy.js';
import { account, OPERATIONS, SECURITY } from '../support/builders.js';

const WORKLOADS = 'ou-ab12-workload1';
const PAYMENTS = 'ou-ab12-payments1'; // below WORKLOADS
const SANDBOX = 'ou-ab12-sandbox01';

const PAYMENTS_SECURITY: Contact = { ...SECURITY, name: 'Payments Security', email: 'pay-sec@example.com' };
const LAB_SECURITY: Contact = { ...SECURITY, email: 'lab-sec@example.com' };
const SANDBOX_BILLING: Contact = {
  name: 'Sandbox Finance',
  title: 'Finance',
  email: 'sandbox-fin@example.com',
  phone: '+1 555 0123',
};
const PRIMARY: PrimaryContact = {
  fullName: 'Example Corp',
  addressLine1: '1 Example Street',
  city: 'Springfield',
  stateOrRegion: 'WA',
  postalCode: '98101',
  countryCode: 'US',
  phone: '+1-555-0100',
};
const PAYMENTS_PRIMARY: PrimaryContact = { ...PRIMARY, fullName: 'Example Payments Ltd', countryCode: 'GB' };

function observed(
  id: string,
  ous: string[],
  contacts: ObservedAccount['contacts'],
  primary: PrimaryContact | null = PRIMARY,
): ObservedAccount {
  return { account: account(id, { ous }), contacts, primary };
}

/**
 * 10 accounts: the default security contact on 5, the payments OU (3 accounts) on its own, one lab account
 * with another address and one without any; billing on the sandbox OU only; one security read failed.
 */
const ORGANIZATION: ObservedAccount[] = [
  observed('111111111101', [], { SECURITY, OPERATIONS, BILLING: null }),
  observed('111111111102', [WORKLOADS], { SECURITY, OPERATIONS, BILLING: null }),
  observed('111111111103', [WORKLOADS], {
    SECURITY: { ...SECURITY, email: 'SECURITY@example.com ' },
    OPERATIONS: { ...OPERATIONS, phone: '+1 (555) 0100' },
    BILLING: null,
  }),
  observed('111111111104', [WORKLOADS, PAYMENTS], { SECURITY: PAYMENTS_SECURITY, OPERATIONS, BILLING: null }),
  observed(
    '111111111105',
    [WORKLOADS, PAYMENTS],
    { SECURITY: PAYMENTS_SECURITY, OPERATIONS, BILLING: null },
    PAYMENTS_PRIMARY,
  ),
  observed(
    '111111111106',
    [WORKLOADS, PAYMENTS],
    { SECURITY: PAYMENTS_SECURITY, OPERATIONS, BILLING: null },
    PAYMENTS_PRIMARY,
  ),
  observed('111111111107', [SANDBOX], { SECURITY, OPERATIONS, BILLING: SANDBOX_BILLING }),
  observed('111111111108', [SANDBOX], { SECURITY: LAB_SECURITY, OPERATIONS, BILLING: SANDBOX_BILLING }),
  observed('111111111109', [], { SECURITY: null, OPERATIONS, BILLING: null }),
  // Its security contact could not be read: it counts for the other types only.
  observed('111111111110', [], { OPERATIONS, BILLING: null }),
];

const ALL_TYPES = parseInitTypes('security,operations,billing,primary');

describe('buildInitPolicy', () => {
  const init = buildInitPolicy(ORGANIZATION, ALL_TYPES);

  it('makes the most common value of each type the default, counting the accounts it covers', () => {
    expect(init.accounts).toBe(10);
    expect(init.defaults.map(({ type, value, covers, of }) => [type, value.kind, covers, of])).toEqual([
      ['security', 'contact', 4, 9],
      ['operations', 'contact', 10, 10],
      ['billing', 'absent', 8, 10],
      ['primary', 'contact', 8, 10],
    ]);
    expect(init.defaults[0]?.value).toEqual({ kind: 'contact', fields: SECURITY });
  });

  it('groups by OU where every account below it agrees, otherwise by account', () => {
    expect(
      init.overrides.map(({ match, contacts, covers }) => ({
        match,
        covers,
        types: contacts.map((c) => `${c.type}:${c.value.kind}:${c.covers}`),
      })),
    ).toEqual([
      { match: { by: 'ous', ous: [SANDBOX] }, covers: 2, types: ['billing:contact:2'] },
      { match: { by: 'ous', ous: [PAYMENTS] }, covers: 3, types: ['security:contact:3'] },
      // Only two of the payments OU's three accounts have the other primary contact: by account.
      {
        match: { by: 'accounts', accounts: ['111111111105', '111111111106'] },
        covers: 2,
        types: ['primary:contact:2'],
      },
      { match: { by: 'accounts', accounts: ['111111111108'] }, covers: 1, types: ['security:contact:1'] },
      { match: { by: 'accounts', accounts: ['111111111109'] }, covers: 1, types: ['security:absent:1'] },
    ]);
  });

  it('groups accounts without an OU, or in one-account OUs, by account', () => {
    const lone = buildInitPolicy(
      [
        observed('111111111101', [], { SECURITY }),
        observed('111111111102', [], { SECURITY }),
        observed('111111111103', ['ou-ab12-solo0001'], { SECURITY: LAB_SECURITY }),
      ],
      ['security'],
    );
    expect(lone.overrides.map((o) => o.match)).toEqual([{ by: 'accounts', accounts: ['111111111103'] }]);
  });

  it('writes only the types asked for, and says which could not be written', () => {
    const some = buildInitPolicy(
      ORGANIZATION.map((o) => ({ ...o, primary: null })),
      ['security', 'primary'],
    );
    expect(some.defaults.map((d) => d.type)).toEqual(['security']);
    expect(some.omitted).toEqual([{ type: 'primary', reason: 'no account had a primary contact to copy' }]);
  });
});

describe('renderInitPolicy', () => {
  const text = renderInitPolicy(buildInitPolicy(ORGANIZATION, ALL_TYPES), {
    header: ['Organization o-exampleorg1, read 2026-01-01T00:00:00Z.'],
  });

  it('comments each entry with the accounts it covers', () => {
    expect(text).toMatch(
      /^# Organization o-exampleorg1, read 2026-01-01T00:00:00Z\.\n# Written by `enforce init` from 10 accounts/,
    );
    expect(text).toContain('  # default: the value of 4 of 9 accounts\n  security:\n');
    expect(text).toContain('  # default: the value of 8 of 10 accounts\n  billing: absent\n');
    expect(text).toContain(
      `  # every account below ${PAYMENTS} (3 accounts read)\n  - match: { ous: [ ${PAYMENTS} ] }\n    contacts:\n      # 3 accounts\n      security:\n`,
    );
    expect(text).toContain('  # 1 account\n  - match: { accounts: [ "111111111108" ] }\n');
  });

  it('flags an absent Security contact in a comment, and lint rejects it until a person decides', () => {
    expect(text).toContain('      # 1 account. No Security contact today. CIS 1.2');
    const policy = resolvePolicy(parsePolicy(text, 'contacts.yaml'), new Map());
    expect(lintPolicyErrors(policy, 'contacts.yaml').map((e) => e.path)).toEqual([
      'overrides.4.contacts.security',
    ]);
  });

  it('writes a policy that plans no drift against the organization it was read from', () => {
    const policy = resolvePolicy(parsePolicy(text, 'contacts.yaml'), new Map());
    const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
    const actions: string[] = [];
    for (const { account: acc, contacts, primary } of ORGANIZATION) {
      const decision = decideAccount(acc, policy, ctx);
      if (decision.kind !== 'manage') throw new Error(`${acc.id} is not managed`);
      for (const type of CONTACT_TYPES) {
        const current = contacts[type];
        if (current === undefined) continue;
        actions.push(`${acc.id}/${type}:${desiredItem(decision.contacts[type]!, current).action}`);
      }
      actions.push(`${acc.id}/PRIMARY:${desiredPrimaryItem(decision.primary!, primary ?? null).action}`);
    }
    expect(actions.filter((a) => !a.endsWith(':noop'))).toEqual([]);
    expect(actions).toHaveLength(39);
  });

  it('detects drift when the organization changes after init (the round trip can fail)', () => {
    const policy = resolvePolicy(parsePolicy(text, 'contacts.yaml'), new Map());
    const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
    const decision = decideAccount(account('111111111104', { ous: [WORKLOADS, PAYMENTS] }), policy, ctx);
    if (decision.kind !== 'manage') throw new Error('expected manage');
    expect(desiredItem(decision.contacts.SECURITY!, SECURITY).action).toBe('update');
  });
});

describe('init command helpers', () => {
  it('parses --types, refusing unknown names', () => {
    expect(parseInitTypes(undefined)).toEqual(['security', 'operations', 'billing']);
    expect(parseInitTypes('security, operations,security')).toEqual(['security', 'operations']);
    expect(() => parseInitTypes('security,audit')).toThrow(
      new UsageError('--types: unknown type audit (allowed: security, operations, billing, primary)'),
    );
    expect(() => parseInitTypes(',')).toThrow(UsageError);
  });

  it('refuses to overwrite an existing file without --force, and overwrites with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enforce-init-'));
    const path = join(dir, 'contacts.yaml');
    await writeInitPolicyFile(path, 'first\n', { force: false });
    await expect(writeInitPolicyFile(path, 'second\n', { force: false })).rejects.toThrow(
      new UsageError(`${path} already exists: pass --force to overwrite it`),
    );
    expect(await readFile(path, 'utf8')).toBe('first\n');
    await writeInitPolicyFile(path, 'third\n', { force: true });
    expect(await readFile(path, 'utf8')).toBe('third\n');
  });

  it('names the path when its directory does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'enforce-init-'));
    await writeFile(join(dir, 'x'), '');
    await expect(writeInitPolicyFile(join(dir, 'missing', 'p.yaml'), 'x', { force: false })).rejects.toThrow(
      `cannot write the policy to ${join(dir, 'missing', 'p.yaml')}: its directory does not exist`,
    );
  });
});
