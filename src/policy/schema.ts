import { z } from 'zod';
import { PRIMARY_FIELDS, type PrimaryField } from '../core/primary.js';
import { type ContactField, POLICY_KEY_BY_TYPE } from '../core/types.js';
import { contactFieldSchema, primaryFieldSchema } from './limits.js';
import { describeSchemaIssue, describeWrongType } from './zod-issues.js';

/**
 * The policy file as written (SPEC "Policy file"). Every object is strict: a misspelt key is an error, not
 * a silently ignored setting. `validatePolicyDocument` words the generic messages (required, wrong type,
 * unknown key); the domain rules word their own here.
 */

// SSM names: letters, digits, `_ . -`; a hierarchical name is fully qualified (starts with `/`).
const SSM_PARAMETER_NAME = /^(?:[A-Za-z0-9_.-]+|(?:\/[A-Za-z0-9_.-]+)+)$/;
const ACCOUNT_ID = /^\d{12}$/;
// Organizations' OrganizationalUnitId pattern.
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const DOMAIN_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

function hasAnyKey(value: object): boolean {
  return Object.keys(value).length > 0;
}

const SsmReferenceSchema = z
  .strictObject({
    ssm: z.string().max(2048).regex(SSM_PARAMETER_NAME, {
      error: 'must be an SSM parameter name such as /org/contacts/security/email',
    }),
  })
  .meta({
    id: 'SsmReference',
    description: 'Read the value from this SSM parameter (String or SecureString) at run time.',
  });

function contactValueSchema(field: ContactField) {
  return fieldValueSchema(contactFieldSchema(field));
}

function primaryValueSchema(field: PrimaryField) {
  return fieldValueSchema(primaryFieldSchema(field));
}

function fieldValueSchema(literal: z.ZodType<string>) {
  return z.union([literal, SsmReferenceSchema], {
    error: (issue) =>
      issue.code === 'invalid_union' && issue.input !== undefined
        ? describeWrongType({ noun: 'a string or { ssm: PARAMETER_NAME }', acceptsString: true }, issue.input)
        : undefined,
  });
}

const ContactSchema = z
  .strictObject({
    name: contactValueSchema('name'),
    title: contactValueSchema('title'),
    email: contactValueSchema('email'),
    phone: contactValueSchema('phone'),
  })
  .meta({ id: 'Contact' });

// A subset is allowed: the fields a policy does not list are kept from the account.
const PartialContactSchema = ContactSchema.partial()
  .refine(hasAnyKey, { error: 'must set at least one of name, title, email, phone' })
  .meta({
    id: 'PartialContact',
    minProperties: 1,
    description: 'The fields to enforce; a field that is not listed keeps the account’s own value.',
  });

/**
 * `absent`: the account must have no contact of this type. A string schema (not a literal) so that for a
 * mapping the union reports the mapping's own problems, and for any other string says what is allowed.
 */
const AbsentSchema = z
  .string()
  .refine((value) => value === 'absent', { error: 'must be absent or a mapping of contact fields' })
  .meta({
    id: 'Absent',
    const: 'absent',
    description: 'The account must have no contact of this type: it is deleted.',
  });

const AlternateContactRuleSchema = z.union([PartialContactSchema, AbsentSchema], {
  error: (issue) =>
    issue.code === 'invalid_union' && issue.input !== undefined
      ? describeWrongType(
          { noun: 'a mapping of contact fields or absent', acceptsString: false },
          issue.input,
        )
      : undefined,
});

const PrimaryContactSchema = z
  .strictObject(
    Object.fromEntries(PRIMARY_FIELDS.map((field) => [field, primaryValueSchema(field).optional()])) as {
      [F in PrimaryField]: z.ZodOptional<ReturnType<typeof primaryValueSchema>>;
    },
  )
  .refine(hasAnyKey, { error: `must set at least one of ${PRIMARY_FIELDS.join(', ')}` })
  .meta({
    id: 'PrimaryContact',
    minProperties: 1,
    description:
      'The account’s primary contact (postal address and phone). A field that is not listed keeps the account’s own value.',
  });

const CONTACT_KEYS = 'security, operations, billing, primary';

const ContactsSchema = z
  .strictObject({
    security: AlternateContactRuleSchema.optional().meta({
      description: 'The CIS 1.2 / Security Hub Account.1 contact.',
    }),
    operations: AlternateContactRuleSchema.optional(),
    billing: AlternateContactRuleSchema.optional(),
    primary: PrimaryContactSchema.optional(),
  })
  .refine(hasAnyKey, { error: `must define at least one of ${CONTACT_KEYS}` })
  .meta({
    minProperties: 1,
    description: 'The managed contact types. A type that is not listed is never read or written.',
  });

