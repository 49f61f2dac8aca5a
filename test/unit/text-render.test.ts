import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport as Plan } from '../../src/core/types.js';
import { summaryLine } from '../../src/render/breakdown.js';
import { renderText } from '../../src/render/text.js';
import { fakeAws, memoryAuditLog } from '../support/fake-aws.js';
import {
  account,
  applied,
  create,
  failed,
  noop,
  notWritten,
  planOf,
  readError,
  skip,
  update,
  WANT,
} from '../support/plans.js';
import { testMask, testRedactor } from '../support/redact.js';
import { runEngine } from '../support/run-engine.js';

const clear = testRedactor('none');

describe('renderText, dry-run', () => {
  const plan = planOf('dry-run', [
    // Given out of order: the plan (like the engine's) is sorted by account id.
    account('777777777777', 'lab-2', [skip('777777777777', 'excluded')]),
    account('444444444444', 'locked', [
      readError('444444444444', { code: 'AccessDeniedException', message: 'explicit deny' }),
    ]),
    account('222222222222', 'dev', [create('222222222222', WANT)]),
    account('555555555555', 'gone', [skip('555555555555', 'suspended')], 'SUSPENDED'),
    account('333333333333', 'sandbox', [noop('333333333333', WANT)]),
    account('111111111111', 'prod', [
      update('111111111111', { ...WANT, email: 'departed.person@acme.internal', phone: '+1 555 0100' }, WANT),
    ]),
    account('666666666666', 'lab-1', [skip('666666666666', 'excluded')]),
  ]);

  it('renders the whole plan: legend, one block per account with drift, skipped by reason, summary', () => {
    expect(renderText(plan, clear)).toBe(
      [
        'enforce dry-run — organization o-exampleorg1 (management account 999999999999)',
        '',
        'Symbols:  + create   ~ update   ! failed',
        '',
        '  # 111111111111 (prod)',
        '  ~ security contact will be updated',
        '      ~ email: "departed.person@acme.internal" → "security@acme.internal"',
        '      ~ phone: "+1 555 0100" → "+1-555-0142"',
        '',
        '  # 222222222222 (dev)',
        '  + security contact will be created',
        '      + name:  "Security Operations"',
        '      + title: "Security Team"',
        '      + email: "security@acme.internal"',
        '      + phone: "+1-555-0142"',
        '',
        '  # 444444444444 (locked)',
        '  ! security contact could not be read: AccessDeniedException: explicit deny',
        '',
        'Not managed (3 contacts):',
        '  1 contact in 1 account: account is SUSPENDED',
        '  2 contacts in 2 accounts: excluded by scope.exclude',
        '',
        'Plan: 1 to create, 1 to update, 1 in sync, 3 skipped, 1 failed (7 contacts in 7 accounts).',
        '',
      ].join('\n'),
    );
  });

  it('does not list no-ops or skipped accounts as blocks', () => {
    const text = renderText(plan, clear);
    for (const id of ['333333333333', '555555555555', '666666666666', '777777777777'])
      expect(text).not.toContain(id);
  });

  it('groups several managed types of one account in one block, in type order', () => {
    const ops = { ...WANT, name: 'Platform On-Call', email: 'ops@acme.internal' };
    const two = planOf('dry-run', [
      account('111111111111', 'prod', [
        create('111111111111', ops, 'OPERATIONS'),
        update('111111111111', { ...WANT, title: 'Sec' }, WANT, 'SECURITY'),
      ]),
    ]);
    const text = renderText(two, clear);
    expect(text).toContain(
      [
        '  # 111111111111 (prod)',
        '  ~ security contact will be updated',
        '      ~ title: "Sec" → "Security Team"',
        '  + operations contact will be created',
        '      + name:  "Platform On-Call"',
      ].join('\n'),
    );
    expect(text.match(/# 111111111111/g)).toHaveLength(1);
  });

  it('says there is no drift when every managed contact is in sync', () => {
    const inSync = planOf('dry-run', [account('111111111111', 'prod', [noop('111111111111', WANT)])]);
    expect(renderText(inSync, clear)).toBe(
      [
        'enforce dry-run — organization o-exampleorg1 (management account 999999999999)',
        '',
        'Symbols:  + create   ~ update   ! failed',
        '',
        'No drift: every managed contact matches the policy.',
        '',
        'Plan: 0 to create, 0 to update, 1 in sync, 0 skipped, 0 failed (1 contact in 1 account).',
        '',
      ].join('\n'),
    );
  });

  it('words every skip reason for humans', () => {
    const reasons = [
      ['out-of-scope', 'not in scope.include'],
      ['management-account', 'management account (settings.managementAccount: skip)'],
      ['pending-closure', 'account is PENDING_CLOSURE'],
      ['closed', 'account is CLOSED'],
      ['pending-activation', 'account is PENDING_ACTIVATION'],
      ['suspended', 'account is SUSPENDED'],
      ['excluded', 'excluded by scope.exclude'],
      [
        'management-account-delegated-admin',
        'management account: only the management account itself can change its contacts, and the caller is a delegated administrator',
      ],
      ['not-read', 'not read: the run was stopped first'],
    ] as const;
    const skipped = planOf(
      'dry-run',
      reasons.map(([reason], i) => account(`10000000000${i}`, `a${i}`, [skip(`10000000000${i}`, reason)])),
    );
    const text = renderText(skipped, clear);
    for (const [, wording] of reasons) expect(text).toContain(`  1 contact in 1 account: ${wording}\n`);
    // One fixed order (SKIP_REASONS), whatever order the accounts came in.
    expect(text).toContain(
      [
        'Not managed (9 contacts):',
        '  1 contact in 1 account: account is SUSPENDED',
        '  1 contact in 1 account: account is CLOSED',
        '  1 contact in 1 account: account is PENDING_CLOSURE',
        '  1 contact in 1 account: account is PENDING_ACTIVATION',
        '  1 contact in 1 account: not in scope.include',
        '  1 contact in 1 account: excluded by scope.exclude',
        '  1 contact in 1 account: management account (settings.managementAccount: skip)',
        '  1 contact in 1 account: management account: only the management account itself can change its contacts, and the caller is a delegated administrator',
        '  1 contact in 1 account: not read: the run was stopped first',
        '',
        'Plan: 0 to create, 0 to update, 0 in sync, 9 skipped, 0 failed (9 contacts in 9 accounts).',
      ].join('\n'),
    );
    expect(text).not.toContain('Will not be written');
  });

  it('quotes masks instead of values with a redacting redactor', () => {
    const redacting = testRedactor('all');
    const text = renderText(plan, redacting);
    expect(text).toContain(
      `      ~ email: "${testMask('email', 'departed.person@acme.internal')}" → "${testMask('email', WANT.email)}"`,
    );
    for (const value of Object.values(WANT)) expect(text).not.toContain(value);
    expect(text).not.toContain('departed.person@acme.internal');
  });
});

describe('renderText, apply', () => {
  it('says what was applied, what failed and what was not written, then the apply summary', () => {
    const plan = planOf('apply', [
      account('111111111111', 'prod', [applied(update('111111111111', { ...WANT, title: 'Old' }, WANT))]),
      account('222222222222', 'dev', [applied(create('222222222222', WANT))]),
      account('333333333333', 'sandbox', [
        failed(create('333333333333', WANT), {
          code: 'AccessDeniedException',
          message: 'explicit deny on PutAlternateContact',
        }),
      ]),
      account('444444444444', 'staging', [
        notWritten(update('444444444444', { ...WANT, name: 'Old' }, WANT), 'interrupted'),
      ]),
      account('555555555555', 'shared', [noop('555555555555', WANT)]),
    ]);
    const text = renderText(plan, clear);
    expect(
      text.startsWith('enforce apply — organization o-exampleorg1 (management account 999999999999)\n'),
    ).toBe(true);
    expect(text).toContain('  # 111111111111 (prod)\n  ~ security contact has been updated\n');
    expect(text).toContain('  # 222222222222 (dev)\n  + security contact has been created\n');
    expect(text).toContain(
      '  # 333333333333 (sandbox)\n  ! security contact could not be created: AccessDeniedException: explicit deny on PutAlternateContact\n',
    );
    expect(text).toContain(
      '  # 444444444444 (staging)\n  ~ security contact was not updated: not written: the run was interrupted\n',
    );
    expect(text).not.toContain('555555555555');
    expect(text).toContain(
      '\nNot written (1 contact):\n  1 contact in 1 account: not written: the run was interrupted\n\n',
    );
    expect(text).not.toContain('Not managed');
    expect(
      text.endsWith(
        '\nApply: 2 applied, 1 not written, 1 in sync, 0 skipped, 1 failed (5 contacts in 5 accounts).\n',
      ),
    ).toBe(true);
  });

  it('has breakdowns that add up to the summary line (issue 9: counts that add up)', () => {
    // One of each: applied, failed, stale, max-changes, already in sync (a saved plan), a decided skip.
    const plan = planOf('apply', [
      account('111111111111', 'prod', [applied(create('111111111111', WANT))]),
      account('222222222222', 'dev', [
        failed(create('222222222222', WANT), { code: 'AccessDeniedException', message: 'explicit deny' }),
      ]),
      account('333333333333', 'sandbox', [
        notWritten(update('333333333333', { ...WANT, name: 'Old' }, WANT), 'stale'),
      ]),
      account('444444444444', 'staging', [notWritten(create('444444444444', WANT), 'max-changes')]),
      account('555555555555', 'shared', [notWritten(create('555555555555', WANT), 'already-in-sync')]),
      account('666666666666', 'lab', [skip('666666666666', 'excluded')]),
    ]);
    const text = renderText(plan, clear);
    expect(text).toContain(
      '\nApply: 1 applied, 2 not written, 1 in sync, 1 skipped, 1 failed (6 contacts in 6 accounts).\n',
    );
    expect(text).toContain(
      '\nNot managed (1 contact):\n  1 contact in 1 account: excluded by scope.exclude\n\n',
    );
    // The already-in-sync item is counted in sync by the summary line, so not among the writes not made.
    expect(text).toContain(
      [
        '',
        'Not written (2 contacts):',
        '  1 contact in 1 account: the account changed since the plan was made (stale)',
        '  1 contact in 1 account: not written: the plan exceeds max-changes',
        '',
        '',
      ].join('\n'),
    );
  });

  it('reports a refused apply (max-changes) item by item', () => {
    const plan = planOf('apply', [
      account('111111111111', 'prod', [notWritten(create('111111111111', WANT), 'max-changes')]),
    ]);
    expect(renderText(plan, clear)).toContain(
      '  + security contact was not created: not written: the plan exceeds max-changes\n',
    );
  });
});

describe('summaryLine', () => {
  const withSummary = (mode: Plan['mode'], summary: Plan['summary']): Plan => ({
    ...planOf(mode, []),
    summary,
  });
  const none = { stale: 0, 'already-in-sync': 0, 'max-changes': 0, interrupted: 0, 'audit-log-failed': 0 };
  const counts = {
    accounts: 41,
    items: 123,
    inSync: 112,
    create: 3,
    update: 5,
    delete: 0,
    skipped: 2,
    failed: 1,
    notWritten: none,
  };

  it('has the SPEC shape for a dry-run, naming its units', () => {
    expect(summaryLine(withSummary('dry-run', { ...counts, applied: 0 }))).toBe(
      'Plan: 3 to create, 5 to update, 112 in sync, 2 skipped, 1 failed (123 contacts in 41 accounts).',
    );
  });

  it('leads with what was applied for an apply, and counts writes not made apart from skips', () => {
    // Of 8 planned writes: 6 applied, 1 interrupted (not written), 1 found already in sync (in sync).
    // `skipped` in the summary holds the 2 decided skips and the interrupted write.
    const apply = {
      ...counts,
      applied: 6,
      inSync: 113,
      skipped: 3,
      notWritten: { ...none, interrupted: 1, 'already-in-sync': 1 },
    };
    expect(summaryLine(withSummary('apply', apply))).toBe(
      'Apply: 6 applied, 1 not written, 113 in sync, 2 skipped, 1 failed (123 contacts in 41 accounts).',
    );
  });
});

describe('renderText of a real run', () => {
  let fake: ReturnType<typeof fakeAws> | undefined;
  afterEach(() => fake?.restore());

  it('lists accounts by id whatever order Organizations returned them in', async () => {
    fake = fakeAws({
      managementAccountId: '999999999999',
      accounts: [
        { id: '333333333333', name: 'c' },
        { id: '999999999999', name: 'management' },
        { id: '111111111111', name: 'a' },
        { id: '222222222222', name: 'b' },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'enforce-text-'));
    const policyFile = join(dir, 'contacts.yaml');
    writeFileSync(
      policyFile,
      'version: 1\ncontacts:\n  security:\n    name: Security Operations\n    title: Security Team\n    email: security@acme.internal\n    phone: "+1-555-0142"\n',
    );
    const outcome = await runEngine(
      { mode: 'dry-run', policyFile, redact: false, toolVersion: 't' },
      {
        clients: fake.clients,
        clock: { now: () => 0, sleep: async () => {} },
        destination: memoryAuditLog().destination,
      },
    );
    const text = renderText(outcome.plan, outcome.redactor);
    const headers = text.split('\n').filter((l) => l.startsWith('  # '));
    expect(headers).toEqual([
      '  # 111111111111 (a)',
      '  # 222222222222 (b)',
      '  # 333333333333 (c)',
      '  # 999999999999 (management)',
    ]);
  });
});
