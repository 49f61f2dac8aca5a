import { describe, expect, it } from 'vitest';
import {
  decideAccount,
  desiredContacts,
  desiredItem,
  desiredPrimary,
  desiredPrimaryItem,
} from '../../src/core/desired.js';
import { desiredAfter, planAlternateItem } from '../../src/core/plan-kinds.js';
import type { PrimaryContact } from '../../src/core/primary.js';
import { createRedactor } from '../../src/core/redact.js';
import { renderExplanation } from '../../src/render/explain.js';
import { ABSENT, account, OPERATIONS, policy, SECURITY, selector } from '../support/builders.js';

const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
const A = '111111111111';
const payments = account(A, { ous: ['ou-ab12-workload', 'ou-ab12-payments1'] });
const other = account('222222222222', { ous: ['ou-ab12-workload'] });

describe('desiredContacts: absent and partial layers', () => {
  it('an absent default is managed, with the layer that set it', () => {
    const p = policy({ contacts: { SECURITY, BILLING: ABSENT } });
    expect(desiredContacts(other, p).BILLING).toEqual({ kind: 'absent', source: { layer: 'default' } });
  });

  it('an override may set absent for some accounts and a contact for others', () => {
    const p = policy({
      contacts: { SECURITY, BILLING: OPERATIONS },
      overrides: [
        { match: selector({ ous: ['ou-ab12-workload'] }), contacts: { BILLING: ABSENT } },
        { match: selector({ accounts: [A] }), contacts: { BILLING: { email: 'fin@example.com' } } },
      ],
    });
    expect(desiredContacts(other, p).BILLING).toMatchObject({ kind: 'absent', source: { index: 0 } });
    // absent drops the fields below it: the later override starts again, the rest are the account's own.
    expect(desiredContacts(payments, p).BILLING).toEqual({
      kind: 'fields',
      fields: { email: 'fin@example.com' },
      sources: {
        name: { layer: 'account' },
        title: { layer: 'account' },
        email: { layer: 'override', index: 1, match: { by: 'account', accountId: A } },
        phone: { layer: 'account' },
      },
      createWith: {},
      createWithSources: {},
    });
  });

  it('a later contact override is undone by a later absent', () => {
    const p = policy({
      overrides: [
        { match: selector({ accounts: [A] }), contacts: { SECURITY: { email: 'x@example.com' } } },
        { match: selector({ ous: ['ou-ab12-payments1'] }), contacts: { SECURITY: ABSENT } },
      ],
    });
    expect(desiredContacts(payments, p).SECURITY).toMatchObject({ kind: 'absent', source: { index: 1 } });
  });

  it('unlisted fields of a partial default are kept from the account', () => {
    const p = policy({ contacts: { SECURITY: { email: SECURITY.email, phone: SECURITY.phone } } });
    expect(desiredContacts(other, p).SECURITY).toMatchObject({
      fields: { email: SECURITY.email, phone: SECURITY.phone },
      sources: { name: { layer: 'account' }, title: { layer: 'account' }, email: { layer: 'default' } },
    });
  });

  it('layers createWith from settings, then overrides, field by field', () => {
    const p = policy({
      contacts: { SECURITY: { email: SECURITY.email } },
      settings: {
        managementAccount: 'manage',
        createWith: { contacts: { SECURITY: { name: 'Security', title: 'Security Team' } } },
      },
      overrides: [
        {
          match: selector({ ous: ['ou-ab12-payments1'] }),
          contacts: {},
          createWith: { contacts: { SECURITY: { name: 'Payments Security' } } },
        },
      ],
    });
    expect(desiredContacts(payments, p).SECURITY).toMatchObject({
      createWith: { name: 'Payments Security', title: 'Security Team' },
      createWithSources: { name: { layer: 'override', index: 0 }, title: { layer: 'settings' } },
    });
    expect(desiredContacts(other, p).SECURITY).toMatchObject({
      createWith: { name: 'Security', title: 'Security Team' },
    });
  });
});

