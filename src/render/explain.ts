import {
  type AccountDecision,
  type DesiredContact,
  type DesiredFields,
  type DesiredPrimary,
  desiredItem,
  desiredPrimaryItem,
  type FieldSource,
} from '../core/desired.js';
import { normaliseField } from '../core/normalise.js';
import { assertNever } from '../core/plan.js';
import { incompleteError, incompletePrimaryError } from '../core/plan-kinds.js';
import { normalisePrimaryField, PRIMARY_FIELDS } from '../core/primary.js';
import type { Redactor } from '../core/redact.js';
import { describeMatch } from '../core/selector.js';
import {
  type Account,
  CONTACT_FIELDS,
  type ContactType,
  type ItemError,
  type ItemField,
  type Observed,
  type ObservedContact,
  type ObservedPrimary,
  POLICY_KEY_BY_TYPE,
} from '../core/types.js';
import { describeReason } from './reasons.js';
import { createStyle, type Style } from './style.js';

export interface Explanation {
  account: Account;
  decision: AccountDecision;
  /** What each managed type would be, layer by layer, even when the account is skipped. */
  desired: Partial<Record<ContactType, DesiredContact>>;
  /** Current values; absent for types that were not read (accounts AWS would refuse to answer for). */
  current: Partial<Record<ContactType, ObservedContact>>;
  /** OU names by id, shown next to the ids (matching is by id only). */
  ouNames?: ReadonlyMap<string, string>;
  /** When the policy manages the primary contact: what it would be, and what the account holds. */
  primary?: { desired: DesiredPrimary; current?: ObservedPrimary };
}

/** How one contact compares with the policy: a closed set, shared by the text and JSON views. */
export type ContactVerdict =
  | { kind: 'would-create' }
  | { kind: 'cannot-create'; missingFields: ItemField[]; message: string }
  | { kind: 'would-update'; changedFields: ItemField[] }
  | { kind: 'would-delete' }
  | { kind: 'in-sync' }
  | { kind: 'absent-in-sync' }
  | { kind: 'unmanaged-missing' }
  | { kind: 'unmanaged-differs'; changedFields: ItemField[] }
  | { kind: 'unmanaged-matches' }
  | { kind: 'not-read' }
  | { kind: 'read-error'; error: ItemError };

export function contactVerdict(
  type: ContactType,
  desired: DesiredContact,
  observed: ObservedContact | undefined,
  managed: boolean,
): ContactVerdict {
  if (observed === undefined) return { kind: 'not-read' };
  if (observed.kind === 'error') return { kind: 'read-error', error: observed.error };
  const current = observed.kind === 'present' ? observed.contact : null;
  const intent = desiredItem(desired, current);
  switch (intent.action) {
    case 'noop':
      if (desired.kind === 'absent')
        return managed ? { kind: 'absent-in-sync' } : { kind: 'unmanaged-matches' };
      return managed ? { kind: 'in-sync' } : { kind: 'unmanaged-matches' };
    case 'create':
      return managed ? { kind: 'would-create' } : { kind: 'unmanaged-missing' };
    case 'incomplete':
      return managed
        ? {
            kind: 'cannot-create',
            missingFields: intent.missingFields,
            message: incompleteError(type, intent.missingFields).message,
          }
        : { kind: 'unmanaged-missing' };
    case 'update':
      return managed
        ? { kind: 'would-update', changedFields: intent.changedFields }
        : { kind: 'unmanaged-differs', changedFields: intent.changedFields };
    case 'delete':
      return managed ? { kind: 'would-delete' } : { kind: 'unmanaged-differs', changedFields: [] };
    default:
      return assertNever(intent);
  }
}

