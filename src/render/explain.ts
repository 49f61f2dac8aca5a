import type { AccountDecision, DesiredContact, FieldSource } from '../core/desired.js';
import { normaliseField } from '../core/normalise.js';
import type { Redactor } from '../core/redact.js';
import { describeMatch } from '../core/selector.js';
import {
  type Account,
  CONTACT_FIELDS,
  type ContactField,
  type ContactType,
  type ItemError,
  type ObservedContact,
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
}

/** How one contact compares with the policy: a closed set, shared by the text and JSON views. */
export type ContactVerdict =
  | { kind: 'would-create' }
  | { kind: 'would-update'; changedFields: ContactField[] }
  | { kind: 'in-sync' }
  | { kind: 'unmanaged-missing' }
  | { kind: 'unmanaged-differs'; changedFields: ContactField[] }
  | { kind: 'unmanaged-matches' }
  | { kind: 'not-read' }
  | { kind: 'read-error'; error: ItemError };

export function contactVerdict(
  desired: DesiredContact,
  observed: ObservedContact | undefined,
  managed: boolean,
): ContactVerdict {
  if (observed === undefined) return { kind: 'not-read' };
  switch (observed.kind) {
    case 'error':
      return { kind: 'read-error', error: observed.error };
    case 'missing':
      return managed ? { kind: 'would-create' } : { kind: 'unmanaged-missing' };
    case 'present': {
      const changedFields = CONTACT_FIELDS.filter(
        (f) => normaliseField(f, observed.contact[f]) !== normaliseField(f, desired.contact[f]),
      );
      if (changedFields.length === 0) return managed ? { kind: 'in-sync' } : { kind: 'unmanaged-matches' };
      return managed ? { kind: 'would-update', changedFields } : { kind: 'unmanaged-differs', changedFields };
    }
    default:
      return assertNever(observed);
  }
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
    const verdict = contactVerdict(desired, observed, decision.kind === 'manage');
    lines.push('', `${style.heading(`${POLICY_KEY_BY_TYPE[type]} contact`)}${verdictText(verdict, style)}`);
    for (const field of CONTACT_FIELDS) {
      const want = redactor.field(field, desired.contact[field]);
      lines.push(
        `  ${field.padEnd(5)}  desired ${JSON.stringify(want)}  from ${describeSource(type, desired.sources[field])}`,
      );
      if (observed?.kind === 'present') {
        const have = observed.contact[field];
        const same = normaliseField(field, have) === normaliseField(field, desired.contact[field]);
        lines.push(
          `         current ${JSON.stringify(redactor.field(field, have))}  ${same ? style.dim('in sync') : style.update('differs')}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function verdictText(v: ContactVerdict, style: Style): string {
  switch (v.kind) {
    case 'not-read':
      return ' (current value not read)';
    case 'read-error':
      return style.fail(` (current value could not be read: ${v.error.code}: ${v.error.message})`);
    case 'would-create':
      return `: none set — ${style.create('would be created')}`;
    case 'unmanaged-missing':
      return ': none set';
    case 'would-update':
      return `: ${style.update(`would be updated (${v.changedFields.join(', ')})`)}`;
    case 'in-sync':
      return `: ${style.dim('in sync')}`;
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
  if (source.layer === 'default') return `contacts.${POLICY_KEY_BY_TYPE[type]}`;
  return `overrides.${source.index} (matched ${describeMatch(source.match)})`;
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
    verdict: ContactVerdict['kind'];
    /** Fields that differ from the policy (for would-update and unmanaged-differs; otherwise []). */
    changedFields: ContactField[];
    /** The read failure, for verdict read-error; otherwise null. */
    error: ItemError | null;
    fields: {
      field: ContactField;
      desired: string;
      /** `contacts.security` or `overrides.N`. */
      source: string;
      /** What made override N apply (`OU ou-…`, `account …`, `tags k=v`); null for contacts.*. */
      matched: string | null;
      /** The current value; null when there is none or it was not read. */
      current: string | null;
      inSync: boolean | null;
    }[];
  }[];
}

export function explanationJson(e: Explanation, redactor: Redactor): ExplanationJson {
  const { account, decision } = e;
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
      const verdict = contactVerdict(desired, observed, decision.kind === 'manage');
      return {
        type,
        policyKey: POLICY_KEY_BY_TYPE[type],
        verdict: verdict.kind,
        changedFields: 'changedFields' in verdict ? verdict.changedFields : [],
        error: verdict.kind === 'read-error' ? verdict.error : null,
        fields: CONTACT_FIELDS.map((field) => {
          const source = desired.sources[field];
          const have = observed?.kind === 'present' ? observed.contact[field] : undefined;
          return {
            field,
            desired: redactor.field(field, desired.contact[field]),
            source:
              source.layer === 'default'
                ? `contacts.${POLICY_KEY_BY_TYPE[type]}`
                : `overrides.${source.index}`,
            matched: source.layer === 'default' ? null : describeMatch(source.match),
            current: have === undefined ? null : redactor.field(field, have),
            inSync:
              have === undefined
                ? null
                : normaliseField(field, have) === normaliseField(field, desired.contact[field]),
          };
        }),
      };
    }),
  };
}

export function renderExplanationJson(e: Explanation, redactor: Redactor): string {
  return `${JSON.stringify(explanationJson(e, redactor), null, 2)}\n`;
}

/** Local until the project has a shared one: a new verdict or observation kind is a compile error here. */
function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
