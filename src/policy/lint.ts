import { normaliseField } from '../core/normalise.js';
import type { ContactRule, DesiredPolicy } from '../core/policy.js';
import { CONTACT_TYPES, type Contact, type ContactType, POLICY_KEY_BY_TYPE } from '../core/types.js';

/**
 * Contact-quality warnings: values AWS accepts but that would not reach a team when AWS Trust & Safety
 * needs one. Warnings, not errors: the policy is still applied.
 */

export type LintRule = 'placeholder-domain' | 'personal-address' | 'domain-not-allowed' | 'same-phone';

export interface LintWarning {
  file: string;
  path: string;
  rule: LintRule;
  message: string;
}

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

interface EmailInPolicy {
  path: string;
  email: string;
}

function fieldsOfRule(rule: ContactRule | undefined): Partial<Contact> | undefined {
  return rule?.kind === 'fields' ? rule.fields : undefined;
}

function emailsOf(policy: DesiredPolicy): EmailInPolicy[] {
  const ofContacts = (contacts: Partial<Record<ContactType, Partial<Contact>>>, path: string) =>
    CONTACT_TYPES.flatMap((type) => {
      const email = contacts[type]?.email;
      return email === undefined ? [] : [{ path: `${path}.${POLICY_KEY_BY_TYPE[type]}.email`, email }];
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

export function lintPolicy(policy: DesiredPolicy, file: string): LintWarning[] {
  const secrets = new Set(policy.secretValues);
  // A SecureString value must not appear in a warning, not even its domain.
  const subject = (email: string) =>
    secrets.has(email) ? 'the address (value from SSM SecureString)' : JSON.stringify(email);
  const allowedDomains = policy.settings.allowedEmailDomains?.map((domain) => domain.toLowerCase());
  const warnings: LintWarning[] = [];

  for (const { path, email } of emailsOf(policy)) {
    if (email === '') continue; // an SSM value not read (validate is offline)
    const { local, domain } = splitEmail(email);
    const warn = (rule: LintRule, message: string) => warnings.push({ file, path, rule, message });
    if (isPlaceholderDomain(domain)) {
      warn(
        'placeholder-domain',
        `${subject(email)} is on a reserved placeholder domain: mail there reaches no one`,
      );
    }
    if (looksPersonal(local)) {
      warn(
        'personal-address',
        `${subject(email)} looks like a personal address: use a monitored distribution list so AWS still reaches the team when this person leaves`,
      );
    }
    if (allowedDomains && !allowedDomains.includes(domain)) {
      warn(
        'domain-not-allowed',
        `${subject(email)} is not on a domain listed in settings.allowedEmailDomains (${allowedDomains.join(', ')})`,
      );
    }
  }

  const managed = CONTACT_TYPES.flatMap((type) => {
    const phone = fieldsOfRule(policy.contacts[type])?.phone;
    return phone ? [{ key: POLICY_KEY_BY_TYPE[type], phone: normaliseField('phone', phone) }] : [];
  });
  const [first] = managed;
  if (first && managed.length >= 2 && managed.every(({ phone }) => phone === first.phone)) {
    warnings.push({
      file,
      path: 'contacts',
      rule: 'same-phone',
      message: `${managed.map(({ key }) => key).join(', ')} share one phone number: AWS calls each about different matters, give each the number of the team that handles them`,
    });
  }
  return warnings;
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
