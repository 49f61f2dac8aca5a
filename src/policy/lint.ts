import { normaliseField } from '../core/normalise.js';
import type { DesiredPolicy } from '../core/policy.js';
import { CONTACT_TYPES, type Contact, POLICY_KEY_BY_TYPE } from '../core/types.js';

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

function emailsOf(policy: DesiredPolicy): EmailInPolicy[] {
  const ofContacts = (contacts: Partial<Record<string, Partial<Contact>>>, path: string) =>
    CONTACT_TYPES.flatMap((type) => {
      const email = contacts[type]?.email;
      return email === undefined ? [] : [{ path: `${path}.${POLICY_KEY_BY_TYPE[type]}.email`, email }];
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
    const contact = policy.contacts[type];
    return contact && contact.phone !== ''
      ? [{ key: POLICY_KEY_BY_TYPE[type], phone: normaliseField('phone', contact.phone) }]
      : [];
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
