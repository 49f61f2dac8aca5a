import { describe, expect, it } from 'vitest';
import { createRedactor, maskValue } from '../../src/core/redact.js';
import { SECURITY } from '../support/builders.js';

describe('redactor', () => {
  it('masks every field with --redact, keeping a stable short hash', () => {
    const redactor = createRedactor({ redactAll: true, secretValues: [] });
    const masked = redactor.contact(SECURITY);
    for (const value of Object.values(masked)) expect(value).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(JSON.stringify(masked)).not.toContain('security@example.com');
    expect(redactor.field('email', 'A@Example.com')).toBe(redactor.field('email', 'a@example.com'));
    expect(redactor.field('email', 'a@example.com')).not.toBe(redactor.field('email', 'b@example.com'));
  });

  it('masks SecureString values even without --redact, and only those', () => {
    const redactor = createRedactor({ redactAll: false, secretValues: ['ops-oncall@example.com'] });
    const contact = redactor.contact({ ...SECURITY, email: 'OPS-ONCALL@example.com ' });
    expect(contact.email).toBe(maskValue('email', 'ops-oncall@example.com'));
    expect(contact.name).toBe(SECURITY.name);
  });

  it('passes null through', () => {
    expect(createRedactor({ redactAll: true, secretValues: [] }).contact(null)).toBeNull();
  });
});