/** The primary contact's verdict: the same closed set (it has no `absent`). */
export function primaryVerdict(
  desired: DesiredPrimary,
  observed: ObservedPrimary | undefined,
  managed: boolean,
): ContactVerdict {
  if (observed === undefined) return { kind: 'not-read' };
  if (observed.kind === 'error') return { kind: 'read-error', error: observed.error };
  const intent = desiredPrimaryItem(desired, observed.kind === 'present' ? observed.contact : null);
  switch (intent.action) {
    case 'noop':
      return managed ? { kind: 'in-sync' } : { kind: 'unmanaged-matches' };
    case 'create':
      return managed ? { kind: 'would-create' } : { kind: 'unmanaged-missing' };
    case 'incomplete':
      return managed
        ? {
            kind: 'cannot-create',
            missingFields: intent.missingFields,
            message: incompletePrimaryError(intent.missingFields).message,
          }
        : { kind: 'unmanaged-missing' };
    case 'update':
      return managed
        ? { kind: 'would-update', changedFields: intent.changedFields }
        : { kind: 'unmanaged-differs', changedFields: intent.changedFields };
    case 'delete':
      throw new Error('the primary contact cannot be deleted');
    default:
      return assertNever(intent);
  }
}

/** One field of one type: the desired value and the layer that decided it, and what the account holds. */
interface FieldExplanation {
  field: ItemField;
  /** null: the policy does not list the field; the account's own value is kept. */
  desired: string | null;
  /** `contacts.security`, `overrides.N`, `settings.createWith.security`, or `account` (not listed). */
  source: string;
  matched: string | null;
  current: string | null;
  inSync: boolean | null;
}

function explainFields(type: ContactType, desired: DesiredContact, observed: ObservedContact | undefined) {
  if (desired.kind === 'absent') return [];
  return explainFieldsOf(CONTACT_FIELDS, desired, observed, POLICY_KEY_BY_TYPE[type], normaliseField);
}

/** The primary contact's fields, like an alternate type's. */
function explainPrimaryFields(desired: DesiredPrimary, observed: ObservedPrimary | undefined) {
  return explainFieldsOf(PRIMARY_FIELDS, desired, observed, 'primary', normalisePrimaryField);
}

/**
 * Each field: the value the policy lists and the layer that set it, or "kept from the account" when it is
 * not listed — except that a contact the account does not have yet is created with createWith's value.
 */
function explainFieldsOf<F extends ItemField>(
  fieldNames: readonly F[],
  desired: DesiredFields<F>,
  observed: Observed<Partial<Record<F, string>>> | undefined,
  key: string,
  normalise: (field: F, value: string) => string,
): FieldExplanation[] {
  return fieldNames.map((field): FieldExplanation => {
    const have = observed?.kind === 'present' ? observed.contact[field] : undefined;
    const listed = desired.fields[field];
    const creating = desired.createWith[field];
    const createdFrom = desired.createWithSources[field];
    if (listed === undefined && observed?.kind === 'missing' && creating !== undefined && createdFrom) {
      return {
        field,
        desired: creating,
        source:
          createdFrom.layer === 'settings'
            ? `settings.createWith.${key}`
            : `overrides.${createdFrom.index}.createWith.${key}`,
        matched: createdFrom.layer === 'override' ? describeMatch(createdFrom.match) : null,
        current: null,
        inSync: null,
      };
    }
    const source = desired.sources[field];
    return {
      field,
      desired: listed ?? null,
      source:
        source.layer === 'override'
          ? `overrides.${source.index}`
          : source.layer === 'default'
            ? `contacts.${key}`
            : 'account',
      matched: source.layer === 'override' ? describeMatch(source.match) : null,
      current: have ?? null,
      inSync:
        have === undefined || listed === undefined
          ? null
          : normalise(field, have) === normalise(field, listed),
    };
  });
}