const CreateWithSchema = z
  .strictObject({
    security: PartialContactSchema.optional(),
    operations: PartialContactSchema.optional(),
    billing: PartialContactSchema.optional(),
    primary: PrimaryContactSchema.optional(),
  })
  .refine(hasAnyKey, { error: `must set at least one of ${CONTACT_KEYS}` })
  .meta({
    id: 'CreateWith',
    minProperties: 1,
    description:
      'Fields used only to create a contact an account does not have yet, when the policy lists a subset.',
  });

const SelectorSchema = z
  .strictObject({
    accounts: z
      .array(
        z.string().regex(ACCOUNT_ID, { error: 'must be a 12-digit AWS account ID such as "111111111111"' }),
      )
      .optional(),
    ous: z
      .array(z.string().regex(OU_ID, { error: 'must be an organizational unit ID such as ou-ab12-cd34ef56' }))
      .optional()
      .meta({ description: 'An OU selects every account below it, at any depth.' }),
    // Organizations tag limits: key 1–128 characters, value 0–256.
    tags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      .optional()
      .meta({ description: 'Selects accounts that carry every one of these tag pairs.' }),
  })
  .meta({ id: 'Selector' });

// Without a criterion a selector would select nothing (include, match) or, for tags, everything.
const NonEmptySelectorSchema = SelectorSchema.refine(
  (selector) =>
    (selector.accounts?.length ?? 0) > 0 ||
    (selector.ous?.length ?? 0) > 0 ||
    Object.keys(selector.tags ?? {}).length > 0,
  { error: 'must select accounts: list at least one of accounts, ous, tags' },
).meta({ id: 'NonEmptySelector', minProperties: 1 });

const ScopeSchema = z
  .strictObject({
    include: NonEmptySelectorSchema.optional().meta({ description: 'Default: every account.' }),
    exclude: SelectorSchema.optional(),
  })
  .meta({ description: 'Which accounts are managed. Default: every account in the organization.' });

const OverrideSchema = z
  .strictObject({
    match: NonEmptySelectorSchema,
    contacts: z
      .strictObject({
        security: AlternateContactRuleSchema.optional(),
        operations: AlternateContactRuleSchema.optional(),
        billing: AlternateContactRuleSchema.optional(),
        primary: PrimaryContactSchema.optional(),
      })
      .refine(hasAnyKey, { error: `must set at least one of ${CONTACT_KEYS}` })
      .meta({ minProperties: 1 })
      .optional(),
    createWith: CreateWithSchema.optional(),
  })
  .refine((override) => override.contacts !== undefined || override.createWith !== undefined, {
    error: 'must set contacts or createWith',
  });

const RateLimitSchema = z
  .strictObject({
    perSecond: z.number().positive().meta({ description: 'Sustained requests per second.' }),
    burst: z.int().min(1).meta({ description: 'Requests that may be sent at once after an idle period.' }),
  })
  .meta({ id: 'RateLimit' });

// IAM: role names are 1–64 of `[\w+=,.@-]`; an external id is 2–1224 of `[\w+=,.@:/-]` (IAM User Guide,
// "IAM and AWS STS quotas"); AssumeRole DurationSeconds is 900 up to the role's maximum, at most 43200.
const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const MemberRoleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(IAM_ROLE_NAME, {
        error:
          'must be an IAM role name: 1–64 letters, digits and + = , . @ _ - (such as EnforceContactsMember)',
      })
      .meta({ description: 'Assumed as arn:<partition>:iam::<member account id>:role/<name>.' }),
    externalId: z
      .string()
      .regex(EXTERNAL_ID, { error: 'must be 2–1224 letters, digits and + = , . @ : / _ -' })
      .optional()
      .meta({ description: "Sent as sts:AssumeRole ExternalId; the role's trust policy must require it." }),
    sessionDuration: z.int().min(900).max(43200).optional().meta({
      description:
        'Seconds, 900–43200 (AWS default 3600). At most 3600 when the enforcer itself runs in a role (role chaining).',
    }),
  })
  .meta({
    id: 'MemberRole',
    description:
      "Read and write each member account's contacts from inside it, through this role (one AssumeRole per account), so each account's own API quota is used. Accounts where the role cannot be assumed fall back to the organization path and are reported.",
  });

