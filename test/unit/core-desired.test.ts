import { describe, expect, it } from 'vitest';
import { decideAccount, policyUsesOus, policyUsesTags } from '../../src/core/desired.js';
import { account, OPERATIONS, policy, SECURITY, selector } from '../support/builders.js';

const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };

describe('decideAccount', () => {
  it('manages an active account with the default contacts', () => {
    const decision = decideAccount(account('111111111111'), policy(), ctx);
    expect(decision).toMatchObject({ kind: 'manage', contacts: { SECURITY: { fields: SECURITY } } });
  });

  it.each([
    ['SUSPENDED', 'suspended'],
    ['PENDING_CLOSURE', 'pending-closure'],
    ['CLOSED', 'closed'],
    ['PENDING_ACTIVATION', 'pending-activation'],
  ] as const)('skips a %s account', (state, reason) => {
    expect(decideAccount(account('111111111111', { state }), policy(), ctx)).toEqual({
      kind: 'skip',
      reason,
    });
  });

  it('skips accounts outside scope.include', () => {
    const p = policy({ scope: { include: selector({ accounts: ['222222222222'] }), exclude: null } });
    expect(decideAccount(account('111111111111'), p, ctx)).toEqual({ kind: 'skip', reason: 'out-of-scope' });
    expect(decideAccount(account('222222222222'), p, ctx).kind).toBe('manage');
  });

  it('includes accounts anywhere below an included OU', () => {
    const p = policy({ scope: { include: selector({ ous: ['ou-ab12-parent01'] }), exclude: null } });
    const deep = account('111111111111', { ous: ['ou-ab12-parent01', 'ou-ab12-child001'] });
    expect(decideAccount(deep, p, ctx).kind).toBe('manage');
    expect(decideAccount(account('222222222222', { ous: ['ou-ab12-other001'] }), p, ctx).kind).toBe('skip');
  });

  it('excludes by tag only when every pair matches', () => {
    const p = policy({
      scope: { include: null, exclude: selector({ tags: { 'contact-policy': 'exempt', team: 'lab' } }) },
    });
    const both = account('111111111111', { tags: { 'contact-policy': 'exempt', team: 'lab' } });
    const one = account('222222222222', { tags: { 'contact-policy': 'exempt' } });
    expect(decideAccount(both, p, ctx)).toMatchObject({
      kind: 'skip',
      reason: 'excluded',
      match: { by: 'tags' },
    });
    expect(decideAccount(one, p, ctx).kind).toBe('manage');
  });

  it('lets exclude win over include', () => {
    const p = policy({
      scope: {
        include: selector({ ous: ['ou-ab12-parent01'] }),
        exclude: selector({ accounts: ['111111111111'] }),
      },
    });
    expect(decideAccount(account('111111111111', { ous: ['ou-ab12-parent01'] }), p, ctx)).toMatchObject({
      reason: 'excluded',
    });
  });

  it('manages the management account when the caller is the management account', () => {
    expect(decideAccount(account('999999999999'), policy(), ctx).kind).toBe('manage');
  });

  it('skips the management account when settings.managementAccount is skip', () => {
    const p = policy({ settings: { managementAccount: 'skip' } });
    expect(decideAccount(account('999999999999'), p, ctx)).toEqual({
      kind: 'skip',
      reason: 'management-account',
    });
  });

  it('skips the management account when the caller is a delegated administrator', () => {
    const delegated = { managementAccountId: '999999999999', callerAccountId: '333333333333' };
    expect(decideAccount(account('999999999999'), policy(), delegated)).toEqual({
      kind: 'skip',
      reason: 'management-account-delegated-admin',
    });
    expect(decideAccount(account('111111111111'), policy(), delegated).kind).toBe('manage');
  });

  it('applies overrides in order, later matches winning field by field, and records the layer', () => {
    const p = policy({
      contacts: { SECURITY, OPERATIONS },
      overrides: [
        {
          match: selector({ ous: ['ou-ab12-payments1'] }),
          contacts: { SECURITY: { email: 'payments-security@example.com', phone: '+1-555-0001' } },
        },
        {
          match: selector({ accounts: ['111111111111'] }),
          contacts: { SECURITY: { email: 'team-a@example.com' } },
        },
        {
          match: selector({ accounts: ['222222222222'] }),
          contacts: { SECURITY: { email: 'never@example.com' } },
        },
      ],
    });
    const decision = decideAccount(account('111111111111', { ous: ['ou-ab12-payments1'] }), p, ctx);
    if (decision.kind !== 'manage') throw new Error('expected manage');
    expect(decision.contacts.SECURITY).toMatchObject({
      kind: 'fields',
      fields: { ...SECURITY, email: 'team-a@example.com', phone: '+1-555-0001' },
    });
    expect(decision.contacts.SECURITY).toHaveProperty('sources', {
      name: { layer: 'default' },
      title: { layer: 'default' },
      email: { layer: 'override', index: 1, match: { by: 'account', accountId: '111111111111' } },
      phone: { layer: 'override', index: 0, match: { by: 'ou', ouId: 'ou-ab12-payments1' } },
    });
    expect(decision.contacts.OPERATIONS).toMatchObject({ kind: 'fields', fields: OPERATIONS });
  });

  it('knows when OUs and tags must be fetched', () => {
    expect(policyUsesOus(policy())).toBe(false);
    expect(policyUsesTags(policy())).toBe(false);
    const p = policy({ overrides: [{ match: selector({ ous: ['ou-ab12-payments1'] }), contacts: {} }] });
    expect(policyUsesOus(p)).toBe(true);
    expect(
      policyUsesTags(policy({ scope: { include: null, exclude: selector({ tags: { a: 'b' } }) } })),
    ).toBe(true);
  });
});
