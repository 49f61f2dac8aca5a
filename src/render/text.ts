import { assertNever } from '../core/plan.js';
import type { Redactor } from '../core/redact.js';
import {
  fieldsOf,
  fieldValue,
  type ItemField,
  type ItemValues,
  type ReportItem,
  type Result,
  type RunReport,
} from '../core/types.js';
import { plural, type ReasonCount, reasonBreakdown, summaryLine } from './breakdown.js';
import { describeReason } from './reasons.js';
import { memberRoleLine, runNotes } from './run-notes.js';

/** How the text view marks symbols and headings; plain by default (pipes, NO_COLOR). */
export interface TextStyle {
  create(text: string): string;
  update(text: string): string;
  remove(text: string): string;
  fail(text: string): string;
  heading(text: string): string;
}

const plain = (text: string) => text;
export const PLAIN_STYLE: TextStyle = {
  create: plain,
  update: plain,
  remove: plain,
  fail: plain,
  heading: plain,
};

/**
 * The human view of a run, in the manner of `terraform plan`: a legend, one block per account with
 * something to say (create, update, error, or a write that was not made), sorted by account id, then
 * warnings, contacts not managed and writes not made by reason, then one summary line. No-ops are
 * counted, not listed.
 */
export function renderText(report: RunReport, redactor: Redactor, style: TextStyle = PLAIN_STYLE): string {
  const lines: string[] = [];
  const q = (field: ItemField, values: ItemValues) =>
    JSON.stringify(redactor.field(field, fieldValue(values, field)));
  const applying = report.mode === 'apply';

  lines.push(
    style.heading(
      `enforce ${report.mode} — organization ${report.organization.id} (management account ${report.organization.managementAccountId})`,
    ),
    '',
    `Symbols:  ${style.create('+')} create   ${style.update('~')} update   ${hasDeletes(report) ? `${style.remove('-')} delete   ` : ''}${style.fail('!')} failed`,
    '',
  );
  // Issue 13: where the facts came from (a snapshot's age, member roles and every fallback).
  const notes = runNotes(report);
  const roles = memberRoleLine(notes);
  if (notes.snapshot !== null) lines.push(notes.snapshot, '');
  if (roles !== null) lines.push(roles, ...notes.fallbacks.map((f) => `  ${f}`), '');

  let blocks = 0;
  for (const account of report.accounts) {
    const shown = account.items.filter(isShown);
    if (shown.length === 0) continue;
    blocks += 1;
    lines.push(style.heading(`  # ${account.accountId} (${account.accountName})`));
    for (const item of shown) {
      lines.push(`  ${symbol(item, style)} ${item.type.toLowerCase()} contact ${outcome(item, applying)}`);
      const label = (f: ItemField) => `${f}:`.padEnd(item.type === 'PRIMARY' ? 17 : 6);
      const { before, after } = item;
      if (item.action === 'create' && after) {
        // An optional primary field the contact does not set is not a value being written.
        for (const f of fieldsOf(item.type).filter((f) => fieldValue(after, f) !== ''))
          lines.push(`      ${style.create('+')} ${label(f)} ${q(f, after)}`);
      }
      if (item.action === 'update' && before && after) {
        for (const f of item.changedFields)
          lines.push(`      ${style.update('~')} ${label(f)} ${q(f, before)} → ${q(f, after)}`);
      }
      if (item.action === 'delete' && before) {
        for (const f of fieldsOf(item.type))
          lines.push(`      ${style.remove('-')} ${label(f)} ${q(f, before)}`);
      }
    }
    lines.push('');
  }
  if (blocks === 0) lines.push('No drift: every managed contact matches the policy.', '');

  if (report.warnings.length + report.notChecked.length > 0) {
    lines.push(style.heading('Warnings:'));
    for (const w of report.warnings) lines.push(`  ${w.path}: ${w.message}`);
    for (const n of report.notChecked) lines.push(`  not checked: ${n.paths.join(', ')}: ${n.message}`);
    lines.push('');
  }
  const { notManaged, notWritten, alreadyInSync } = reasonBreakdown(report);
  pushCounts(lines, 'Not managed', notManaged, style);
  pushCounts(lines, applying ? 'Not written' : 'Will not be written', notWritten, style);
  pushCounts(lines, 'Already in sync (counted in sync)', alreadyInSync, style);
  lines.push(summaryLine(report));
  return `${lines.join('\n')}\n`;
}

function pushCounts(lines: string[], title: string, counts: readonly ReasonCount[], style: TextStyle) {
  if (counts.length === 0) return;
  const contacts = counts.reduce((sum, c) => sum + c.contacts, 0);
  lines.push(style.heading(`${title} (${plural(contacts, 'contact')}):`));
  for (const c of counts) {
    lines.push(
      `  ${plural(c.contacts, 'contact')} in ${plural(c.accounts, 'account')}: ${describeReason(c.reason)}`,
    );
  }
  lines.push('');
}

/** The legend names `-` only when a plan deletes, so plans without `absent` read as they always did. */
function hasDeletes(report: RunReport): boolean {
  return report.accounts.some((a) => a.items.some((i) => i.action === 'delete'));
}

/** Writes (planned, made, failed or not made) and read errors get a block; in-sync and skipped do not. */
function isShown(item: ReportItem): boolean {
  switch (item.action) {
    case 'create':
    case 'update':
    case 'delete':
    case 'error':
      return item.result !== 'unchanged';
    case 'noop':
    case 'skip':
      return false;
    default:
      return assertNever(item.action);
  }
}

function symbol(item: ReportItem, style: TextStyle): string {
  if (item.result === 'failed') return style.fail('!');
  if (item.action === 'delete') return style.remove('-');
  return item.action === 'create' ? style.create('+') : style.update('~');
}

function outcome(item: ReportItem, applying: boolean): string {
  const verb = item.action === 'create' ? 'created' : item.action === 'delete' ? 'deleted' : 'updated';
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
