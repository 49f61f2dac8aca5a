import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseField } from '../../src/core/normalise.js';
import {
  createRedactor,
  isMask,
  keyFingerprint,
  MIN_REDACT_KEY_LENGTH,
  makeRunKey,
  maskValue,
} from '../../src/core/redact.js';
import { CONTACT_FIELDS } from '../../src/core/types.js';
import { UsageError } from '../../src/errors.js';
import { SECURITY } from '../support/builders.js';

const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(32);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('maskValue', () => {
  it('is [redacted:8 hex digits] of an HMAC of the normalised value', () => {
    const mask = maskValue('email', 'A@Example.com', KEY_A);
    expect(mask).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(isMask(mask)).toBe(true);
    expect(maskValue('email', ' a@example.com ', KEY_A)).toBe(mask);
    expect(maskValue('phone', '+1 (555) 010-0142', KEY_A)).toBe(maskValue('phone', '+15550100142', KEY_A));
  });

  it('agrees under one key and differs between keys', () => {
    expect(maskValue('phone', SECURITY.phone, KEY_A)).toBe(maskValue('phone', SECURITY.phone, KEY_A));
    expect(maskValue('phone', SECURITY.phone, KEY_A)).not.toBe(maskValue('phone', SECURITY.phone, KEY_B));
    expect(maskValue('email', 'a@example.com', KEY_A)).not.toBe(maskValue('email', 'b@example.com', KEY_A));
  });

  it('never equals a plain SHA-256 of the value, as written or normalised', () => {
    for (const field of CONTACT_FIELDS) {
      const value = SECURITY[field];
      const hex = maskValue(field, value, KEY_A).slice('[redacted:'.length, -1);
      expect(hex).not.toBe(sha256(value).slice(0, 8));
      expect(hex).not.toBe(sha256(normaliseField(field, value)).slice(0, 8));
    }
  });
});

describe('keyFingerprint', () => {
  it('tells keys apart without containing them or any mask', () => {
    expect(keyFingerprint(KEY_A)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(KEY_A)).toBe(keyFingerprint(Buffer.from(KEY_A)));
    expect(keyFingerprint(KEY_A)).not.toBe(keyFingerprint(KEY_B));
    expect(keyFingerprint(KEY_A)).not.toContain('aaaa');
    expect(keyFingerprint(KEY_A)).not.toBe(sha256(KEY_A).slice(0, 16));
  });
});

describe('makeRunKey', () => {
  const random = (size: number) => Buffer.alloc(size, 7);

  it('uses ENFORCE_REDACT_KEY when it is set', () => {
    expect(makeRunKey({ ENFORCE_REDACT_KEY: KEY_A }, random)).toEqual({
      key: Buffer.from(KEY_A),
      source: 'ENFORCE_REDACT_KEY',
    });
  });

  it('makes a random 32-byte key when it is unset or empty (a CI secret a fork cannot read)', () => {
    for (const env of [{}, { ENFORCE_REDACT_KEY: '' }]) {
      expect(makeRunKey(env, random)).toEqual({ key: Buffer.alloc(32, 7), source: 'random' });
    }
  });

  it('refuses a key short enough to be guessed, without echoing it', () => {
    const short = 'x'.repeat(MIN_REDACT_KEY_LENGTH - 1);
    const attempt = () => makeRunKey({ ENFORCE_REDACT_KEY: short }, random);
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(`ENFORCE_REDACT_KEY is ${short.length} characters: use at least 32`);
    expect(attempt).not.toThrow(short);
  });

  it('gives masks that differ between runs without a key and agree with one', () => {
    const maskIn = (env: Record<string, string>) =>
      createRedactor({ key: makeRunKey(env, randomBytes).key, fields: 'all', secretValues: [] }).field(
        'email',
        SECURITY.email,
      );
    expect(maskIn({})).not.toBe(maskIn({}));
    expect(maskIn({ ENFORCE_REDACT_KEY: KEY_A })).toBe(maskIn({ ENFORCE_REDACT_KEY: KEY_A }));
  });
});

describe('createRedactor', () => {
  it("masks every field with fields 'all'", () => {
    const redactor = createRedactor({ key: KEY_A, fields: 'all', secretValues: [] });
    const masked = redactor.contact(SECURITY);
    for (const field of CONTACT_FIELDS) expect(masked[field]).toBe(maskValue(field, SECURITY[field], KEY_A));
    expect(JSON.stringify(masked)).not.toContain('security@example.com');
  });

  it('masks only the listed fields', () => {
    const redactor = createRedactor({ key: KEY_A, fields: ['email', 'phone'], secretValues: [] });
    expect(redactor.contact(SECURITY)).toEqual({
      name: SECURITY.name,
      title: SECURITY.title,
      email: maskValue('email', SECURITY.email, KEY_A),
      phone: maskValue('phone', SECURITY.phone, KEY_A),
    });
  });

  it("masks nothing with fields 'none' but SecureString values, whatever the scope", () => {
    for (const fields of ['none', ['phone']] as const) {
      const redactor = createRedactor({ key: KEY_A, fields, secretValues: ['ops-oncall@example.com'] });
      const contact = redactor.contact({ ...SECURITY, email: 'OPS-ONCALL@example.com ' });
      expect(contact.email).toBe(maskValue('email', 'ops-oncall@example.com', KEY_A));
      expect(contact.name).toBe(SECURITY.name);
    }
  });

  it('mask() always masks, for comparing with a saved plan; keyId is the key’s fingerprint', () => {
    const redactor = createRedactor({ key: KEY_A, fields: 'none', secretValues: [] });
    expect(redactor.field('name', SECURITY.name)).toBe(SECURITY.name);
    expect(redactor.mask('name', SECURITY.name)).toBe(maskValue('name', SECURITY.name, KEY_A));
    expect(redactor.keyId).toBe(keyFingerprint(KEY_A));
  });

  it('passes null through', () => {
    expect(createRedactor({ key: KEY_A, fields: 'all', secretValues: [] }).contact(null)).toBeNull();
  });
});
