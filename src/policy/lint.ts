import { normaliseField } from '../core/normalise.js';
import type { DesiredPolicy } from '../core/policy.js';
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
  return [
    ...ofContacts(policy.contacts, 'contacts'),
    ...policy.overrides.flatMap((override, index) =>
      ofContacts(override.contacts, `overrides.${index}.contacts`),
    ),
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

function contactGroups(policy: DesiredPolicy): ContactGroup[] {
  const defaults: ContactGroup = { path: 'contacts', contacts: policy.contacts, writes: policy.contacts };
  const refined = policy.overrides.map((override, index): ContactGroup => {
    const contacts: ContactsByType = {};
    for (const type of CONTACT_TYPES) {
      const base = policy.contacts[type];
      if (base) contacts[type] = { ...base, ...override.contacts[type] };
    }
    return { path: `overrides.${index}.contacts`, contacts, writes: override.contacts };
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