describe('desiredItem', () => {
  const fields = (f: Partial<typeof SECURITY>, createWith: Partial<typeof SECURITY> = {}) => ({
    kind: 'fields' as const,
    fields: f,
    sources: {} as never,
    createWith,
    createWithSources: {},
  });
  const absent = { kind: 'absent' as const, source: { layer: 'default' as const } };

  it('absent: delete when the account has a contact, noop when it has none', () => {
    expect(desiredItem(absent, SECURITY)).toEqual({ action: 'delete' });
    expect(desiredItem(absent, null)).toEqual({ action: 'noop', comparedFields: [] });
  });

  it('a whole contact plans exactly as round 1: create, update of the changed fields, noop', () => {
    expect(desiredItem(fields(SECURITY), null)).toEqual({
      action: 'create',
      after: SECURITY,
      comparedFields: ['name', 'title', 'email', 'phone'],
    });
    expect(desiredItem(fields(SECURITY), { ...SECURITY, email: 'old@example.com' })).toEqual({
      action: 'update',
      after: SECURITY,
      changedFields: ['email'],
      comparedFields: ['name', 'title', 'email', 'phone'],
    });
    expect(desiredItem(fields(SECURITY), { ...SECURITY, phone: '+1 555 0142' })).toMatchObject({
      action: 'noop',
    });
  });

  it('a partial contact never counts unlisted fields as drift and sends them back unchanged', () => {
    const own = { ...SECURITY, name: 'Team A Security', title: 'Team A' };
    expect(desiredItem(fields({ email: SECURITY.email }), own)).toEqual({
      action: 'noop',
      comparedFields: ['email'],
    });
    expect(desiredItem(fields({ email: 'new@example.com' }), own)).toEqual({
      action: 'update',
      after: { ...own, email: 'new@example.com' },
      changedFields: ['email'],
      comparedFields: ['email'],
    });
  });

  it('a partial contact cannot create a missing one: it names the missing fields', () => {
    expect(desiredItem(fields({ email: SECURITY.email, phone: SECURITY.phone }), null)).toEqual({
      action: 'incomplete',
      missingFields: ['name', 'title'],
    });
  });

  it('createWith completes a contact to create; the policy’s own fields win over it', () => {
    const desired = fields(
      { email: SECURITY.email, phone: SECURITY.phone },
      { name: 'Security', title: 'Security Team', email: 'ignored@example.com' },
    );
    expect(desiredItem(desired, null)).toEqual({
      action: 'create',
      after: { name: 'Security', title: 'Security Team', email: SECURITY.email, phone: SECURITY.phone },
      comparedFields: ['email', 'phone'],
    });
    // createWith is for creating only: it never changes an existing contact.
    const own = { ...SECURITY, name: 'Own' };
    expect(desiredItem(desired, own)).toMatchObject({ action: 'noop' });
  });
});

describe('primary contact', () => {
  const CURRENT: PrimaryContact = {
    fullName: 'Example Corp',
    addressLine1: '1 Example Street',
    city: 'Springfield',
    stateOrRegion: 'WA',
    postalCode: '98101',
    countryCode: 'US',
    phone: '+1-555-0100',
  };

  it('layers primary fields through overrides and leaves the rest to the account', () => {
    const p = policy({
      primary: { fields: { phone: '+1 555 0100', countryCode: 'us' } },
      overrides: [
        {
          match: selector({ accounts: [A] }),
          contacts: {},
          primary: { fields: { phone: '+44 20 7946 0000' } },
        },
      ],
    });
    const desired = desiredPrimary(payments, p)!;
    expect(desired.fields).toEqual({ phone: '+44 20 7946 0000', countryCode: 'us' });
    expect(desired.sources.city).toEqual({ layer: 'account' });
    expect(desired.sources.phone).toMatchObject({ layer: 'override', index: 0 });
    expect(desiredPrimary(other, p)!.fields.phone).toBe('+1 555 0100');
    expect(decideAccount(other, p, ctx)).toMatchObject({
      kind: 'manage',
      primary: { fields: { countryCode: 'us' } },
    });
    expect(desiredPrimary(other, policy())).toBeUndefined();
    expect(decideAccount(other, policy(), ctx)).not.toHaveProperty('primary');
  });

  it('compares country codes whatever their case and phones without punctuation', () => {
    const p = policy({ primary: { fields: { phone: '+1 555 0100', countryCode: 'us' } } });
    expect(desiredPrimaryItem(desiredPrimary(other, p)!, CURRENT)).toEqual({
      action: 'noop',
      comparedFields: ['countryCode', 'phone'],
    });
  });

  it('updates only listed fields, keeping the account’s address', () => {
    const p = policy({ primary: { fields: { phone: '+1 555 0199' } } });
    expect(desiredPrimaryItem(desiredPrimary(other, p)!, CURRENT)).toEqual({
      action: 'update',
      after: { ...CURRENT, phone: '+1 555 0199' },
      changedFields: ['phone'],
      comparedFields: ['phone'],
    });
  });

  it('cannot create a primary contact without the required fields, stateOrRegion included for US', () => {
    const { stateOrRegion: _state, ...withoutState } = CURRENT;
    const p = policy({ primary: { fields: withoutState } });
    expect(desiredPrimaryItem(desiredPrimary(other, p)!, null)).toEqual({
      action: 'incomplete',
      missingFields: ['stateOrRegion'],
    });
    const completed = policy({
      primary: { fields: withoutState },
      settings: {
        managementAccount: 'manage',
        createWith: { contacts: {}, primary: { stateOrRegion: 'WA' } },
      },
    });
    expect(desiredPrimaryItem(desiredPrimary(other, completed)!, null)).toMatchObject({
      action: 'create',
      after: CURRENT,
    });
  });
});