const SettingsSchema = z.strictObject({
  concurrency: z.int().min(1).max(64).optional().meta({ description: 'Parallel account workers.' }),
  maxChanges: z
    .int()
    .min(0)
    .optional()
    .meta({ description: 'Apply refuses to write more contacts than this.' }),
  managementAccount: z.enum(['manage', 'skip']).default('manage'),
  requestTimeoutSeconds: z
    .int()
    .min(1)
    .max(900)
    .optional()
    .meta({ description: 'Bounds every attempt of every AWS request (default 30; --request-timeout wins).' }),
  createWith: CreateWithSchema.optional(),
  allowedEmailDomains: z
    .array(z.string().regex(DOMAIN_NAME, { error: 'must be a domain name such as example.com' }))
    .min(1)
    .optional()
    .meta({ description: 'Lint warns about contact emails on other domains (subdomains must be listed).' }),
  rateLimits: z
    .strictObject({
      getAlternateContact: RateLimitSchema.optional(),
      putAlternateContact: RateLimitSchema.optional(),
      deleteAlternateContact: RateLimitSchema.optional(),
      getContactInformation: RateLimitSchema.optional(),
      putContactInformation: RateLimitSchema.optional(),
      organizations: RateLimitSchema.optional(),
    })
    .optional()
    .meta({
      description:
        'Client-side request rates. AWS quotas per caller: get 10/s burst 15, put 5/s burst 8, delete 1/s burst 6, GetContactInformation 10/s burst 15, PutContactInformation 5/s burst 8; Organizations (all calls together) is paced at 5/s burst 10 by default.',
    }),
  auditAnchor: z
    .union([
      z.literal('stdout'),
      z.strictObject({
        ssmParameter: z.string().max(2048).regex(SSM_PARAMETER_NAME, {
          error: 'must be an SSM parameter name such as /org/enforce/audit-head',
        }),
      }),
    ])
    .optional()
    .meta({
      description:
        'After each run, also write its audit chain head (runId, seq, sha256 of the last line before run.end, which then records it) to an SSM parameter (a new version per run) or as one line in the CI log (stdout).',
    }),
  memberRole: MemberRoleSchema.optional(),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MANAGEABLE_KEYS = [...Object.values(POLICY_KEY_BY_TYPE), 'primary'] as const;

/**
 * An override or a `createWith` may only refine a type that `contacts` manages: an unmanaged type is
 * never read or written, so such a setting would silently do nothing. Reads the raw value so that it also
 * reports while most other parts of the document are invalid.
 */
function rejectSettingsOfUnmanagedTypes(document: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (!isRecord(document) || !isRecord(document.contacts)) return;
  const managed = document.contacts;
  const check = (section: unknown, path: (string | number)[]) => {
    if (!isRecord(section)) return;
    for (const key of MANAGEABLE_KEYS) {
      if (key in section && !(key in managed)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, key],
          message: `${key} is not managed: add contacts.${key} or remove this`,
        });
      }
    }
  };
  if (isRecord(document.settings)) check(document.settings.createWith, ['settings', 'createWith']);
  if (!Array.isArray(document.overrides)) return;
  document.overrides.forEach((override: unknown, index) => {
    if (!isRecord(override)) return;
    check(override.contacts, ['overrides', index, 'contacts']);
    check(override.createWith, ['overrides', index, 'createWith']);
  });
}

export const PolicySchema = z
  .strictObject({
    version: z.literal(1, { error: (issue) => (issue.input === undefined ? undefined : 'must be 1') }),
    contacts: ContactsSchema,
    scope: ScopeSchema.optional(),
    overrides: z
      .array(OverrideSchema)
      .optional()
      .meta({ description: 'Applied in order; later matches win, field by field.' }),
    settings: SettingsSchema.optional(),
  })
  .superRefine(rejectSettingsOfUnmanagedTypes, { when: () => true });

export type PolicyDocument = z.output<typeof PolicySchema>;
/** A contact field as written: a literal or a reference to an SSM parameter. */
export type PolicyFieldValue = z.output<ReturnType<typeof contactValueSchema>>;
/** `contacts.<type>` as written: `absent` or some of the fields. */
export type PolicyContactRule = z.output<typeof AlternateContactRuleSchema>;

/** Validates parsed YAML against the policy schema, with messages worded for policy authors. */
export function validatePolicyDocument(data: unknown) {
  return PolicySchema.safeParse(data, { error: describeSchemaIssue });
}
