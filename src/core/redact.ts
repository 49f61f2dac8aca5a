import { createHmac } from 'node:crypto';
import { UsageError } from '../errors.js';
import { normaliseItemField } from './normalise.js';
import { type ContactField, ITEM_FIELDS, type ItemField, type ItemValues } from './types.js';

/**
 * Masks contact values (personal data). `--redact` masks every field (`--redact=email,phone` only those);
 * values that came from SSM SecureString parameters are masked whatever the scope, because they were
 * stored encrypted for a reason.
 *
 * A mask is `[redacted:XXXXXXXX]`, the first 8 hex digits of HMAC-SHA256(key, normalised value), so a
 * reviewer can still see that two values differ, and that `Alice@Example.com` and `alice@example.com` do
 * not. The hash is keyed because contact values are few and guessable: an unkeyed hash of a phone number
 * is reversed by trying every number of its country in seconds. Without the key, a mask says nothing.
 */

/**
 * Which contact fields are masked: every one (`--redact`, the primary contact's fields included), some
 * (`--redact=email,phone`: `phone` is the primary contact's phone too), none.
 */
export type RedactFields = 'all' | 'none' | readonly ContactField[];

export interface Redactor {
  readonly fields: RedactFields;
  /** `keyFingerprint` of this run's key: what a saved plan records to say which key made its masks. */
  readonly keyId: string;
  /** The value as outputs show it: masked when its field is in scope or it is a SecureString value. */
  field(field: ItemField, value: string): string;
  /** Every field of an alternate or a primary contact through `field`. */
  contact<C extends ItemValues | null>(contact: C): C;
  /** Always the mask, whatever the scope: to compare a current value with a mask a saved plan holds. */
  mask(field: ItemField, value: string): string;
}

export type RedactKey = Buffer | string;

/** A run's key and where it came from (the CLI may say that masks agree within this run only). */
export interface RunKey {
  key: Buffer;
  source: 'ENFORCE_REDACT_KEY' | 'random';
}

export const RUN_KEY_BYTES = 32;
/** Shorter than this, a key chosen by a person could be guessed along with the values. */
export const MIN_REDACT_KEY_LENGTH = 32;

const MASK = /^\[redacted:[0-9a-f]{8}\]$/;
// Values are trimmed before they are hashed, so no value can be this label: an id never equals a mask.
const KEY_ID_LABEL = 'enforce redact key id\n';

function hmacHex(key: RedactKey, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

export function maskValue(field: ItemField, value: string, key: RedactKey): string {
  return `[redacted:${hmacHex(key, normaliseItemField(field, value)).slice(0, 8)}]`;
}

export function isMask(text: string): boolean {
  return MASK.test(text);
}

/**
 * A short, one-way id of a key (16 hex digits of an HMAC under the key itself): stored in a saved plan so
 * that an apply can tell whether its key is the one that made the plan's masks. It reveals nothing of the
 * key, and nothing of any value.
 */
export function keyFingerprint(key: RedactKey): string {
  return hmacHex(key, KEY_ID_LABEL).slice(0, 16);
}

/**
 * `ENFORCE_REDACT_KEY` when it is set (masks then agree across runs and a redacted saved plan can be
 * checked), otherwise `random(32)`: masks agree within the run only. An empty value counts as unset: that
 * is what a CI secret that is not available (a pull request from a fork) expands to.
 */
export function makeRunKey(
  env: Readonly<Record<string, string | undefined>>,
  random: (size: number) => Buffer,
): RunKey {
  const configured = env.ENFORCE_REDACT_KEY;
  if (configured === undefined || configured === '') return { key: random(RUN_KEY_BYTES), source: 'random' };
  if (configured.length < MIN_REDACT_KEY_LENGTH) {
    throw new UsageError(
      `ENFORCE_REDACT_KEY is ${configured.length} characters: use at least ${MIN_REDACT_KEY_LENGTH} random characters, e.g. the output of \`openssl rand -hex 32\``,
    );
  }
  return { key: Buffer.from(configured, 'utf8'), source: 'ENFORCE_REDACT_KEY' };
}

/** Whether the scope masks this field (SecureString values are masked whatever it says). */
export function redactsField(fields: RedactFields, field: ItemField): boolean {
  if (fields === 'all') return true;
  if (fields === 'none') return false;
  return (fields as readonly ItemField[]).includes(field);
}

export function createRedactor(options: {
  key: RedactKey;
  fields: RedactFields;
  secretValues: readonly string[];
}): Redactor {
  const { key, fields } = options;
  const secretsByField = new Map(
    ITEM_FIELDS.map((field) => [
      field,
      new Set(options.secretValues.map((v) => normaliseItemField(field, v))),
    ]),
  );
  const isSecret = (field: ItemField, value: string) =>
    secretsByField.get(field)?.has(normaliseItemField(field, value)) ?? false;

  const mask = (name: ItemField, value: string) => maskValue(name, value, key);
  const field = (name: ItemField, value: string) =>
    redactsField(fields, name) || isSecret(name, value) ? mask(name, value) : value;

  return {
    fields,
    keyId: keyFingerprint(key),
    field,
    mask,
    contact<C extends ItemValues | null>(contact: C): C {
      if (contact === null) return contact;
      // Every key the values carry, in their order (an unset optional primary field stays unset).
      return Object.fromEntries(
        Object.entries(contact).map(([name, value]) => [name, field(name as ItemField, String(value))]),
      ) as C;
    },
  };
}
