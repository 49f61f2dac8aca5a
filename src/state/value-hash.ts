import { createHmac } from 'node:crypto';
import { normaliseField } from '../core/normalise.js';
import type { ContactField } from '../core/types.js';

/**
 * Keyed hashes of contact values for snapshots. HMAC-SHA256, not a plain hash: contact values are few and
 * guessable (an email, a phone number), so an unkeyed hash could be reversed by trying candidates. The value
 * is normalised first so that a hashed snapshot compares the way the planner does (email case, phone
 * punctuation). Same construction as the keyed redaction masks (SPEC "Redaction"), so a mask is a prefix
 * of the stored hash under the same key.
 */
export function hashContactValue(key: string, field: ContactField, value: string): string {
  return createHmac('sha256', key).update(normaliseField(field, value)).digest('hex');
}

// A fixed label, so the fingerprint can never equal the hash of a contact value.
const FINGERPRINT_LABEL = 'enforce-state key fingerprint v1';

/**
 * Names a key without revealing it: lets a reader tell "hashed with another key" from "values differ".
 * Short on purpose — it only has to tell keys apart, not resist search for the key.
 */
export function keyFingerprint(key: string): string {
  return `hmac-sha256:${createHmac('sha256', key).update(FINGERPRINT_LABEL).digest('hex').slice(0, 16)}`;
}
