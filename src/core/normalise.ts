import { normalisePrimaryField, type PrimaryField } from './primary.js';
import { CONTACT_FIELDS, type Contact, type ContactField, type ItemField } from './types.js';

/**
 * SPEC comparison rules: surrounding whitespace never counts; email is case-insensitive (AWS stores what
 * it is sent, people type it in any case); phone punctuation is presentation, not identity.
 */
export function normaliseField(field: ContactField, value: string): string {
  const trimmed = value.trim();
  switch (field) {
    case 'email':
      return trimmed.toLowerCase();
    case 'phone':
      return trimmed.replace(/[\s\-.()]/g, '');
    case 'name':
    case 'title':
      return trimmed;
  }
}

/** The fields whose normalised values differ, in the fixed field order. */
export function changedFields(before: Contact, after: Contact): ContactField[] {
  return CONTACT_FIELDS.filter(
    (field) => normaliseField(field, before[field]) !== normaliseField(field, after[field]),
  );
}

export function contactsEqual(a: Contact, b: Contact): boolean {
  return changedFields(a, b).length === 0;
}

function isContactField(field: ItemField): field is ContactField {
  return (CONTACT_FIELDS as readonly string[]).includes(field);
}

/** The comparison rule of a field of either kind (`phone` is the same rule in both). */
export function normaliseItemField(field: ItemField, value: string): string {
  return isContactField(field)
    ? normaliseField(field, value)
    : normalisePrimaryField(field as PrimaryField, value);
}
