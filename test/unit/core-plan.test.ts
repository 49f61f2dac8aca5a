import { describe, expect, it } from 'vitest';
import { planItem, skipItem, sortAccounts, summarise } from '../../src/core/plan.js';
import { SECURITY } from '../support/builders.js';

describe('planItem', () => {
  it('creates a missing contact (ResourceNotFound)', () => {
    expect(planItem('111111111111', 'SECURITY', SECURITY, { kind: 'missing' })).toEqual({
      accountId: '111111111111',
      type: 'SECURITY',
      action: 'create',
      result: 'planned',
      before: null,
      after: SECURITY,
      changedFields: ['name', 'title', 'email', 'phone'],
      reason: null,
      error: null,
    });
  });

  it('updates only when a field differs, listing the changed fields', () => {
    const before = { ...SECURITY, email: 'departed.person@example.com', title: 'Security Team' };
    const item = planItem('111111111111', 'SECURITY', SECURITY, { kind: 'present', contact: before });
    expect(item).toMatchObject({
      action: 'update',
      result: 'planned',
      before,
      after: SECURITY,
      changedFields: ['email'],
    });
  });

  it('is a noop when equal after normalisation', () => {
    const formatted = { ...SECURITY, email: 'Security@Example.com', phone: '+1 555 0142' };
    const item = planItem('111111111111', 'SECURITY', SECURITY, { kind: 'present', contact: formatted });
    expect(item).toMatchObject({ action: 'noop', result: 'unchanged', changedFields: [] });
  });

  it('keeps a read error with its reason', () => {
    const error = { code: 'AccessDeniedException', message: 'denied by SCP' };
    expect(planItem('111111111111', 'SECURITY', SECURITY, { kind: 'error', error })).toMatchObject({
      action: 'error',
      result: 'failed',
      error,
    });
  });
});

describe('summarise', () => {
  it('counts actions and results', () => {
    const accounts = sortAccounts([
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
          planItem('333333333333', 'SECURITY', SECURITY, {
            kind: 'error',
            error: { code: 'X', message: 'y' },
          }),
        ],
      },
    ]);
    expect(accounts.map((a) => a.accountId)).toEqual(['111111111111', '222222222222', '333333333333']);
    expect(summarise(accounts)).toEqual({
      accounts: 3,
      items: 4,
      inSync: 1,
      create: 1,
      update: 0,
      skipped: 1,
      failed: 1,
      applied: 0,
    });
  });
});
