import { describe, expect, it } from 'vitest';
import {
  changedPrimaryFields,
  missingPrimaryFields,
  normalisePrimaryField,
  PRIMARY_FIELDS,
} from '../../src/core/primary.js';

describe('normalisePrimaryField', () => {
  it('trims every field', () => {
    for (const field of PRIMARY_FIELDS) expect(normalisePrimaryField(field, '  X1  ')).toMatch(/^X1$/i);
  });
  it('compares country codes whatever their case', () => {
    expect(normalisePrimaryField('countryCode', ' gb ')).toBe('GB');
  });
  it('drops phone punctuation, keeping the leading +', () => {
    expect(normalisePrimaryField('phone', '+44 (20) 7946-0000')).toBe('+442079460000');
  });
  it('keeps the case of names and addresses', () => {
    expect(normalisePrimaryField('city', 'london')).not.toBe(normalisePrimaryField('city', 'London'));
  });
  it('treats an unset optional field as empty', () => {
    expect(normalisePrimaryField('addressLine2', undefined)).toBe('');
  });
});

describe('changedPrimaryFields', () => {
  const base = {
    fullName: 'Example Corp',
    addressLine1: '1 Example Street',
    city: 'London',
    postalCode: 'EC1A 1AA',
    countryCode: 'GB',
    phone: '+44 20 7946 0000',
  };
  it('finds nothing when only case of the country code and phone punctuation differ', () => {
    expect(changedPrimaryFields(base, { ...base, countryCode: 'gb', phone: '+442079460000' })).toEqual([]);
  });
  it('lists differing fields in field order, an unset field differing from a set one', () => {
    expect(changedPrimaryFields(base, { ...base, city: 'Leeds', companyName: 'Example' })).toEqual([
      'companyName',
      'city',
    ]);
  });
  it('compares only the fields asked for', () => {
    expect(changedPrimaryFields(base, { ...base, city: 'Leeds', phone: '+1 555 0100' }, ['phone'])).toEqual([
      'phone',
    ]);
  });
});

describe('missingPrimaryFields', () => {
  it('names the fields PutContactInformation requires', () => {
    expect(missingPrimaryFields({ phone: '+1 555 0100', city: ' ' })).toEqual([
      'fullName',
      'addressLine1',
      'city',
      'postalCode',
      'countryCode',
    ]);
  });
  it('requires stateOrRegion for the countries AWS documents', () => {
    const contact = { fullName: 'A', addressLine1: 'B', city: 'C', postalCode: 'D', phone: '+1 5' };
    expect(missingPrimaryFields({ ...contact, countryCode: 'us' })).toEqual(['stateOrRegion']);
    expect(missingPrimaryFields({ ...contact, countryCode: 'FR' })).toEqual([]);
  });
});
