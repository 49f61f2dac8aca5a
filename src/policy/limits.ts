import { z } from 'zod';
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
  { showValue }: FieldCheckOptions,
): string | undefined {
  const limit: FieldLimit = CONTACT_FIELD_LIMITS[field];
  const trimmed = value.trim();
  // AWS (Smithy `@length`) counts Unicode code points, not UTF-16 units.
  const length = [...trimmed].length;
  if (length < 1 || length > limit.maxLength) {
    return `must be 1–${limit.maxLength} characters (got ${length})`;
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
  const limit: FieldLimit = CONTACT_FIELD_LIMITS[field];
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = contactFieldProblem(field, value, { showValue: true });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({
      minLength: 1,
      maxLength: limit.maxLength,
      ...(limit.pattern && { pattern: limit.pattern.source }),
    });
}
