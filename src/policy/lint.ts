import { normaliseField } from '../core/normalise.js';
import type { ContactRule, DesiredPolicy } from '../core/policy.js';
import {
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ContactType,
  POLICY_KEY_BY_TYPE,
} from '../core/types.js';

/**
 * Contact-quality warnings: values AWS accepts but that would not reach a team when AWS Trust & Safety
 * needs one, or that a compliance scanner people run will flag. Warnings, not errors: the policy is still
 * applied (with --strict the CLI rejects it).
 */

export type LintRule =
  | 'placeholder-domain'
  | 'personal-address'
  | 'domain-not-allowed'
  | 'placeholder-phone'
  | 'shared-contact-details';

/** A contact value a warning's message quotes (as `JSON.stringify(value)`), so outputs can mask it. */
export interface QuotedValue {
  field: ContactField;
  value: string;
}

export interface LintWarning {
  file: string;
  path: string;
  /** Where `path` is written in the file, when known. */
  line?: number;
  rule: LintRule;
  message: string;
  quoted: readonly QuotedValue[];
}

/** Where a dotted path is written: `LoadedPolicy.lineOf`. */
export type LineOf = (path: string) => number | undefined;

// Reserved for documentation and testing (RFC 2606, RFC 6761): mail there reaches no one.
const PLACEHOLDER_DOMAINS = ['example.com', 'example.net', 'example.org', 'localhost'];
const PLACEHOLDER_TLDS = ['test', 'invalid', 'example', 'localhost'];

// Words that mark a shared mailbox rather than a person, even in a first.last shape (`security.team@`).
const ROLE_WORDS = new Set([
  'security',
  'sec',
  'soc',
  'ops',
  'operations',
  'oncall',
  'billing',
  'finance',
  'accounts',
  'aws',
  'cloud',
  'platform',
  'infra',
  'devops',
  'sre',
  'admin',
  'team',
  'alerts',
  'abuse',
  'incident',
  'noc',
  'it',
  'support',
]);
const FIRST_DOT_LAST = /^([a-z]+)[._]([a-z]+)$/i;

// NANP reserves 555-0100…555-0199 for fiction in every area code: `555-0142`, `+1-555-0142`,
// `+1 212 555 0142`. A number of one repeated digit (`+0000000000`) is a form filled in to get past it.
const FICTION_PHONE_DIGITS = /^1?(?:\d{3})?55501\d\d$/;
const ONE_REPEATED_DIGIT = /^(\d)\1*$/;

const PROWLER_CHECK = 'account_maintain_different_contact_details_to_security_billing_and_operations';
const SHARED_FIELDS = ['email', 'name', 'phone'] as const satisfies readonly ContactField[];

type ContactsByType = Partial<Record<ContactType, Partial<Contact>>>;

interface ValueInPolicy {
  path: string;
  field: ContactField;
  value: string;
}

/** The fields a type's rule sets (none for `absent`). */
function fieldsOfRule(rule: ContactRule | undefined): Partial<Contact> | undefined {
  return rule?.kind === 'fields' ? rule.fields : undefined;
}

/** Every literal or resolved value of `field`, defaults then overrides, with its path. */
function valuesOf(policy: DesiredPolicy, field: ContactField): ValueInPolicy[] {
  const ofContacts = (contacts: ContactsByType, path: string) =>
    CONTACT_TYPES.flatMap((type) => {
      const value = contacts[type]?.[field];
      // '' is an SSM value not read (validate is offline).
      return value === undefined || value === ''
        ? []
        : [{ path: `${path}.${POLICY_KEY_BY_TYPE[type]}.${field}`, field, value }];
    });
  const ofRules = (rules: Partial<Record<ContactType, ContactRule>>, path: string) =>
    ofContacts(Object.fromEntries(CONTACT_TYPES.map((type) => [type, fieldsOfRule(rules[type])])), path);
  // createWith addresses reach AWS too, on every contact they create.
  return [
    ...ofRules(policy.contacts, 'contacts'),
    ...ofContacts(policy.settings.createWith?.contacts ?? {}, 'settings.createWith'),
    ...policy.overrides.flatMap((override, index) => [
      ...ofRules(override.contacts, `overrides.${index}.contacts`),
      ...ofContacts(override.createWith?.contacts ?? {}, `overrides.${index}.createWith`),
    ]),
  ];
}

function splitEmail(email: string): { local: string; domain: string } {
  const at = email.lastIndexOf('@');
  return {
    local: email.slice(0, at).trim(),
    domain: email
      .slice(at + 1)
      .trim()
      .toLowerCase(),
  };
}

