import { z } from 'zod';
import type { PrimaryField } from '../core/primary.js';
import type { ContactField } from '../core/types.js';

/**
 * AWS Account API limits for the alternate contact fields (botocore account 2021-02-01). The JS SDK does
 * not check them client-side, so we do, before any call: on literals when the policy is parsed and on
 * SSM values after they are read.
 */

// AWS's own EmailAddress pattern. `\w` is ASCII-only in JS as in AWS's validator.
const AWS_EMAIL_PATTERN = /^\s*[\w+=.#|!&-]+@[\w.-]+\.\w+\s*$/;
// AWS's own PhoneNumber pattern.
const AWS_PHONE_PATTERN = /^[\s0-9()+-]+$/;

interface FieldLimit {
  /** 1 unless said otherwise. */
  minLength?: number;
  maxLength: number;
  pattern?: RegExp;
  /** What the pattern allows, in words: the start of the message when a value does not match. */
  allowed?: string;
}

export const CONTACT_FIELD_LIMITS = {
  name: { maxLength: 64 },
  title: { maxLength: 50 },
  email: { maxLength: 254, pattern: AWS_EMAIL_PATTERN, allowed: 'must be an email address AWS accepts' },
  phone: {
    maxLength: 25,
    pattern: AWS_PHONE_PATTERN,
    allowed: 'may contain only digits, spaces and + - ( )',
  },
} as const satisfies Record<ContactField, FieldLimit>;

// The primary contact's PhoneNumber pattern: unlike an alternate contact's, it must start with `+`.
const AWS_PRIMARY_PHONE_PATTERN = /^[+][\s0-9()-]+$/;
const COUNTRY_CODE_PATTERN = /^[A-Za-z]{2}$/;

/** AWS Account API limits for the primary contact (botocore account 2021-02-01 `ContactInformation`). */
export const PRIMARY_FIELD_LIMITS = {
  fullName: { maxLength: 50 },
  companyName: { maxLength: 50 },
  addressLine1: { maxLength: 60 },
  addressLine2: { maxLength: 60 },
  addressLine3: { maxLength: 60 },
  city: { maxLength: 50 },
  stateOrRegion: { maxLength: 50 },
  districtOrCounty: { maxLength: 50 },
  postalCode: { maxLength: 20 },
  countryCode: {
    minLength: 2,
    maxLength: 2,
    pattern: COUNTRY_CODE_PATTERN,
    allowed: 'must be a two-letter ISO 3166 country code such as US',
  },
  phone: {
    maxLength: 20,
    pattern: AWS_PRIMARY_PHONE_PATTERN,
    allowed:
      'must start with + and the country code, then contain only digits, spaces and ( ) - (the primary contact phone is international)',
  },
  websiteUrl: { maxLength: 256 },
} as const satisfies Record<PrimaryField, FieldLimit>;

export interface FieldCheckOptions {
  /** False for SSM SecureString values: the message must then not contain the value. */
  showValue: boolean;
}

/**
 * Why AWS would reject `value` for `field`, or undefined when it accepts it. The value is checked trimmed
 * because trimmed values are what we send.
 */
export function contactFieldProblem(
  field: ContactField,
  value: string,
  options: FieldCheckOptions,
): string | undefined {
  return fieldProblem(CONTACT_FIELD_LIMITS[field], value, options);
}

/** As `contactFieldProblem`, for a primary contact field. */
export function primaryFieldProblem(
  field: PrimaryField,
  value: string,
  options: FieldCheckOptions,
): string | undefined {
  return fieldProblem(PRIMARY_FIELD_LIMITS[field], value, options);
}

function fieldProblem(
  limit: FieldLimit,
  value: string,
  { showValue }: FieldCheckOptions,
): string | undefined {
  const trimmed = value.trim();
  const minLength = limit.minLength ?? 1;
  // AWS (Smithy `@length`) counts Unicode code points, not UTF-16 units.
  const length = [...trimmed].length;
  if (length < minLength || length > limit.maxLength) {
    const range = minLength === limit.maxLength ? `exactly ${minLength}` : `${minLength}–${limit.maxLength}`;
    return `must be ${range} characters (got ${length})`;
  }
  if (limit.pattern && !limit.pattern.test(trimmed)) {
    return showValue ? `${limit.allowed} (got ${JSON.stringify(trimmed)})` : limit.allowed;
  }
  return undefined;
}

/**
 * A literal contact field in the policy. The JSON Schema keywords in `meta` let editors flag the same
 * limits while the file is written (they see untrimmed text, which only matters at the edges).
 */
export function contactFieldSchema(field: ContactField) {
  return fieldSchema(CONTACT_FIELD_LIMITS[field]);
}

export function primaryFieldSchema(field: PrimaryField) {
  return fieldSchema(PRIMARY_FIELD_LIMITS[field]);
}

function fieldSchema(limit: FieldLimit) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = fieldProblem(limit, value, { showValue: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({
      minLength: limit.minLength ?? 1,
      maxLength: limit.maxLength,
      ...(limit.pattern && { pattern: limit.pattern.source }),
    });
}
