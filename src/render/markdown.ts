import type { Redactor } from '../core/redact.js';
import { CONTACT_FIELDS, type Plan, type PlanItem } from '../core/types.js';
import { describeReason } from './reasons.js';
import { summaryLine } from './text.js';

/**
 * The GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`): counts, a table of drift by account and type,
 * and failures with their reasons. Values go through the redactor like every other output.
 */
export function renderMarkdown(plan: Plan, redactor: Redactor): string {
  const s = plan.summary;
  const title = plan.mode === 'apply' ? 'enforce apply' : 'enforce dry-run';
  const lines = [
    `## ${title}: alternate contacts of ${plan.organization.id}`,
    '',
    `**${summaryLine(plan)}**`,
    '',
    '| accounts | to create | to update | in sync | skipped | failed | applied |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    `| ${s.accounts} | ${s.create} | ${s.update} | ${s.inSync} | ${s.skipped} | ${s.failed} | ${s.applied} |`,
    '',
  ];

  const items = plan.accounts.flatMap((a) => a.items.map((item) => ({ name: a.accountName, item })));
  const drift = items.filter(({ item }) => item.action === 'create' || item.action === 'update');
  if (drift.length > 0) {
    lines.push('### Drift', '', '| account | type | action | result | changes |', '|---|---|---|---|---|');
    for (const { name, item } of drift) {
      lines.push(
        `| ${cell(`${item.accountId} (${name})`)} | ${item.type} | ${item.action} | ${item.result} | ${cell(changes(item, redactor))} |`,
      );
    }
    lines.push('');
  } else {
    lines.push('No drift: every managed contact matches the policy.', '');
  }

  // Failed items, and writes that were planned but not made (stale, max-changes, interrupted).
  const failures = items.filter(
    ({ item }) => item.result === 'failed' || (item.result === 'skipped' && item.action !== 'skip'),
  );
  if (failures.length > 0) {
    lines.push('### Failures', '', '| account | type | reason |', '|---|---|---|');
    for (const { name, item } of failures) {
      const reason = item.error ? `${item.error.code}: ${item.error.message}` : describeReason(item.reason);
      lines.push(`| ${cell(`${item.accountId} (${name})`)} | ${item.type} | ${cell(reason)} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function changes(item: PlanItem, redactor: Redactor): string {
  const after = item.after;
  if (after === null) return '';
  if (item.before === null)
    return CONTACT_FIELDS.map((f) => `${f}: ${redactor.field(f, after[f])}`).join('<br>');
  const before = item.before;
  return item.changedFields
    .map((f) => `${f}: ${redactor.field(f, before[f])} → ${redactor.field(f, after[f])}`)
    .join('<br>');
}

/** Markdown table cells: pipes and newlines would break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
