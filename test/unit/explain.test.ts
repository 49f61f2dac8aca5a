import { describe, expect, it } from 'vitest';
import { decideAccount, desiredContacts } from '../../src/core/desired.js';
import type { DesiredPolicy } from '../../src/core/policy.js';
import type { Account, Contact, ContactType, ObservedContact } from '../../src/core/types.js';
import { renderExplanation } from '../../src/render/explain.js';
import { account, OPERATIONS, policy, SECURITY, selector } from '../support/builders.js';
import { testMask, testRedactor } from '../support/redact.js';

const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
const clear = testRedactor('none');

const A = '111111111111';

/** Overrides 0, 1 and 2 match by account, by OU and by tags; each sets one field of the security contact. */
const layered: DesiredPolicy = policy({
  contacts: { SECURITY, OPERATIONS },
  scope: { include: null, exclude: selector({ tags: { 'contact-policy': 'exempt' } }) },
  overrides: [
    { match: selector({ accounts: [A] }), contacts: { SECURITY: { title: 'Payments Security' } } },
    {
      match: selector({ ous: ['ou-ab12-payments1'] }),
      contacts: { SECURITY: { email: 'payments-security@acme.internal' } },
    },
    { match: selector({ tags: { team: 'data' } }), contacts: { SECURITY: { phone: '+1-555-0199' } } },
  ],
});

function explain(
  acc: Account,
  current: Partial<Record<ContactType, ObservedContact>>,
  p: DesiredPolicy = layered,
  redactor = clear,
) {
  return renderExplanation(
    { account: acc, decision: decideAccount(acc, p, ctx), desired: desiredContacts(acc, p), current },
    redactor,
  );
}

const present = (contact: Contact): ObservedContact => ({ kind: 'present', contact });