/** "Why does this account get this contact?": each field's desired value, the layer that decided it, and now. */
export function renderExplanation(
  e: Explanation,
  redactor: Redactor,
  style: Style = createStyle(false),
): string {
  const { account, decision } = e;
  const lines = [style.heading(`Account ${account.id} (${account.name}) — ${account.state}`)];
  if (account.ous !== undefined) {
    const path = account.ous.map((id) => ouLabel(id, e.ouNames)).join(' / ');
    lines.push(`  OUs:  ${account.ous.length === 0 ? '(root)' : path}`);
  }
  if (account.tags !== undefined) {
    const tags = Object.entries(account.tags).map(([k, v]) => `${k}=${v}`);
    lines.push(`  tags: ${tags.length === 0 ? '(none)' : tags.join(', ')}`);
  }
  if (decision.kind === 'manage') {
    lines.push('  Decision: managed');
  } else {
    const by = decision.match === undefined ? '' : ` (matched ${describeMatch(decision.match)})`;
    lines.push(`  Decision: ${style.dim(`skipped: ${describeReason(decision.reason)}${by}`)}`);
  }

  for (const [type, desired] of Object.entries(e.desired) as [ContactType, DesiredContact][]) {
    const observed = e.current[type];
    const verdict = contactVerdict(type, desired, observed, decision.kind === 'manage');
    lines.push('', `${style.heading(`${POLICY_KEY_BY_TYPE[type]} contact`)}${verdictText(verdict, style)}`);
    if (desired.kind === 'absent') {
      lines.push(`  absent  from ${describeSource(type, desired.source)}`);
      if (observed?.kind === 'present') {
        for (const field of CONTACT_FIELDS)
          lines.push(
            `  ${field.padEnd(5)}  current ${JSON.stringify(redactor.field(field, observed.contact[field]))}`,
          );
      }
      continue;
    }
    lines.push(...fieldLines(explainFields(type, desired, observed), 5, redactor, style));
  }
  if (e.primary !== undefined) {
    const { desired, current } = e.primary;
    const verdict = primaryVerdict(desired, current, decision.kind === 'manage');
    lines.push('', `${style.heading('primary contact')}${verdictText(verdict, style)}`);
    lines.push(...fieldLines(explainPrimaryFields(desired, current), 16, redactor, style));
  }
  return `${lines.join('\n')}\n`;
}

function fieldLines(fields: FieldExplanation[], width: number, redactor: Redactor, style: Style): string[] {
  const lines: string[] = [];
  for (const f of fields) {
    const shown = (value: string) => JSON.stringify(redactor.field(f.field, value));
    const from =
      f.source === 'account'
        ? 'kept from the account (not listed in the policy)'
        : f.matched === null
          ? f.source
          : `${f.source} (matched ${f.matched})`;
    lines.push(
      f.desired === null
        ? `  ${f.field.padEnd(width)}  ${from}`
        : `  ${f.field.padEnd(width)}  desired ${shown(f.desired)}  from ${from}`,
    );
    if (f.current !== null) {
      const mark =
        f.inSync === null ? '' : f.inSync ? `  ${style.dim('in sync')}` : `  ${style.update('differs')}`;
      lines.push(`  ${' '.repeat(width)}  current ${shown(f.current)}${mark}`);
    }
  }
  return lines;
}

function verdictText(v: ContactVerdict, style: Style): string {
  switch (v.kind) {
    case 'not-read':
      return ' (current value not read)';
    case 'read-error':
      return style.fail(` (current value could not be read: ${v.error.code}: ${v.error.message})`);
    case 'would-create':
      return `: none set — ${style.create('would be created')}`;
    case 'cannot-create':
      return `: none set — ${style.fail(`cannot be created: ${v.message}`)}`;
    case 'unmanaged-missing':
      return ': none set';
    case 'would-update':
      return `: ${style.update(`would be updated (${v.changedFields.join(', ')})`)}`;
    case 'would-delete':
      return `: absent — ${style.remove('would be deleted')}`;
    case 'in-sync':
      return `: ${style.dim('in sync')}`;
    case 'absent-in-sync':
      return `: absent — none set, ${style.dim('in sync')}`;
    case 'unmanaged-differs':
      return ': differs (not managed)';
    case 'unmanaged-matches':
      return ': matches the policy';
    default:
      return assertNever(v);
  }
}

function ouLabel(id: string, names: ReadonlyMap<string, string> | undefined): string {
  const name = names?.get(id);
  return name === undefined ? id : `${name} (${id})`;
}