describe('planAlternateItem', () => {
  const p = policy({ contacts: { SECURITY: { email: 'new@example.com' }, BILLING: ABSENT } });
  const desired = desiredContacts(other, p);

  it('an absent type with no contact is in sync, with nothing before or after', () => {
    expect(planAlternateItem(other.id, 'BILLING', desired.BILLING!, { kind: 'missing' })).toEqual({
      accountId: other.id,
      type: 'BILLING',
      action: 'noop',
      current: null,
    });
  });

  it('an absent type the account has is deleted, with what it held before', () => {
    expect(
      planAlternateItem(other.id, 'BILLING', desired.BILLING!, { kind: 'present', contact: OPERATIONS }),
    ).toEqual({ accountId: other.id, type: 'BILLING', action: 'delete', before: OPERATIONS });
  });

  it('a partial update keeps the account’s other fields; a missing contact is an error naming fields', () => {
    const own = { ...SECURITY, name: 'Own Name' };
    expect(
      planAlternateItem(other.id, 'SECURITY', desired.SECURITY!, { kind: 'present', contact: own }),
    ).toMatchObject({
      action: 'update',
      before: own,
      after: { ...own, email: 'new@example.com' },
      changedFields: ['email'],
    });
    expect(planAlternateItem(other.id, 'SECURITY', desired.SECURITY!, { kind: 'missing' })).toMatchObject({
      action: 'error',
      error: {
        code: 'IncompleteContact',
        message:
          'the account has no security contact and the policy lists only some of its fields: set name, title, phone in contacts.security or settings.createWith.security',
      },
    });
    expect(desiredAfter(desired.SECURITY, own)).toEqual({ ...own, email: 'new@example.com' });
    expect(desiredAfter(desired.SECURITY, null)).toBeUndefined();
  });
});

describe('renderExplanation of the new kinds', () => {
  const clear = createRedactor({ key: 'k'.repeat(32), fields: 'none', secretValues: [] });

  it('shows unlisted fields as kept from the account, and an absent type', () => {
    const p = policy({ contacts: { SECURITY: { email: SECURITY.email }, BILLING: ABSENT } });
    const acc = account('333333333333');
    const text = renderExplanation(
      {
        account: acc,
        decision: decideAccount(acc, p, ctx),
        desired: desiredContacts(acc, p),
        current: {
          SECURITY: { kind: 'present', contact: { ...SECURITY, name: 'Own' } },
          BILLING: { kind: 'present', contact: OPERATIONS },
        },
      },
      clear,
    );
    expect(text).toContain(
      [
        'security contact: in sync',
        '  name   kept from the account (not listed in the policy)',
        '         current "Own"',
      ].join('\n'),
    );
    expect(text).toContain('billing contact: absent — would be deleted\n  absent  from contacts.billing\n');
  });

  it('shows the createWith fields a missing contact would be created with', () => {
    const p = policy({
      contacts: { SECURITY: { email: SECURITY.email, phone: SECURITY.phone } },
      settings: {
        managementAccount: 'manage',
        createWith: { contacts: { SECURITY: { name: 'Security', title: 'Security Team' } } },
      },
    });
    const acc = account('333333333333');
    const text = renderExplanation(
      {
        account: acc,
        decision: decideAccount(acc, p, ctx),
        desired: desiredContacts(acc, p),
        current: { SECURITY: { kind: 'missing' } },
      },
      clear,
    );
    expect(text).toContain(
      [
        'security contact: none set — would be created',
        '  name   desired "Security"  from settings.createWith.security',
        '  title  desired "Security Team"  from settings.createWith.security',
        `  email  desired "${SECURITY.email}"  from contacts.security`,
      ].join('\n'),
    );
  });

  it('says why a missing contact cannot be created from a subset', () => {
    const p = policy({ contacts: { SECURITY: { email: SECURITY.email } } });
    const acc = account('333333333333');
    const text = renderExplanation(
      {
        account: acc,
        decision: decideAccount(acc, p, ctx),
        desired: desiredContacts(acc, p),
        current: { SECURITY: { kind: 'missing' } },
      },
      clear,
    );
    expect(text).toContain(
      'security contact: none set — cannot be created: the account has no security contact',
    );
  });
});
