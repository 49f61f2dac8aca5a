import type { PolicyDocument } from './schema.js';

/**
 * The IAM actions a run of this policy needs: policy/iam-policy.json is the most any policy needs, and
 * this is the least privilege for one. Computed from the document as written, so `validate` can print it
 * offline: an `{ ssm }` reference is still visible there.
 */

const READ_ORGANIZATION = [
  'organizations:DescribeOrganization',
  'organizations:ListAWSServiceAccessForOrganization',
  'organizations:ListAccounts',
  'organizations:ListRoots',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListAccountsForParent',
  'organizations:ListTagsForResource',
];

type Section = PolicyDocument['contacts'] | NonNullable<PolicyDocument['overrides']>[number]['contacts'];

const ALTERNATE_KEYS = ['security', 'operations', 'billing'] as const;

function sections(document: PolicyDocument): Section[] {
  return [document.contacts, ...(document.overrides ?? []).map((override) => override.contacts)];
}

function usesSsm(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.keys(value).length === 1 && typeof (value as { ssm?: unknown }).ssm === 'string') return true;
  return Object.values(value).some(usesSsm);
}

function fieldSections(document: PolicyDocument): unknown[] {
  return [
    document.contacts,
    document.settings?.createWith,
    ...(document.overrides ?? []).flatMap((override) => [override.contacts, override.createWith]),
  ];
}

export function requiredIamActions(document: PolicyDocument): string[] {
  const rules = sections(document).flatMap((section) =>
    ALTERNATE_KEYS.flatMap((key) => (section?.[key] === undefined ? [] : [section[key]])),
  );
  const actions = [...READ_ORGANIZATION, 'sts:GetCallerIdentity'];
  if (rules.length > 0) actions.push('account:GetAlternateContact');
  if (rules.some((rule) => rule !== 'absent')) actions.push('account:PutAlternateContact');
  // Only a policy that deletes a type needs to be allowed to delete: most never do.
  if (rules.some((rule) => rule === 'absent')) actions.push('account:DeleteAlternateContact');
  if (document.contacts.primary !== undefined)
    actions.push('account:GetContactInformation', 'account:PutContactInformation');
  // Field values are the only place `{ ssm }` can appear (tags are plain strings, never checked here).
  if (fieldSections(document).some(usesSsm)) actions.push('ssm:GetParameters', 'kms:Decrypt');
  const anchor = document.settings?.auditAnchor;
  if (anchor !== undefined && anchor !== 'stdout') actions.push('ssm:PutParameter');
  // Member-role fan-out assumes a role in each member account (src/aws/member-credentials.ts).
  if (document.settings?.memberRole !== undefined) actions.push('sts:AssumeRole');
  return actions.sort();
}