export function describeSource(type: ContactType, source: FieldSource): string {
  switch (source.layer) {
    case 'default':
      return `contacts.${POLICY_KEY_BY_TYPE[type]}`;
    case 'override':
      return `overrides.${source.index} (matched ${describeMatch(source.match)})`;
    case 'account':
      return 'kept from the account (not listed in the policy)';
    default:
      return assertNever(source);
  }
}

/**
 * `enforce explain ID --output json`, version 1 (README "explain --output json"). Contact values go through
 * the redactor exactly as in the text view.
 */
export interface ExplanationJson {
  version: 1;
  account: {
    id: string;
    name: string;
    state: Account['state'];
    /** Top-down OU path; null when it was not read. `name` is null when Organizations gave none. */
    ous: { id: string; name: string | null }[] | null;
    tags: Record<string, string> | null;
  };
  decision:
    | { managed: true }
    | { managed: false; reason: string; description: string; matched: string | null };
  contacts: {
    type: ContactType;
    /** The key in the policy file: security, billing, operations. */
    policyKey: string;
    /** `absent`: the policy wants no contact of this type; `fields`: these fields. */
    rule: DesiredContact['kind'];
    verdict: ContactVerdict['kind'];
    /** Fields that differ from the policy (for would-update and unmanaged-differs; otherwise []). */
    changedFields: ItemField[];
    /** The read failure, for verdict read-error; otherwise null. */
    error: ItemError | null;
    /** Per field: `desired` null means not listed in the policy (kept from the account). */
    fields: FieldExplanation[];
  }[];
  /** The primary contact, when the policy manages it; otherwise null. */
  primary: {
    verdict: ContactVerdict['kind'];
    changedFields: ItemField[];
    error: ItemError | null;
    fields: FieldExplanation[];
  } | null;
}

export function explanationJson(e: Explanation, redactor: Redactor): ExplanationJson {
  const { account, decision } = e;
  const masked = (field: ItemField, value: string | null) =>
    value === null ? null : redactor.field(field, value);
  const maskedFields = (fields: FieldExplanation[]) =>
    fields.map((f) => ({ ...f, desired: masked(f.field, f.desired), current: masked(f.field, f.current) }));
  const primary =
    e.primary === undefined
      ? undefined
      : {
          ...e.primary,
          verdict: primaryVerdict(e.primary.desired, e.primary.current, decision.kind === 'manage'),
        };
  return {
    version: 1,
    account: {
      id: account.id,
      name: account.name,
      state: account.state,
      ous: account.ous?.map((id) => ({ id, name: e.ouNames?.get(id) ?? null })) ?? null,
      tags: account.tags === undefined ? null : { ...account.tags },
    },
    decision:
      decision.kind === 'manage'
        ? { managed: true }
        : {
            managed: false,
            reason: decision.reason,
            description: describeReason(decision.reason),
            matched: decision.match === undefined ? null : describeMatch(decision.match),
          },
    contacts: (Object.entries(e.desired) as [ContactType, DesiredContact][]).map(([type, desired]) => {
      const observed = e.current[type];
      const verdict = contactVerdict(type, desired, observed, decision.kind === 'manage');
      return {
        type,
        policyKey: POLICY_KEY_BY_TYPE[type],
        rule: desired.kind,
        verdict: verdict.kind,
        changedFields: 'changedFields' in verdict ? verdict.changedFields : [],
        error: verdict.kind === 'read-error' ? verdict.error : null,
        fields: maskedFields(explainFields(type, desired, observed)),
      };
    }),
    primary:
      primary === undefined
        ? null
        : {
            verdict: primary.verdict.kind,
            changedFields: 'changedFields' in primary.verdict ? primary.verdict.changedFields : [],
            error: primary.verdict.kind === 'read-error' ? primary.verdict.error : null,
            fields: maskedFields(explainPrimaryFields(primary.desired, primary.current)),
          },
  };
}

export function renderExplanationJson(e: Explanation, redactor: Redactor): string {
  return `${JSON.stringify(explanationJson(e, redactor), null, 2)}\n`;
}
