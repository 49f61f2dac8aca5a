import { describe, expect, it } from 'vitest';
import { changedFields, contactsEqual, normaliseField } from '../../src/core/normalise.js';
import { SECURITY } from '../support/builders.js';

describe('normalisation', () => {
  it('compares email case-insensitively and ignores surrounding whitespace', () => {
    expect(contactsEqual(SECURITY, { ...SECURITY, email: '  SECURITY@Example.COM ' })).toBe(true);
  });

  it('ignores spaces, hyphens, dots and parentheses in phone numbers', () => {
    expect(contactsEqual(SECURITY, { ...SECURITY, phone: '+1 (555) 01.42' })).toBe(true);
    expect(normaliseField('phone', ' +1 (555) 010-0 ')).toBe('+15550100');
  });

  it('keeps case in name and title', () => {
    expect(changedFields(SECURITY, { ...SECURITY, name: 'security operations' })).toEqual(['name']);
  });

  it('trims name and title', () => {
    expect(
      contactsEqual(SECURITY, { ...SECURITY, name: ' Security Operations\t', title: 'Security Team ' }),
    ).toBe(true);
  });

  it('lists every changed field in field order', () => {
    expect(changedFields(SECURITY, { ...SECURITY, phone: '+1-555-0199', email: 'soc@example.com' })).toEqual([
      'email',
      'phone',
    ]);
  });

  it('does not treat a plus sign or digits as punctuation', () => {
    expect(contactsEqual(SECURITY, { ...SECURITY, phone: '1-555-0142' })).toBe(false);
  });
});
