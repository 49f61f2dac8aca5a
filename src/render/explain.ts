import type { AccountDecision, DesiredContact, FieldSource } from '../core/desired.js';
import { normaliseField } from '../core/normalise.js';
import { planItem } from '../core/plan.js';
import type { Redactor } from '../core/redact.js';
import { describeMatch } from '../core/selector.js';
import {
  type Account,
  CONTACT_FIELDS,
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
    lines.push(
      '',
      `${POLICY_KEY_BY_TYPE[type]} contact${verdict(account.id, type, desired, observed, decision)}`,
    );
    for (const field of CONTACT_FIELDS) {
      const want = redactor.field(field, desired.contact[field]);
      lines.push(
        `  ${field.padEnd(5)}  desired ${JSON.stringify(want)}  from ${describeSource(type, desired.sources[field])}`,
      );
      if (observed?.kind === 'present') {
        const have = observed.contact[field];
        const same = normaliseField(field, have) === normaliseField(field, desired.contact[field]);
        lines.push(
          `         current ${JSON.stringify(redactor.field(field, have))}  ${same ? 'in sync' : 'differs'}`,
        );
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

function verdict(
  accountId: string,
  type: ContactType,
  desired: DesiredContact,
  observed: ObservedContact | undefined,
  decision: AccountDecision,
): string {
  if (observed === undefined) return ' (current value not read)';
  if (observed.kind === 'error')
    return ` (current value could not be read: ${observed.error.code}: ${observed.error.message})`;
  if (observed.kind === 'missing')
    return decision.kind === 'manage' ? ': none set — would be created' : ': none set';
  const item = planItem(accountId, type, desired.contact, observed);
  if (decision.kind !== 'manage')
    return item.action === 'noop' ? ': matches the policy' : ': differs (not managed)';
  return item.action === 'update' ? `: would be updated (${item.changedFields.join(', ')})` : ': in sync';
}

export function describeSource(type: ContactType, source: FieldSource): string {
  if (source.layer === 'default') return `contacts.${POLICY_KEY_BY_TYPE[type]}`;
  return `overrides.${source.index} (matched ${describeMatch(source.match)})`;
}
