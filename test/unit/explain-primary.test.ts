import { describe, expect, it } from 'vitest';
import { decideAccount, desiredContacts, desiredPrimary } from '../../src/core/desired.js';
import type { PrimaryContact } from '../../src/core/primary.js';
import { explanationJson, renderExplanation } from '../../src/render/explain.js';
import { account, policy } from '../support/builders.js';
import { testRedactor } from '../support/redact.js';

const HELD: PrimaryContact = {
  fullName: 'Example Corp Cloud Team',
  addressLine1: '1 Example Street',
  city: 'Springfield',
  postalCode: '00000',
  countryCode: 'US',
  stateOrRegion: 'CA',
  phone: '+1 202 555 0100',
  companyName: 'Example Corp',
};

/** Issue 12: explain shows the primary contact field by field, and "kept from the account" for unlisted ones. */
describe('explain: the primary contact', () => {
  const a = account('111111111111');
  const p = policy({ primary: { fields: { phone: '+1 202 555 0199', companyName: 'Example Corp' } } });
  const ctx = { managementAccountId: '999999999999', callerAccountId: '999999999999' };
  const explanation = {
    account: a,
    decision: decideAccount(a, p, ctx),
    desired: desiredContacts(a, p),
    current: {},
    primary: { desired: desiredPrimary(a, p)!, current: { kind: 'present' as const, contact: HELD } },
  };

  it('gives the verdict and each field: desired with its layer, or kept from the account', () => {
    const text = renderExplanation(explanation, testRedactor('none'));
    expect(text).toContain('primary contact: would be updated (phone)');
    expect(text).toContain('  phone             desired "+1 202 555 0199"  from contacts.primary');
    expect(text).toContain('                    current "+1 202 555 0100"  differs');
    expect(text).toContain('  fullName          kept from the account (not listed in the policy)');
    expect(text).toContain('  companyName       desired "Example Corp"  from contacts.primary');
  });

  it('is in the JSON document, masked like the alternate contacts', () => {
    const doc = explanationJson(explanation, testRedactor('all'));
    expect(doc.primary).toMatchObject({ verdict: 'would-update', changedFields: ['phone'], error: null });
    const phone = doc.primary!.fields.find((f) => f.field === 'phone')!;
    expect(phone).toMatchObject({ source: 'contacts.primary', inSync: false });
    expect(phone.desired).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(phone.current).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(doc.primary!.fields.find((f) => f.field === 'fullName')).toMatchObject({
      desired: null,
      source: 'account',
    });
  });
});
