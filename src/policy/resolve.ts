import type { ContactRule, CreateWith, DesiredPolicy, Override, Selector } from '../core/policy.js';
import { PRIMARY_FIELDS, type PrimaryField } from '../core/primary.js';
import { type RedactFields, redactsField } from '../core/redact.js';
import {
  CONTACT_FIELDS,
  CONTACT_TYPES,
  type ContactField,
  type ContactType,
  POLICY_KEY_BY_TYPE,
} from '../core/types.js';
import { PolicyError, type PolicyIssue } from '../errors.js';
import { contactFieldProblem, type FieldCheckOptions, primaryFieldProblem } from './limits.js';
import type { LoadedPolicy } from './load.js';
import type { PolicyContactRule, PolicyDocument, PolicyFieldValue } from './schema.js';

/** An SSM parameter as read at run time. */
export interface SsmParameterValue {
  value: string;
  /** A SecureString: its value must never be echoed. */
  secure: boolean;
}

type WrittenFields<F extends string> = Partial<Record<F, PolicyFieldValue>>;
type WrittenCreateWith = NonNullable<PolicyDocument['settings']>['createWith'];

/** Checks one value against the AWS limits of its field. */
type FieldCheck = (value: string, options: FieldCheckOptions) => string | undefined;

interface WrittenField {
  path: string;
  field: string;
  value: PolicyFieldValue;
  check: FieldCheck;
}

function fieldsOf<F extends string>(
  fieldNames: readonly F[],
  check: (field: F) => FieldCheck,
  written: WrittenFields<F> | undefined,
  path: string,
): WrittenField[] {
  return fieldNames.flatMap((field) => {
    const value = written?.[field];
    return value === undefined ? [] : [{ path: `${path}.${field}`, field, value, check: check(field) }];
  });
}

const alternateCheck =
  (field: ContactField): FieldCheck =>
  (value, options) =>
    contactFieldProblem(field, value, options);
const primaryCheck =
  (field: PrimaryField): FieldCheck =>
  (value, options) =>
    primaryFieldProblem(field, value, options);

const alternateFieldsOf = (written: WrittenFields<ContactField> | undefined, path: string) =>
  fieldsOf(CONTACT_FIELDS, alternateCheck, written, path);
const primaryFieldsOf = (written: WrittenFields<PrimaryField> | undefined, path: string) =>
  fieldsOf(PRIMARY_FIELDS, primaryCheck, written, path);

function ruleFields(rule: PolicyContactRule | undefined): WrittenFields<ContactField> | undefined {
  return rule === undefined || typeof rule === 'string' ? undefined : rule;
}

/** Every field of a `contacts` or `createWith` section, with its path in the document. */
function sectionFields(
  section: NonNullable<WrittenCreateWith> | PolicyDocument['contacts'] | undefined,
  path: string,
): WrittenField[] {
  if (section === undefined) return [];
  return [
    ...Object.values(POLICY_KEY_BY_TYPE).flatMap((key) =>
      alternateFieldsOf(ruleFields(section[key]), `${path}.${key}`),
    ),
    ...primaryFieldsOf(section.primary, `${path}.primary`),
  ];
}

/** Every contact field the document writes: defaults, createWith and overrides, with their paths. */
function writtenFields(document: PolicyDocument): WrittenField[] {
  return [
    ...sectionFields(document.contacts, 'contacts'),
    ...sectionFields(document.settings?.createWith, 'settings.createWith'),
    ...(document.overrides ?? []).flatMap((override, index) => [
      ...sectionFields(override.contacts, `overrides.${index}.contacts`),
      ...sectionFields(override.createWith, `overrides.${index}.createWith`),
    ]),
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

  const resolveField = ({ path, field, value, check }: WrittenField): string | undefined => {
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
    // Primary-contact fields are hidden by `--redact` (all fields) only; a field scope names alternate fields.
    const hidden = parameter.secure || redactsField(options.redact ?? 'none', field as ContactField);
    const problem = check(trimmed, { showValue: !hidden });
    if (problem) {
      const kind = parameter.secure ? ' (SecureString, not shown)' : hidden ? ' (not shown: --redact)' : '';
      issues.push({ file, path, message: `value of SSM parameter ${value.ssm}${kind} ${problem}` });
    }
    return trimmed;
  };
  const resolveFields = (written: WrittenField[]) =>
    Object.fromEntries(written.map((w) => [w.field, resolveField(w)]));
  const resolveRules = (section: PolicyDocument['contacts'] | undefined, path: string) =>
    Object.fromEntries(
      CONTACT_TYPES.flatMap((type): [ContactType, ContactRule][] => {
        const key = POLICY_KEY_BY_TYPE[type];
        const rule = section?.[key];
        if (rule === undefined) return [];
        if (rule === 'absent') return [[type, { kind: 'absent' }]];
        return [[type, { kind: 'fields', fields: resolveFields(alternateFieldsOf(rule, `${path}.${key}`)) }]];
      }),
    ) as Partial<Record<ContactType, ContactRule>>;
  const resolvePrimary = (section: PolicyDocument['contacts'] | undefined, path: string) =>
    section?.primary === undefined
      ? undefined
      : { fields: resolveFields(primaryFieldsOf(section.primary, `${path}.primary`)) };
  const resolveCreateWith = (section: WrittenCreateWith, path: string): CreateWith | undefined => {
    if (section === undefined) return undefined;
    const contacts = Object.fromEntries(
      CONTACT_TYPES.flatMap((type) => {
        const key = POLICY_KEY_BY_TYPE[type];
        const written = section[key];
        return written ? [[type, resolveFields(alternateFieldsOf(written, `${path}.${key}`))]] : [];
      }),
    );
    const primary = section.primary && resolveFields(primaryFieldsOf(section.primary, `${path}.primary`));
    return { contacts, ...(primary && { primary }) };
  };

  const contacts = resolveRules(document.contacts, 'contacts');
  const primary = resolvePrimary(document.contacts, 'contacts');
  const createWith = resolveCreateWith(document.settings?.createWith, 'settings.createWith');
  const overrides: Override[] = (document.overrides ?? []).map((override, index) => {
    const path = `overrides.${index}`;
    const overridePrimary = resolvePrimary(override.contacts, `${path}.contacts`);
    const overrideCreateWith = resolveCreateWith(override.createWith, `${path}.createWith`);
    return {
      match: toSelector(override.match),
      contacts: resolveRules(override.contacts, `${path}.contacts`),
      ...(overridePrimary && { primary: overridePrimary }),
      ...(overrideCreateWith && { createWith: overrideCreateWith }),
    };
  });
  if (issues.length > 0) throw new PolicyError(issues);

  const { scope, settings } = document;
  return {
    contacts,
    ...(primary && { primary }),
    scope: {
      include: scope?.include ? toSelector(scope.include) : null,
      exclude: scope?.exclude ? toSelector(scope.exclude) : null,
    },
    overrides,
    settings: {
      ...withoutCreateWith(settings),
      managementAccount: settings?.managementAccount ?? 'manage',
      ...(createWith && { createWith }),
    },
    secretValues: [...secretValues],
  };
}

/** The written settings other than `createWith`, which is resolved (SSM values) separately. */
function withoutCreateWith(settings: PolicyDocument['settings']) {
  if (settings === undefined) return {};
  const { createWith: _written, ...rest } = settings;
  return rest;
}
