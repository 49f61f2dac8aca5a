import type { DesiredPolicy, Override, Selector } from '../core/policy.js';
import { type RedactFields, redactsField } from '../core/redact.js';
import {
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type Contact,
  type ContactField,
  type ContactType,
  POLICY_KEY_BY_TYPE,
  type PolicyContactKey,
} from '../core/types.js';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { contactFieldProblem } from './limits.js';
import type { LoadedPolicy } from './load.js';
import type { PolicyDocument, PolicyFieldValue } from './schema.js';

/** An SSM parameter as read at run time. */
export interface SsmParameterValue {
  value: string;
  /** A SecureString: its value must never be echoed. */
  secure: boolean;
}

type WrittenContact = Partial<Record<ContactField, PolicyFieldValue>>;
type WrittenContacts = Partial<Record<PolicyContactKey, WrittenContact>>;

interface WrittenField {
  path: string;
  field: ContactField;
  value: PolicyFieldValue;
}

function fieldsOf(contact: WrittenContact | undefined, path: string): WrittenField[] {
  return CONTACT_FIELDS.flatMap((field) => {
    const value = contact?.[field];
    return value === undefined ? [] : [{ path: `${path}.${field}`, field, value }];
  });
}

/** Every contact field the document writes, defaults and overrides, with its path in the document. */
function writtenFields(document: PolicyDocument): WrittenField[] {
  const ofContacts = (contacts: WrittenContacts, path: string) =>
    Object.values(POLICY_KEY_BY_TYPE).flatMap((key) => fieldsOf(contacts[key], `${path}.${key}`));
  return [
    ...ofContacts(document.contacts, 'contacts'),
    ...(document.overrides ?? []).flatMap((override, index) =>
      ofContacts(override.contacts, `overrides.${index}.contacts`),
    ),
  ];
}

/** The SSM parameters the document refers to, each once, sorted: what to read with GetParameters. */
export function ssmParameterNames(document: PolicyDocument): string[] {
  const names = writtenFields(document).flatMap(({ value }) =>
    typeof value === 'string' ? [] : [value.ssm],
  );
  return [...new Set(names)].sort();
}

/**
 * What `validate` cannot check offline: parsing already checked every literal, so what is left are the
 * values that come from SSM, checked when a run reads them.
 */
export function validateOffline(loaded: LoadedPolicy): string[] {
  return ssmParameterNames(loaded.document);
}

function toSelector(selector: {
  accounts?: string[];
  ous?: string[];
  tags?: Record<string, string>;
}): Selector {
  return { accounts: selector.accounts ?? [], ous: selector.ous ?? [], tags: selector.tags ?? {} };
}

/**
 * The policy with every `{ ssm: NAME }` replaced by its (trimmed) value. Each SSM value is checked against
 * the same AWS limits as a literal; every missing parameter and every invalid value is reported in one
 * PolicyError. SecureString values are never echoed and are listed in `secretValues`.
 */
export function resolvePolicy(
  loaded: LoadedPolicy,
  parameters: ReadonlyMap<string, SsmParameterValue> | 'offline',
  options: { redact?: RedactFields } = {},
): DesiredPolicy {
  const { file, document } = loaded;
  const issues: PolicyIssue[] = [];
  const secretValues = new Set<string>();

  const resolveField = ({ path, field, value }: WrittenField): string | undefined => {
    // Literals were checked against the limits when the policy was parsed.
    if (typeof value === 'string') return value.trim();
    // Offline (`validate`), an SSM value is unknown: '' stands for it, and lint skips it.
    if (parameters === 'offline') return '';
    const parameter = parameters.get(value.ssm);
    if (!parameter) {
      issues.push({ file, path, message: `SSM parameter ${value.ssm} was not found` });
      return undefined;
    }
    const trimmed = parameter.value.trim();
    if (parameter.secure && trimmed) secretValues.add(trimmed);
    const hidden = parameter.secure || redactsField(options.redact ?? 'none', field);
    const problem = contactFieldProblem(field, trimmed, { showValue: !hidden });
    if (problem) {
      const kind = parameter.secure ? ' (SecureString, not shown)' : hidden ? ' (not shown: --redact)' : '';
      issues.push({ file, path, message: `value of SSM parameter ${value.ssm}${kind} ${problem}` });
    }
    return trimmed;
  };
  const resolveContact = (contact: WrittenContact, path: string): Partial<Contact> =>
    Object.fromEntries(fieldsOf(contact, path).map((written) => [written.field, resolveField(written)]));
  const resolveContacts = (contacts: WrittenContacts, path: string) =>
    Object.fromEntries(
      CONTACT_TYPES.flatMap((type) => {
        const key = POLICY_KEY_BY_TYPE[type];
        const contact = contacts[key];
        return contact ? [[type, resolveContact(contact, `${path}.${key}`)]] : [];
      }),
    );

  // The schema requires all four fields of a default contact.
  const contacts = resolveContacts(document.contacts, 'contacts') as Partial<Record<ContactType, Contact>>;
  const overrides: Override[] = (document.overrides ?? []).map((override, index) => ({
    match: toSelector(override.match),
    contacts: resolveContacts(override.contacts, `overrides.${index}.contacts`),
  }));
  if (issues.length > 0) throw new PolicyError(issues);

  const { scope, settings } = document;
  return {
    contacts,
    scope: {
      include: scope?.include ? toSelector(scope.include) : null,
      exclude: scope?.exclude ? toSelector(scope.exclude) : null,
    },
    overrides,
    settings: { ...settings, managementAccount: settings?.managementAccount ?? 'manage' },
    secretValues: [...secretValues],
  };
}