describe('renderExplanation', () => {
  const payments = account(A, {
    name: 'payments-prod',
    ous: ['ou-ab12-workload', 'ou-ab12-payments1'],
    tags: { team: 'data', env: 'prod' },
  });

  it('names the layer that decided each field, and compares each with the current value', () => {
    const text = explain(payments, {
      SECURITY: present({ ...SECURITY, email: 'Payments-Security@ACME.internal' }),
      OPERATIONS: present(OPERATIONS),
    });
    expect(text).toBe(
      [
        'Account 111111111111 (payments-prod) — ACTIVE',
        '  OUs:  ou-ab12-workload / ou-ab12-payments1',
        '  tags: team=data, env=prod',
        '  Decision: managed',
        '',
        'security contact: would be updated (title, phone)',
        '  name   desired "Security Operations"  from contacts.security',
        '         current "Security Operations"  in sync',
        '  title  desired "Payments Security"  from overrides.0 (matched account 111111111111)',
        '         current "Security Team"  differs',
        '  email  desired "payments-security@acme.internal"  from overrides.1 (matched OU ou-ab12-payments1)',
        '         current "Payments-Security@ACME.internal"  in sync',
        '  phone  desired "+1-555-0199"  from overrides.2 (matched tags team=data)',
        '         current "+1-555-0142"  differs',
        '',
        'operations contact: in sync',
        '  name   desired "Platform On-Call"  from contacts.operations',
        '         current "Platform On-Call"  in sync',
        '  title  desired "Operations"  from contacts.operations',
        '         current "Operations"  in sync',
        '  email  desired "ops-oncall@example.com"  from contacts.operations',
        '         current "ops-oncall@example.com"  in sync',
        '  phone  desired "+1-555-0100"  from contacts.operations',
        '         current "+1-555-0100"  in sync',
        '',
      ].join('\n'),
    );
  });

  it('a later override wins field by field, and the explanation names it', () => {
    const p = policy({
      overrides: [
        {
          match: selector({ ous: ['ou-ab12-workload'] }),
          contacts: { SECURITY: { email: 'first@acme.internal' } },
        },
        {
          match: selector({ ous: ['ou-ab12-payments1'] }),
          contacts: { SECURITY: { email: 'second@acme.internal' } },
        },
      ],
    });
    const text = explain(payments, { SECURITY: { kind: 'missing' } }, p);
    expect(text).toContain(
      '  email  desired "second@acme.internal"  from overrides.1 (matched OU ou-ab12-payments1)\n',
    );
    expect(text).not.toContain('first@acme.internal');
  });

  it('says a missing contact would be created, and shows no current lines', () => {
    const text = explain(account('222222222222', { name: 'dev', ous: [], tags: {} }), {
      SECURITY: { kind: 'missing' },
      OPERATIONS: present(OPERATIONS),
    });
    expect(text).toContain('  OUs:  (root)\n  tags: (none)\n  Decision: managed\n');
    expect(text).toContain(
      '\nsecurity contact: none set — would be created\n  name   desired "Security Operations"  from contacts.security\n  title  desired',
    );
    expect(text.split('current ').length - 1).toBe(4); // only the operations contact has current values
  });

  it('shows a read error with its code and message', () => {
    const text = explain(account('333333333333'), {
      SECURITY: {
        kind: 'error',
        error: { code: 'AccessDeniedException', message: 'explicit deny in an SCP' },
      },
    });
    expect(text).toContain(
      '\nsecurity contact (current value could not be read: AccessDeniedException: explicit deny in an SCP)\n',
    );
    // Account without fetched OUs/tags: no such lines.
    expect(text).not.toContain('OUs:');
    expect(text).not.toContain('tags:');
  });

  it('explains an excluded account with the tags that excluded it, and what it would get', () => {
    const exempt = account('444444444444', { name: 'lab', tags: { 'contact-policy': 'exempt' } });
    const text = explain(exempt, {
      SECURITY: present({ ...SECURITY, email: 'lab-team@acme.internal' }),
      OPERATIONS: present(OPERATIONS),
    });
    expect(text.split('\n').slice(0, 4)).toEqual([
      'Account 444444444444 (lab) — ACTIVE',
      '  tags: contact-policy=exempt',
      '  Decision: skipped: excluded by scope.exclude (matched tags contact-policy=exempt)',
      '',
    ]);
    expect(text).toContain('\nsecurity contact: differs (not managed)\n');
    expect(text).toContain('\noperations contact: matches the policy\n');
    expect(text).toContain('         current "lab-team@acme.internal"  differs\n');
  });

  it('explains an account excluded by id and a suspended account whose contacts were not read', () => {
    const p = policy({ scope: { include: null, exclude: selector({ accounts: ['555555555555'] }) } });
    expect(explain(account('555555555555'), {}, p)).toContain(
      '  Decision: skipped: excluded by scope.exclude (matched account 555555555555)\n\nsecurity contact (current value not read)\n',
    );
    const suspended = explain(account('666666666666', { state: 'SUSPENDED' }), {}, p);
    expect(suspended).toContain('Account 666666666666 (account-6666) — SUSPENDED\n');
    expect(suspended).toContain('  Decision: skipped: account is SUSPENDED\n');
    expect(suspended).toContain('security contact (current value not read)\n');
  });

  it('with --redact masks desired and current values but still says which differ', () => {
    const redacting = testRedactor('all');
    const text = explain(
      payments,
      {
        SECURITY: present({ ...SECURITY, email: 'Payments-Security@ACME.internal' }),
        OPERATIONS: present(OPERATIONS),
      },
      layered,
      redacting,
    );
    // Values are shown quoted: none may be (titles like "Operations" also name a contact type).
    for (const value of [
      ...Object.values(SECURITY),
      ...Object.values(OPERATIONS),
      'Payments Security',
      '+1-555-0199',
    ]) {
      expect(text).not.toContain(JSON.stringify(value));
    }
    for (const email of [SECURITY.email, OPERATIONS.email, 'payments-security@acme.internal'])
      expect(text.toLowerCase()).not.toContain(email);
    expect(text).not.toMatch(/@|555/);
    // Same normalised email, same mask: the reviewer still sees it is in sync.
    expect(text).toContain(
      `  email  desired "${testMask('email', 'payments-security@acme.internal')}"  from overrides.1 (matched OU ou-ab12-payments1)\n         current "${testMask('email', 'Payments-Security@ACME.internal')}"  in sync\n`,
    );
    expect(text).toContain('security contact: would be updated (title, phone)');
    expect(text).toMatch(/ {2}title {2}desired "\[redacted:[0-9a-f]{8}\]"/);
  });

  it('masks a SecureString value even without --redact, and only that value', () => {
    const secret = testRedactor('none', ['ops-oncall@example.com']);
    const text = explain(account('777777777777'), { OPERATIONS: present(OPERATIONS) }, layered, secret);
    expect(text).not.toContain('ops-oncall@example.com');
    expect(text).toContain(
      `  email  desired "${testMask('email', 'ops-oncall@example.com')}"  from contacts.operations\n`,
    );
    expect(text).toContain('  name   desired "Platform On-Call"  from contacts.operations\n');
  });
});
