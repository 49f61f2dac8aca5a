import type { z } from 'zod';
import { nearestKey } from './nearest-key.js';

/**
 * Turns zod's issues into messages a policy author can act on, in YAML's words (mapping, list) rather
 * than JavaScript's, and one issue per location.
 */

export interface SchemaIssue {
  path: readonly PropertyKey[];
  message: string;
}

const NOUN_BY_EXPECTED_TYPE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** `must be a string (got 5550100: put it in quotes)` */
export function describeWrongType(
  expected: { noun: string; acceptsString: boolean },
  input: unknown,
): string {
  // YAML reads unquoted 111111111111 or 5550100 as a number (and drops leading zeros): quoting fixes it.
  const hint = expected.acceptsString && typeof input === 'number' ? ': put it in quotes' : '';
  return `must be ${expected.noun} (got ${describeValue(input)}${hint})`;
}

const UNKNOWN_KEY = 'unknown key';
const ALLOWED_HERE = 'allowed here: ';

/**
 * zod's final issue no longer holds the schema, only the message the error map wrote: the allowed keys
 * are read back from it to suggest, per key, the one that was meant.
 */
function describeUnknownKey(key: PropertyKey, message: string): string {
  const start = message.indexOf(ALLOWED_HERE);
  if (!message.startsWith(UNKNOWN_KEY) || start < 0) return message;
  const allowed = message.slice(start + ALLOWED_HERE.length, -1).split(', ');
  const meant = nearestKey(String(key), allowed);
  return meant === undefined
    ? message
    : `${UNKNOWN_KEY}: did you mean "${meant}"? (${ALLOWED_HERE}${allowed.join(', ')})`;
}

function allowedKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Messages for the issues the schema does not word itself (pass as `error` to `safeParse`). */
export const describeSchemaIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined && issue.code !== 'custom') return 'is required';
  switch (issue.code) {
    case 'invalid_type':
      return describeWrongType(
        {
          noun: NOUN_BY_EXPECTED_TYPE[issue.expected] ?? issue.expected,
          acceptsString: issue.expected === 'string',
        },
        issue.input,
      );
    case 'unrecognized_keys':
      return `${UNKNOWN_KEY} (${ALLOWED_HERE}${allowedKeys(issue.inst).join(', ')})`;
    case 'invalid_value':
      return `must be one of ${issue.values.join(', ')} (got ${describeValue(issue.input)})`;
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'array')
        return `must list at least ${minimum} ${minimum === 1 ? 'item' : 'items'}`;
      if (issue.origin === 'string') return `must be at least ${minimum} characters`;
      return issue.inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${maximum} characters`;
      return issue.inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
    }
    default:
      return undefined;
  }
};

function isTypeMismatchAtRoot(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
}

/**
 * One issue per location: an unknown-keys issue becomes one issue per key (at the key's own path), and a
 * failed union (a field that is a string or `{ ssm }`) reports the problems of the branch whose type the
 * value has, e.g. `email.ssm: is required` for `email: {}`.
 */
export function flattenSchemaIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): SchemaIssue[] {
  return issues.flatMap((issue): SchemaIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: describeUnknownKey(key, issue.message),
      }));
    }
    if (issue.code === 'invalid_union') {
      const matchingBranches = issue.errors.filter((branch) => !isTypeMismatchAtRoot(branch));
      const [branch] = matchingBranches;
      if (matchingBranches.length === 1 && branch) return flattenSchemaIssues(branch, path);
    }
    return [{ path, message: issue.message }];
  });
}
