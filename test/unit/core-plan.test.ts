import { describe, expect, it } from 'vitest';
import { planItem, reportAccounts, reportItem, skipItem, summarise } from '../../src/core/plan.js';
import type { PlannedAccount } from '../../src/core/types.js';
import { SECURITY } from '../support/builders.js';

describe('planItem', () => {
  it('creates a missing contact (ResourceNotFound)', () => {
    expect(planItem('111111111111', 'SECURITY', SECURITY, { kind: 'missing' })).toEqual({
      accountId: '111111111111',
      type: 'SECURITY',
      action: 'create',
      after: SECURITY,
      changedFields: ['name', 'title', 'email', 'phone'],
    });
  });

  it('updates only when a field differs, listing the changed fields', () => {
    const before = { ...SECURITY, email: 'departed.person@example.com', title: 'Security Team' };
    const item = planItem('111111111111', 'SECURITY', SECURITY, { kind: 'present', contact: before });
    expect(item).toEqual({
      accountId: '111111111111',
      type: 'SECURITY',
      action: 'update',
      before,
      after: SECURITY,
      changedFields: ['email'],
    });
  });

  it('is a noop when equal after normalisation, keeping what the account holds', () => {
    const formatted = { ...SECURITY, email: 'Security@Example.com', phone: '+1 555 0142' };
    const item = planItem('111111111111', 'SECURITY', SECURITY, { kind: 'present', contact: formatted });
    expect(item).toMatchObject({ action: 'noop', current: formatted });
  });

  it('keeps a read error with its reason', () => {
    const error = { code: 'AccessDeniedException', message: 'denied by SCP' };
    expect(planItem('111111111111', 'SECURITY', SECURITY, { kind: 'error', error })).toMatchObject({
      action: 'error',
      error,
    });
  });
});

describe('reportItem: the plan and what happened, in the SPEC fields', () => {
  const create = planItem('111111111111', 'SECURITY', SECURITY, { kind: 'missing' });

  it('is planned in a dry-run', () => {
    expect(reportItem(create, undefined)).toMatchObject({ result: 'planned', before: null, reason: null });
  });
  it('is applied, failed with its error, or not written with its reason', () => {
    expect(reportItem(create, { kind: 'applied', attempts: 1 })).toMatchObject({ result: 'applied' });
    const error = { code: 'AccessDeniedException', message: 'no' };
    expect(reportItem(create, { kind: 'failed', error, attempts: 1, written: false })).toMatchObject({
      result: 'failed',
      error,
    });
    expect(reportItem(create, { kind: 'not-written', reason: 'stale' })).toMatchObject({
      result: 'skipped',
      reason: 'stale',
    });
  });
  it('reports a saved item already in sync as unchanged, not skipped', () => {
    expect(reportItem(create, { kind: 'not-written', reason: 'already-in-sync' })).toMatchObject({
      action: 'create',
      result: 'unchanged',
      reason: 'already-in-sync',
    });
  });
  it('reports a noop with the current value as before and after', () => {
    const noop = planItem('1', 'SECURITY', SECURITY, { kind: 'present', contact: SECURITY });
    expect(reportItem(noop, undefined)).toMatchObject({
      result: 'unchanged',
      before: SECURITY,
      after: SECURITY,
    });
  });
});

describe('summarise', () => {
  it('counts contacts by action and result, and writes not made by reason', () => {
    const planned: PlannedAccount[] = [
      {
        accountId: '222222222222',
        accountName: 'b',
        state: 'ACTIVE',
        items: [planItem('222222222222', 'SECURITY', SECURITY, { kind: 'missing' })],
      },
      {
        accountId: '111111111111',
        accountName: 'a',
        state: 'SUSPENDED',
        items: [skipItem('111111111111', 'SECURITY', 'suspended')],
      },
      {
        accountId: '333333333333',
        accountName: 'c',
        state: 'ACTIVE',
        items: [
          planItem('333333333333', 'SECURITY', SECURITY, { kind: 'present', contact: SECURITY }),
          planItem('333333333333', 'OPERATIONS', SECURITY, {
            kind: 'error',
            error: { code: 'X', message: 'y' },
          }),
        ],
      },
    ];
    const outcomes = new Map([['222222222222/SECURITY', { kind: 'not-written', reason: 'stale' } as const]]);
    const accounts = reportAccounts(planned, outcomes);
    expect(accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(summarise(accounts)).toEqual({
      accounts: 3,
      items: 4,
      inSync: 1,
      create: 1,
      update: 0,
      delete: 0,
      skipped: 2,
      failed: 1,
      applied: 0,
      notWritten: { stale: 1, 'already-in-sync': 0, 'max-changes': 0, interrupted: 0, 'audit-log-failed': 0 },
    });
  });
});
