import { isWriteAction } from '../core/plan.js';
import type { Redactor } from '../core/redact.js';
import { fieldsOf, fieldValue, type ItemField, type ReportItem, type RunReport } from '../core/types.js';
import { plural, type ReasonCount, reasonBreakdown, summaryLine, viewCounts } from './breakdown.js';
import { escapeMarkdown as md } from './markdown-escape.js';
import { describeReason } from './reasons.js';
import { memberRoleLine, runNotes } from './run-notes.js';

/**
 * The GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`): counts, a table of drift by account and type,
 * warnings, and what was not managed or not written, by reason. Values go through the redactor like every
 * other output, and everything that came from AWS or the policy is escaped (member accounts choose their
 * own contact names: they must not become links or HTML here).
 */
export function renderMarkdown(report: RunReport, redactor: Redactor): string {
  const s = report.summary;
  const counts = viewCounts(report);
  const title = report.mode === 'apply' ? 'enforce apply' : 'enforce dry-run';
  const lines = [
    `## ${title}: alternate contacts of ${md(report.organization.id)}`,
    '',
    `**${md(summaryLine(report))}**`,
    '',
    '| contacts | accounts | to create | to update | in sync | skipped | failed | applied | not written |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${s.items} | ${s.accounts} | ${s.create} | ${s.update} | ${s.inSync} | ${counts.skipped} | ${s.failed} | ${s.applied} | ${counts.notWritten} |`,
    '',
  ];

  // Issue 13: where the facts came from (a snapshot's age, member roles and every fallback).
  const notes = runNotes(report);
  const roles = memberRoleLine(notes);
  if (notes.snapshot !== null) lines.push(`> ${md(notes.snapshot)}`, '');
  if (roles !== null) lines.push(md(roles), '');
  if (notes.fallbacks.length > 0) lines.push(...notes.fallbacks.map((f) => `- ${md(f)}`), '');

  if (report.warnings.length + report.notChecked.length > 0) {
    lines.push('### Warnings', '');
    for (const w of report.warnings) lines.push(`- ${md(w.path)}: ${md(w.message)}`);
    for (const n of report.notChecked)
      lines.push(`- not checked: ${md(n.paths.join(', '))}: ${md(n.message)}`);
    lines.push('');
  }

  const items = report.accounts.flatMap((a) => a.items.map((item) => ({ name: a.accountName, item })));
  const drift = items.filter(({ item }) => isWriteAction(item.action) && item.result !== 'unchanged');
  if (drift.length > 0) {
    lines.push('### Drift', '', '| account | type | action | result | changes |', '|---|---|---|---|---|');
    for (const { name, item } of drift) {
      lines.push(
        `| ${md(`${item.accountId} (${name})`)} | ${item.type} | ${item.action} | ${item.result} | ${changes(item, redactor)} |`,
      );
    }
    lines.push('');
  } else {
    lines.push('No drift: every managed contact matches the policy.', '');
  }

  const failures = items.filter(({ item }) => item.result === 'failed');
  if (failures.length > 0) {
    lines.push('### Failures', '', '| account | type | error |', '|---|---|---|');
    for (const { name, item } of failures) {
      const error = item.error ? `${item.error.code}: ${item.error.message}` : 'unknown error';
      lines.push(`| ${md(`${item.accountId} (${name})`)} | ${item.type} | ${md(error)} |`);
    }
    lines.push('');
  }

  const { notManaged, notWritten, alreadyInSync } = reasonBreakdown(report);
  pushCounts(lines, 'Not managed', notManaged);
  pushCounts(lines, report.mode === 'apply' ? 'Not written' : 'Will not be written', notWritten);
  pushCounts(lines, 'Already in sync (counted in sync)', alreadyInSync);
  const unwritten = items.filter(({ item }) => item.result === 'skipped' && item.action !== 'skip');
  if (unwritten.length > 0) {
    lines.push('| account | type | reason |', '|---|---|---|');
    for (const { name, item } of unwritten)
      lines.push(
        `| ${md(`${item.accountId} (${name})`)} | ${item.type} | ${md(describeReason(item.reason))} |`,
      );
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function pushCounts(lines: string[], title: string, counts: readonly ReasonCount[]) {
  if (counts.length === 0) return;
  const contacts = counts.reduce((sum, c) => sum + c.contacts, 0);
  lines.push(`### ${title} (${plural(contacts, 'contact')})`, '');
  for (const c of counts)
    lines.push(
      `- ${plural(c.contacts, 'contact')} in ${plural(c.accounts, 'account')}: ${md(describeReason(c.reason))}`,
    );
  lines.push('');
}

function changes(item: ReportItem, redactor: Redactor): string {
  const { before, after } = item;
  const value = (f: ItemField, v: Parameters<typeof fieldValue>[0]) =>
    md(redactor.field(f, fieldValue(v, f)));
  // A delete lists what is removed; a create what is written; an update what changes.
  if (after === null)
    return before === null
      ? ''
      : fieldsOf(item.type)
          .map((f) => `${f}: ${value(f, before)} → (deleted)`)
          .join('<br>');
  const fields = fieldsOf(item.type).filter((f) => fieldValue(after, f) !== '');
  if (before === null) return fields.map((f) => `${f}: ${value(f, after)}`).join('<br>');
  return item.changedFields.map((f) => `${f}: ${value(f, before)} → ${value(f, after)}`).join('<br>');
}
