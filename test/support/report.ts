import type { ReportAccount, ReportInput, ReportItem } from '../../src/report/rows.js';
import { SECURITY } from './builders.js';

export const READ_AT = '2026-03-01T10:00:05.000Z';
export const RUN_AT = '2026-03-01T10:00:00.000Z';
export const POLICY_SHA = 'c0ffee'.padEnd(64, '0');

export function reportInput(accounts: ReportAccount[]): ReportInput {
  return {
    runId: 'run-0001',
    runAt: RUN_AT,
    organizationId: 'o-exampleorg1',
    policy: { file: 'policy/contacts.yaml', sha256: POLICY_SHA },
    accounts,
  };
}

export function account(id: string, items: ReportItem[], extra: Partial<ReportAccount> = {}): ReportAccount {
  return {
    accountId: id,
    accountName: `acct-${id.slice(0, 3)}`,
    state: 'ACTIVE',
    ouNames: ['Workloads'],
    items,
    ...extra,
  };
}

export const compliant = (type: ReportItem['type'] = 'SECURITY'): ReportItem => ({
  type,
  status: 'compliant',
  contact: SECURITY,
  readAt: READ_AT,
});

/** The issue's organization: 415 accounts, 412 with the Security contact of the policy. */
export function issueOrganization(): ReportInput {
  const accounts = Array.from({ length: 415 }, (_, i) => {
    const id = String(100000000000 + i);
    if (i === 0)
      return account(id, [
        {
          type: 'SECURITY',
          status: 'drift',
          contact: { ...SECURITY, email: 'old@example.com' },
          changedFields: ['email'],
          readAt: READ_AT,
        },
      ]);
    if (i === 1) return account(id, [{ type: 'SECURITY', status: 'missing', readAt: READ_AT }]);
    if (i === 2)
      return account(id, [{ type: 'SECURITY', status: 'skipped', reason: 'suspended' }], {
        state: 'SUSPENDED',
      });
    return account(id, [compliant()]);
  });
  return reportInput(accounts);
}

/** One account of each status, two types, hostile names. */
export function mixedOrganization(): ReportInput {
  return reportInput([
    account('111111111111', [compliant('SECURITY'), compliant('OPERATIONS')], {
      accountName: 'payments, "prod"',
      ouNames: ['Workloads', 'Payments'],
    }),
    account(
      '222222222222',
      [
        {
          type: 'SECURITY',
          status: 'drift',
          contact: { ...SECURITY, phone: '+1-555-0199' },
          changedFields: ['phone'],
          readAt: READ_AT,
        },
        { type: 'OPERATIONS', status: 'missing', readAt: READ_AT },
      ],
      { accountName: '=HYPERLINK("http://evil.example.com")' },
    ),
    account(
      '333333333333',
      [
        {
          type: 'SECURITY',
          status: 'error',
          error: { code: 'AccessDeniedException', message: 'not allowed' },
          readAt: null,
        },
        {
          type: 'OPERATIONS',
          status: 'error',
          error: { code: 'AccessDeniedException', message: 'not allowed' },
          readAt: null,
        },
      ],
      { accountName: '<script>alert(1)</script>' },
    ),
    account(
      '444444444444',
      [
        { type: 'SECURITY', status: 'skipped', reason: 'excluded' },
        { type: 'OPERATIONS', status: 'skipped', reason: 'excluded' },
      ],
      { ouNames: [] },
    ),
  ]);
}
