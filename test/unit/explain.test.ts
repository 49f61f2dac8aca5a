import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decideAccount, desiredContacts } from '../../src/core/desired.js';
import type { DesiredPolicy } from '../../src/core/policy.js';
import type { Account, Contact, ContactType, ObservedContact } from '../../src/core/types.js';
import { contactVerdict, explanationJson, renderExplanation } from '../../src/render/explain.js';
import { createStyle } from '../../src/render/style.js';
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

describe('renderExplanation with OU names and colour', () => {
  const payments = account(A, {
    name: 'payments-prod',
    ous: ['ou-ab12-workload', 'ou-ab12-payments1'],
    tags: {},
  });

  it('shows each OU name next to its id, and the bare id when Organizations gave no name', () => {
    const text = renderExplanation(
      {
        account: payments,
        decision: decideAccount(payments, layered, ctx),
        desired: desiredContacts(payments, layered),
        current: {},
        ouNames: new Map([['ou-ab12-payments1', 'Payments']]),
      },
      clear,
    );
    expect(text).toContain('  OUs:  ou-ab12-workload / Payments (ou-ab12-payments1)\n');
  });

  it('colours the verdicts in terraform’s manner when given a style, and only then', () => {
    const e = {
      account: payments,
      decision: decideAccount(payments, layered, ctx),
      desired: desiredContacts(payments, layered),
      current: {
        SECURITY: { kind: 'missing' } as const,
        OPERATIONS: present({ ...OPERATIONS, title: 'Ops' }),
      },
    };
    const coloured = renderExplanation(e, clear, createStyle(true));
    expect(coloured).toContain('\x1b[1mAccount 111111111111 (payments-prod) — ACTIVE\x1b[22m\n');
    expect(coloured).toContain('security contact\x1b[22m: none set — \x1b[32mwould be created\x1b[39m\n');
    expect(coloured).toContain('operations contact\x1b[22m: \x1b[33mwould be updated (title)\x1b[39m\n');
    expect(coloured).toContain('current "Ops"  \x1b[33mdiffers\x1b[39m\n');
    // Without escapes the coloured text is the plain text.
    expect(stripVTControlCharacters(coloured)).toBe(renderExplanation(e, clear));
    expect(renderExplanation(e, clear)).not.toContain('\x1b');
  });
});

describe('contactVerdict', () => {
  const desired = desiredContacts(account(A), policy({ contacts: { SECURITY } })).SECURITY!;
  it.each([
    [undefined, true, { kind: 'not-read' }],
    [{ kind: 'missing' }, true, { kind: 'would-create' }],
    [{ kind: 'missing' }, false, { kind: 'unmanaged-missing' }],
    [present(SECURITY), true, { kind: 'in-sync' }],
    [present({ ...SECURITY, email: SECURITY.email.toUpperCase() }), true, { kind: 'in-sync' }],
    [present(SECURITY), false, { kind: 'unmanaged-matches' }],
    [
      present({ ...SECURITY, phone: '+1-555-0000' }),
      true,
      { kind: 'would-update', changedFields: ['phone'] },
    ],
    [present({ ...SECURITY, name: 'X' }), false, { kind: 'unmanaged-differs', changedFields: ['name'] }],
    [
      { kind: 'error', error: { code: 'AccessDeniedException', message: 'no' } },
      true,
      { kind: 'read-error', error: { code: 'AccessDeniedException', message: 'no' } },
    ],
  ] as [ObservedContact | undefined, boolean, object][])(
    '%j managed=%s → %j',
    (observed, managed, expected) => {
      expect(contactVerdict('SECURITY', desired, observed, managed)).toEqual(expected);
    },
  );
});

describe('explanationJson', () => {
  it('gives account, decision and each field with its source, current value and sync state', () => {
    const acc = account(A, { name: 'payments-prod', ous: ['ou-ab12-payments1'], tags: { team: 'data' } });
    const doc = explanationJson(
      {
        account: acc,
        decision: decideAccount(acc, layered, ctx),
        desired: desiredContacts(acc, layered),
        current: { SECURITY: present(SECURITY) },
        ouNames: new Map([['ou-ab12-payments1', 'Payments']]),
      },
      clear,
    );
    expect(doc.account).toEqual({
      id: A,
      name: 'payments-prod',
      state: 'ACTIVE',
      ous: [{ id: 'ou-ab12-payments1', name: 'Payments' }],
      tags: { team: 'data' },
    });
    expect(doc.decision).toEqual({ managed: true });
    expect(doc.contacts.map((c) => [c.type, c.verdict])).toEqual([
      ['SECURITY', 'would-update'],
      ['OPERATIONS', 'not-read'],
    ]);
    expect(doc.contacts[0]!.changedFields).toEqual(['title', 'email', 'phone']);
    expect(doc.contacts[0]!.fields).toEqual([
      {
        field: 'name',
        desired: SECURITY.name,
        source: 'contacts.security',
        matched: null,
        current: SECURITY.name,
        inSync: true,
      },
      {
        field: 'title',
        desired: 'Payments Security',
        source: 'overrides.0',
        matched: `account ${A}`,
        current: SECURITY.title,
        inSync: false,
      },
      {
        field: 'email',
        desired: 'payments-security@acme.internal',
        source: 'overrides.1',
        matched: 'OU ou-ab12-payments1',
        current: SECURITY.email,
        inSync: false,
      },
      {
        field: 'phone',
        desired: '+1-555-0199',
        source: 'overrides.2',
        matched: 'tags team=data',
        current: SECURITY.phone,
        inSync: false,
      },
    ]);
    expect(doc.contacts[1]!.fields.every((f) => f.current === null && f.inSync === null)).toBe(true);
  });

  it('names the skip reason, its wording and what matched; null OUs and tags when they were not read', () => {
    const exempt = account('444444444444', { tags: { 'contact-policy': 'exempt' } });
    const doc = explanationJson(
      {
        account: { ...exempt, tags: undefined },
        decision: decideAccount(exempt, layered, ctx),
        desired: desiredContacts(exempt, layered),
        current: {},
      },
      clear,
    );
    expect(doc.decision).toEqual({
      managed: false,
      reason: 'excluded',
      description: 'excluded by scope.exclude',
      matched: 'tags contact-policy=exempt',
    });
    expect(doc.account.ous).toBeNull();
    expect(doc.account.tags).toBeNull();
  });
});
