import {
  type AccountDecision,
  type CreateSource,
  type DesiredContact,
  desiredItem,
  type FieldSource,
} from '../core/desired.js';
import { normaliseField } from '../core/normalise.js';
import { incompleteError } from '../core/plan-contact.js';
import type { Redactor } from '../core/redact.js';
import { describeMatch } from '../core/selector.js';
import {
  type Account,
  CONTACT_FIELDS,
  type Contact,
  type ContactType,
  type ObservedContact,
  POLICY_KEY_BY_TYPE,
} from '../core/types.js';
import { describeReason } from './reasons.js';

export interface Explanation {
  account: Account;
  decision: AccountDecision;
  /** What each managed type would be, layer by layer, even when the account is skipped. */
  desired: Partial<Record<ContactType, DesiredContact>>;
  /** Current values; absent for types that were not read (accounts AWS would refuse to answer for). */
  current: Partial<Record<ContactType, ObservedContact>>;
}

/** "Why does this account get this contact?": each field's desired value, the layer that decided it, and now. */
export function renderExplanation(e: Explanation, redactor: Redactor): string {
  const { account, decision } = e;
  const lines = [`Account ${account.id} (${account.name}) — ${account.state}`];
  if (account.ous !== undefined)
    lines.push(`  OUs:  ${account.ous.length === 0 ? '(root)' : account.ous.join(' / ')}`);
  if (account.tags !== undefined) {
    const tags = Object.entries(account.tags).map(([k, v]) => `${k}=${v}`);
    lines.push(`  tags: ${tags.length === 0 ? '(none)' : tags.join(', ')}`);
  }
  if (decision.kind === 'manage') {
    lines.push('  Decision: managed');
  } else {
    const by = decision.match === undefined ? '' : ` (matched ${describeMatch(decision.match)})`;
    lines.push(`  Decision: skipped: ${describeReason(decision.reason)}${by}`);
  }

  for (const [type, desired] of Object.entries(e.desired) as [ContactType, DesiredContact][]) {
    const observed = e.current[type];
    const heading = `${POLICY_KEY_BY_TYPE[type]} contact`;
    if (desired.kind === 'absent') {
      lines.push('', `${heading}${absentVerdict(observed, decision)}`);
      lines.push(`  absent  from ${describeSource(type, desired.source)}`);
      if (observed?.kind === 'present') lines.push(...currentLines(observed.contact, redactor));
      continue;
    }
    lines.push('', `${heading}${verdict(type, desired, observed, decision)}`);
    for (const field of CONTACT_FIELDS) {
      const value = desired.fields[field];
      const have = observed?.kind === 'present' ? observed.contact[field] : undefined;
      const creating = desired.createWith[field];
      const createdFrom = desired.createWithSources[field];
      if (value === undefined && observed?.kind === 'missing' && creating !== undefined && createdFrom) {
        lines.push(
          `  ${field.padEnd(5)}  desired ${JSON.stringify(redactor.field(field, creating))}  from ${describeCreateSource(type, createdFrom)}`,
        );
        continue;
      }
      if (value === undefined) {
        lines.push(`  ${field.padEnd(5)}  ${describeSource(type, desired.sources[field])}`);
        if (have !== undefined) lines.push(`         current ${JSON.stringify(redactor.field(field, have))}`);
        continue;
      }
      lines.push(
        `  ${field.padEnd(5)}  desired ${JSON.stringify(redactor.field(field, value))}  from ${describeSource(type, desired.sources[field])}`,
      );
      if (have !== undefined) {
        const same = normaliseField(field, have) === normaliseField(field, value);
        lines.push(
          `         current ${JSON.stringify(redactor.field(field, have))}  ${same ? 'in sync' : 'differs'}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function currentLines(contact: Contact, redactor: Redactor): string[] {
  return CONTACT_FIELDS.map(
    (field) => `  ${field.padEnd(5)}  current ${JSON.stringify(redactor.field(field, contact[field]))}`,
  );
}

function absentVerdict(observed: ObservedContact | undefined, decision: AccountDecision): string {
  if (observed === undefined) return ': absent (current value not read)';
  if (observed.kind === 'error')
    return `: absent (current value could not be read: ${observed.error.code}: ${observed.error.message})`;
  if (observed.kind === 'missing') return ': absent — none set, in sync';
  return decision.kind === 'manage' ? ': absent — would be deleted' : ': absent — one is set (not managed)';
}

function verdict(
  type: ContactType,
  desired: Extract<DesiredContact, { kind: 'fields' }>,
  observed: ObservedContact | undefined,
  decision: AccountDecision,
): string {
  if (observed === undefined) return ' (current value not read)';
  if (observed.kind === 'error')
    return ` (current value could not be read: ${observed.error.code}: ${observed.error.message})`;
  const intent = desiredItem(desired, observed.kind === 'present' ? observed.contact : null);
  if (observed.kind === 'missing') {
    if (intent.action === 'incomplete')
      return `: none set — cannot be created: ${incompleteError(type, intent.missingFields).message}`;
    return decision.kind === 'manage' ? ': none set — would be created' : ': none set';
  }
  if (decision.kind !== 'manage')
    return intent.action === 'noop' ? ': matches the policy' : ': differs (not managed)';
  return intent.action === 'update' ? `: would be updated (${intent.changedFields.join(', ')})` : ': in sync';
}

export function describeSource(type: ContactType, source: FieldSource): string {
  switch (source.layer) {
    case 'default':
      return `contacts.${POLICY_KEY_BY_TYPE[type]}`;
    case 'override':
      return `overrides.${source.index} (matched ${describeMatch(source.match)})`;
    case 'account':
      return 'kept from the account (not listed in the policy)';
  }
}

/** Where a field used only to create a missing contact came from. */
export function describeCreateSource(type: ContactType, source: CreateSource): string {
  const key = POLICY_KEY_BY_TYPE[type];
  return source.layer === 'settings'
    ? `settings.createWith.${key}`
    : `overrides.${source.index}.createWith.${key} (matched ${describeMatch(source.match)})`;
}