function isPlaceholderDomain(domain: string): boolean {
  return (
    PLACEHOLDER_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`)) ||
    PLACEHOLDER_TLDS.some((tld) => domain.endsWith(`.${tld}`))
  );
}

function looksPersonal(local: string): boolean {
  // A `+tag` suffix does not change whose mailbox it is.
  const match = FIRST_DOT_LAST.exec(local.split('+')[0] ?? '');
  if (!match) return false;
  const [, first = '', last = ''] = match;
  return !ROLE_WORDS.has(first.toLowerCase()) && !ROLE_WORDS.has(last.toLowerCase());
}

export function isPlaceholderPhone(phone: string): boolean {
  const digits = phone.replace(/\D/g, '');
  return digits !== '' && (ONE_REPEATED_DIGIT.test(digits) || FICTION_PHONE_DIGITS.test(digits));
}

/**
 * The contacts an account gets, per group of accounts the policy can tell apart: the defaults, and the
 * defaults refined by each override (an account matched by that override alone). Each group lists only
 * the types whose contact it sets, so a finding is made where it is caused.
 */
interface ContactGroup {
  path: string;
  contacts: ContactsByType;
  /** The types whose fields this group writes itself (the defaults write every managed type). */
  writes: ContactsByType;
}

/** The fields each type's rules set; an `absent` type has none. */
function fieldsByType(rules: Partial<Record<ContactType, ContactRule>>): ContactsByType {
  const out: ContactsByType = {};
  for (const type of CONTACT_TYPES) {
    const fields = fieldsOfRule(rules[type]);
    if (fields !== undefined) out[type] = fields;
  }
  return out;
}

function contactGroups(policy: DesiredPolicy): ContactGroup[] {
  const base = fieldsByType(policy.contacts);
  const defaults: ContactGroup = { path: 'contacts', contacts: base, writes: base };
  const refined = policy.overrides.map((override, index): ContactGroup => {
    const writes = fieldsByType(override.contacts);
    const contacts: ContactsByType = {};
    for (const type of CONTACT_TYPES) {
      if (override.contacts[type]?.kind === 'absent') continue;
      if (base[type] || writes[type]) contacts[type] = { ...base[type], ...writes[type] };
    }
    return { path: `overrides.${index}.contacts`, contacts, writes };
  });
  return [defaults, ...refined];
}

export function lintPolicy(
  policy: DesiredPolicy,
  file: string,
  lineOf: LineOf = () => undefined,
): LintWarning[] {
  const secrets = new Set(policy.secretValues);
  const warnings: LintWarning[] = [];
  const warn = (path: string, rule: LintRule, message: string, quoted: QuotedValue[]) => {
    const line = lineOf(path);
    warnings.push({ file, path, ...(line === undefined ? {} : { line }), rule, message, quoted });
  };
  // A SecureString value must not appear in a warning, not even its domain.
  const subject = (field: ContactField, value: string): { text: string; quoted: QuotedValue[] } =>
    secrets.has(value)
      ? { text: `the ${field === 'email' ? 'address' : field} (value from SSM SecureString)`, quoted: [] }
      : { text: JSON.stringify(value), quoted: [{ field, value }] };

  const allowedDomains = policy.settings.allowedEmailDomains?.map((domain) => domain.toLowerCase());
  for (const { path, value: email } of valuesOf(policy, 'email')) {
    const { local, domain } = splitEmail(email);
    const { text, quoted } = subject('email', email);
    if (isPlaceholderDomain(domain)) {
      warn(
        path,
        'placeholder-domain',
        `${text} is on a reserved placeholder domain: mail there reaches no one`,
        quoted,
      );
    }
    if (looksPersonal(local)) {
      warn(
        path,
        'personal-address',
        `${text} looks like a personal address: use a monitored distribution list so AWS still reaches the team when this person leaves`,
        quoted,
      );
    }
    if (allowedDomains && !allowedDomains.includes(domain)) {
      warn(
        path,
        'domain-not-allowed',
        `${text} is not on a domain listed in settings.allowedEmailDomains (${allowedDomains.join(', ')})`,
        quoted,
      );
    }
  }

  for (const { path, value: phone } of valuesOf(policy, 'phone')) {
    if (!isPlaceholderPhone(phone)) continue;
    const { text, quoted } = subject('phone', phone);
    warn(
      path,
      'placeholder-phone',
      `${text} is a placeholder number (555-01xx is reserved for fiction; one repeated digit reaches no one): AWS could not call the team`,
      quoted,
    );
  }

  for (const group of contactGroups(policy)) {
    for (const field of SHARED_FIELDS) {
      for (const shared of sharedValues(group, field)) {
        const { text, quoted } = subject(field, shared.value);
        warn(
          group.path,
          'shared-contact-details',
          `${shared.keys.join(', ')} share the ${field} ${text}: Prowler's check ${PROWLER_CHECK} fails an account whose security, billing and operations contacts share an email, a name or a phone (a scanner's opinion, not an AWS rule: AWS accepts it)`,
          quoted,
        );
      }
    }
  }
  return warnings;
}

/**
 * Values of `field` that two or more of the group's types share (compared as the plan compares them),
 * where the group itself writes at least one of the sharing types' `field`: an override that leaves the
 * defaults' shared value alone is not reported again.
 */
function sharedValues(group: ContactGroup, field: ContactField): { keys: string[]; value: string }[] {
  const byValue = new Map<string, { keys: string[]; value: string; written: boolean }>();
  for (const type of CONTACT_TYPES) {
    const value = group.contacts[type]?.[field];
    if (value === undefined || value === '') continue;
    const normalised = normaliseField(field, value);
    const entry = byValue.get(normalised) ?? { keys: [], value, written: false };
    entry.keys.push(POLICY_KEY_BY_TYPE[type]);
    entry.written ||= group.writes[type]?.[field] !== undefined;
    byValue.set(normalised, entry);
  }
  return [...byValue.values()].filter((entry) => entry.keys.length >= 2 && entry.written);
}

/**
 * Findings that reject the policy (exit 65) whatever `--strict` says, because the policy would leave an
 * account in a state a compliance control fails or AWS refuses.
 */
export type LintErrorRule = 'no-security-contact' | 'primary-phone-format';

export interface LintError {
  file: string;
  path: string;
  rule: LintErrorRule;
  message: string;
}

export interface LintErrorOptions {
  /** `--allow-no-security-contact`: the organization knowingly has accounts without one. */
  allowNoSecurityContact?: boolean;
}

/** The contact-kind rules, each its own function below; the lead wires this one entry in. */
export function lintPolicyErrors(
  policy: DesiredPolicy,
  file: string,
  options: LintErrorOptions = {},
): LintError[] {
  return [...lintAbsentSecurityContact(policy, file, options), ...lintPrimaryPhone(policy, file)];
}

/**
 * CIS AWS Foundations 1.2 and Security Hub Account.1 require a Security contact on every account:
 * `security: absent` (by default or in an override) would delete it.
 */
export function lintAbsentSecurityContact(
  policy: DesiredPolicy,
  file: string,
  { allowNoSecurityContact = false }: LintErrorOptions = {},
): LintError[] {
  if (allowNoSecurityContact) return [];
  const paths = [
    ...(policy.contacts.SECURITY?.kind === 'absent' ? ['contacts.security'] : []),
    ...policy.overrides.flatMap((override, index) =>
      override.contacts.SECURITY?.kind === 'absent' ? [`overrides.${index}.contacts.security`] : [],
    ),
  ];
  return paths.map((path) => ({
    file,
    path,
    rule: 'no-security-contact',
    message:
      'deletes the Security contact, which CIS AWS Foundations 1.2 and Security Hub Account.1 require on every account: set a contact, or pass --allow-no-security-contact',
  }));
}

/**
 * The primary contact's phone must be international (`+` and the country code): AWS's pattern for it is
 * `[+][\s0-9()-]+`, stricter than the alternate contacts' `[\s0-9()+-]+`, so a number copied from an
 * alternate contact is refused by PutContactInformation.
 */
export function lintPrimaryPhone(policy: DesiredPolicy, file: string): LintError[] {
  const phones = [
    { path: 'contacts.primary.phone', phone: policy.primary?.fields.phone },
    { path: 'settings.createWith.primary.phone', phone: policy.settings.createWith?.primary?.phone },
    ...policy.overrides.flatMap((override, index) => [
      { path: `overrides.${index}.contacts.primary.phone`, phone: override.primary?.fields.phone },
      { path: `overrides.${index}.createWith.primary.phone`, phone: override.createWith?.primary?.phone },
    ]),
  ];
  // '' is an SSM value not read (validate is offline).
  return phones.flatMap(({ path, phone }) =>
    phone === undefined || phone === '' || phone.trim().startsWith('+')
      ? []
      : [
          {
            file,
            path,
            rule: 'primary-phone-format' as const,
            message:
              'the primary contact phone must start with + and the country code, such as +1 555 0100 (AWS refuses it otherwise)',
          },
        ],
  );
}
