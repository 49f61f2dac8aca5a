import { assertNever } from '../core/plan.js';
import type { Redactor } from '../core/redact.js';
import { CONTACT_FIELDS, type Plan, type PlanItem, type Result } from '../core/types.js';
import { describeReason } from './reasons.js';

/**
 * The human view of a plan, in the manner of `terraform plan`: a legend, one block per account with
 * something to say (create, update, error, or a write that was refused), sorted by account id, then
 * skipped accounts grouped by reason, then one summary line. No-ops are counted, not listed.
 */
export function renderText(plan: Plan, redactor: Redactor): string {
  const lines: string[] = [];
  const q = (field: (typeof CONTACT_FIELDS)[number], value: string) =>
    JSON.stringify(redactor.field(field, value));
  const applying = plan.mode === 'apply';

  lines.push(
    `enforce ${plan.mode} — organization ${plan.organization.id} (management account ${plan.organization.managementAccountId})`,
    '',
    'Symbols:  + create   ~ update   ! failed',
    '',
  );

  let blocks = 0;
  for (const account of plan.accounts) {
    const shown = account.items.filter((item) => item.action !== 'noop' && item.action !== 'skip');
    if (shown.length === 0) continue;
    blocks += 1;
    lines.push(`  # ${account.accountId} (${account.accountName})`);
    for (const item of shown) {
      lines.push(`  ${symbol(item)} ${item.type.toLowerCase()} contact ${outcome(item, applying)}`);
      if (item.action === 'create' && item.after) {
        for (const f of CONTACT_FIELDS) lines.push(`      + ${`${f}:`.padEnd(6)} ${q(f, item.after[f])}`);
      }
      if (item.action === 'update' && item.before && item.after) {
        for (const f of item.changedFields) {
          lines.push(`      ~ ${`${f}:`.padEnd(6)} ${q(f, item.before[f])} → ${q(f, item.after[f])}`);
        }
      }
    }
    lines.push('');
  }
  if (blocks === 0) lines.push('No drift: every managed contact matches the policy.', '');

  const skipped = countSkipped(plan);
  if (skipped.size > 0) {
    lines.push('Skipped:');
    for (const [reason, count] of skipped) lines.push(`  ${count} × ${describeReason(reason)}`);
    lines.push('');
  }
  lines.push(summaryLine(plan));
  return `${lines.join('\n')}\n`;
}

function symbol(item: PlanItem): string {
  if (item.result === 'failed') return '!';
  return item.action === 'create' ? '+' : '~';
}

function outcome(item: PlanItem, applying: boolean): string {
  const verb = item.action === 'create' ? 'created' : 'updated';
  const result: Result = item.result;
  switch (result) {
    case 'planned':
      return `will be ${verb}`;
    case 'applied':
      return `has been ${verb}`;
    case 'failed':
      return item.action === 'error'
        ? `could not be read: ${item.error?.code}: ${item.error?.message}`
        : `could not be ${verb}: ${item.error?.code}: ${item.error?.message}`;
    case 'skipped':
      return `${applying ? 'was not' : 'will not be'} ${verb}: ${describeReason(item.reason)}`;
    case 'unchanged':
      return 'is in sync';
    default:
      return assertNever(result);
  }
}

function countSkipped(plan: Plan): Map<string, number> {
  const counts = new Map<string, number>();
  for (const account of plan.accounts) {
    for (const item of account.items) {
      if (item.action !== 'skip') continue;
      const reason = item.reason ?? 'unknown';
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  return counts;
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.mode === 'apply') {
    return `Apply: ${s.applied} applied (of ${s.create} to create, ${s.update} to update), ${s.inSync} in sync, ${s.skipped} skipped, ${s.failed} failed.`;
  }
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.inSync} in sync, ${s.skipped} skipped, ${s.failed} failed.`;
}
