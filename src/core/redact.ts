import { createHash } from 'node:crypto';
import { normaliseField } from './normalise.js';
import { CONTACT_FIELDS, type Contact, type ContactField } from './types.js';

/**
 * Masks contact values (personal data). `--redact` masks every value; without it, values that came from
 * SSM SecureString parameters are still masked, because they were stored encrypted for a reason.
 * The mask keeps a short hash of the normalised value so a reviewer can still see that two values differ
 * (and that `Alice@Example.com` and `alice@example.com` do not).
 */
export interface Redactor {
  readonly redactsAll: boolean;
  field(field: ContactField, value: string): string;
  contact<C extends Contact | null>(contact: C): C;
}

export function maskValue(field: ContactField, value: string): string {
  const digest = createHash('sha256').update(normaliseField(field, value)).digest('hex');
  return `[redacted:${digest.slice(0, 8)}]`;
}

export function createRedactor(options: { redactAll: boolean; secretValues: readonly string[] }): Redactor {
  const secrets = CONTACT_FIELDS.map(
    (field) => [field, new Set(options.secretValues.map((v) => normaliseField(field, v)))] as const,
  );
  const secretsByField = new Map(secrets);
  const isSecret = (field: ContactField, value: string) =>
    secretsByField.get(field)?.has(normaliseField(field, value)) ?? false;

  const field = (name: ContactField, value: string) =>
    options.redactAll || isSecret(name, value) ? maskValue(name, value) : value;

  return {
    redactsAll: options.redactAll,
    field,
    contact<C extends Contact | null>(contact: C): C {
      if (contact === null) return contact;
      return {
        name: field('name', contact.name),
        title: field('title', contact.title),
        email: field('email', contact.email),
        phone: field('phone', contact.phone),
      } as C;
    },
  };
}
