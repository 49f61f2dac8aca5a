// Account API input checks with the API's limits (botocore 1.43.11 `account` 2021-02-01 model), as AWS does:
// moto stores anything, and the JS SDK validates nothing client-side.

export interface FieldProblem {
  name: string;
  message: string;
}

interface FieldRule {
  name: string;
  min: number;
  max: number;
  pattern?: RegExp;
  required: boolean;
}

export const ALTERNATE_CONTACT_TYPES = ['SECURITY', 'OPERATIONS', 'BILLING'] as const;

const ALTERNATE_CONTACT_FIELDS: readonly FieldRule[] = [
  { name: 'Name', min: 1, max: 64, required: true },
  { name: 'Title', min: 1, max: 50, required: true },
  {
    name: 'EmailAddress',
    min: 1,
    max: 254,
    pattern: /^[\s]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[\s]*$/,
    required: true,
  },
  { name: 'PhoneNumber', min: 1, max: 25, pattern: /^[\s0-9()+-]+$/, required: true },
];

/** The `ContactInformation` structure; botocore patterns are whole-value matches at AWS, hence the anchors. */
export const CONTACT_INFORMATION_FIELDS: readonly FieldRule[] = [
  { name: 'FullName', min: 1, max: 50, required: true },
  { name: 'AddressLine1', min: 1, max: 60, required: true },
  { name: 'AddressLine2', min: 1, max: 60, required: false },
  { name: 'AddressLine3', min: 1, max: 60, required: false },
  { name: 'City', min: 1, max: 50, required: true },
  { name: 'StateOrRegion', min: 1, max: 50, required: false },
  { name: 'DistrictOrCounty', min: 1, max: 50, required: false },
  { name: 'PostalCode', min: 1, max: 20, required: true },
  { name: 'CountryCode', min: 2, max: 2, required: true },
  // Unlike an alternate contact's phone, the primary one must start with `+`.
  { name: 'PhoneNumber', min: 1, max: 20, pattern: /^[+][\s0-9()-]+$/, required: true },
  { name: 'CompanyName', min: 1, max: 50, required: false },
  { name: 'WebsiteUrl', min: 1, max: 256, required: false },
];

/** Problems with an Account API request's input; empty = valid. */
export function accountInputProblems(operation: string, input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const accountId = input.AccountId;
  if (accountId !== undefined && !(typeof accountId === 'string' && /^\d{12}$/.test(accountId))) {
    problems.push({ name: 'AccountId', message: 'The value must be a 12-digit account ID.' });
  }
  if (
    /AlternateContact$/.test(operation) &&
    !(ALTERNATE_CONTACT_TYPES as readonly string[]).includes(String(input.AlternateContactType))
  ) {
    problems.push({
      name: 'AlternateContactType',
      message: `The value must be one of ${ALTERNATE_CONTACT_TYPES.join(', ')}.`,
    });
  }
  if (operation === 'PutAlternateContact') problems.push(...fieldProblems(ALTERNATE_CONTACT_FIELDS, input));
  if (operation === 'PutContactInformation') {
    const info = input.ContactInformation;
    if (!isObject(info)) {
      problems.push({ name: 'ContactInformation', message: 'The value is required.' });
    } else {
      // AWS does not document how it names nested members in fieldList; the member name alone is used, as
      // for the alternate contact's top-level fields (no ContactInformation member shares a name with
      // AccountId, the only other input).
      problems.push(...fieldProblems(CONTACT_INFORMATION_FIELDS, info));
    }
  }
  return problems;
}

function fieldProblems(rules: readonly FieldRule[], input: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const rule of rules) {
    const value = input[rule.name];
    if (value === undefined && !rule.required) continue;
    if (typeof value !== 'string' || value.length < rule.min || value.length > rule.max) {
      problems.push({
        name: rule.name,
        message:
          rule.min === rule.max
            ? `The value must be exactly ${rule.min} characters long.`
            : `The value must be between ${rule.min} and ${rule.max} characters long.`,
      });
    } else if (rule.pattern && !rule.pattern.test(value)) {
      problems.push({ name: rule.name, message: 'The value does not match the required pattern.' });
    }
  }
  return problems;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
