// Reads the CLI's three views of one run (text on stdout, the JSON document, the GitHub step summary) back
// into numbers, and checks that each view's counts add up: the summary line to its contacts total, every
// breakdown to its heading and to the summary line, the JSON summary to its items.
//
// No vitest here: each check returns a list of problems (empty when the view adds up), so a failing test
// shows every discrepancy at once with `expect(problems).toEqual([])`.

import type { ReportItem, RunReport } from '../../src/core/types.js';

/** The numbers of one summary line: `Plan: 3 to create, …` or `Apply: 4 applied, …`. */
export interface SummaryLineCounts {
  mode: 'dry-run' | 'apply';
  create?: number;
  update?: number;
  applied?: number;
  notWritten?: number;
  inSync: number;
  skipped: number;
  failed: number;
  contacts: number;
  accounts: number;
}

const PLAN_LINE =
  /^Plan: (\d+) to create, (\d+) to update, (\d+) in sync, (\d+) skipped, (\d+) failed \((\d+) contacts? in (\d+) accounts?\)\.$/;
const APPLY_LINE =
  /^Apply: (\d+) applied, (\d+) not written, (\d+) in sync, (\d+) skipped, (\d+) failed \((\d+) contacts? in (\d+) accounts?\)\.$/;

export function parseSummaryLine(line: string): SummaryLineCounts | undefined {
  const plan = PLAN_LINE.exec(line);
  if (plan) {
    const [create, update, inSync, skipped, failed, contacts, accounts] = plan.slice(1).map(Number);
    return {
      mode: 'dry-run',
      create,
      update,
      inSync: inSync!,
      skipped: skipped!,
      failed: failed!,
      contacts: contacts!,
      accounts: accounts!,
    };
  }
  const apply = APPLY_LINE.exec(line);
  if (apply) {
    const [applied, notWritten, inSync, skipped, failed, contacts, accounts] = apply.slice(1).map(Number);
    return {
      mode: 'apply',
      applied,
      notWritten,
      inSync: inSync!,
      skipped: skipped!,
      failed: failed!,
      contacts: contacts!,
      accounts: accounts!,
    };
  }
  return undefined;
}

/** The parts of a summary line that must add up to its contacts total. */
function summaryLineProblems(counts: SummaryLineCounts, where: string): string[] {
  const parts =
    counts.mode === 'apply'
      ? [counts.applied!, counts.notWritten!, counts.inSync, counts.skipped, counts.failed]
      : [counts.create!, counts.update!, counts.inSync, counts.skipped, counts.failed];
  const sum = parts.reduce((a, b) => a + b, 0);
  return sum === counts.contacts
    ? []
    : [`${where}: the summary line's parts add up to ${sum}, but it says ${counts.contacts} contacts`];
}

/** One line of a breakdown: `  4 contacts in 2 accounts: excluded by scope.exclude`. */
export interface BreakdownLine {
  contacts: number;
  accounts: number;
  reason: string;
}

/** A breakdown block: its heading's title and total, and its lines. */
export interface Breakdown {
  title: string;
  total: number;
  lines: BreakdownLine[];
}

const BREAKDOWN_LINE = /^(\d+) contacts? in (\d+) accounts?: (.+)$/;

function breakdownProblems(blocks: readonly Breakdown[], where: string): string[] {
  const problems: string[] = [];
  for (const block of blocks) {
    const sum = block.lines.reduce((n, line) => n + line.contacts, 0);
    if (sum !== block.total)
      problems.push(`${where}: "${block.title}" says ${block.total} contacts but its lines add up to ${sum}`);
    for (const line of block.lines) {
      // An account holds at most three alternate contacts: more contacts than that per account is a unit error.
      if (line.accounts > line.contacts || line.contacts > 3 * line.accounts)
        problems.push(
          `${where}: "${block.title}": ${line.contacts} contacts in ${line.accounts} accounts cannot be (${line.reason})`,
        );
    }
  }
  return problems;
}

const totalOf = (blocks: readonly Breakdown[], title: RegExp) =>
  blocks.filter((b) => title.test(b.title)).reduce((n, b) => n + b.total, 0);

/** Breakdown totals against the summary line: not managed = skipped, not written = not written. */
function breakdownAgainstSummary(
  blocks: readonly Breakdown[],
  counts: SummaryLineCounts,
  where: string,
): string[] {
  const problems: string[] = [];
  const notManaged = totalOf(blocks, /^Not managed$/);
  if (notManaged !== counts.skipped)
    problems.push(
      `${where}: "Not managed" lists ${notManaged} contacts, the summary line says ${counts.skipped} skipped`,
    );
  const notWritten = totalOf(blocks, /^(Not written|Will not be written)$/);
  if (notWritten !== (counts.notWritten ?? 0))
    problems.push(
      `${where}: "Not written" lists ${notWritten} contacts, the summary line says ${counts.notWritten ?? 0} not written`,
    );
  const alreadyInSync = totalOf(blocks, /^Already in sync/);
  if (alreadyInSync > counts.inSync)
    problems.push(
      `${where}: "Already in sync" lists ${alreadyInSync} contacts, more than the ${counts.inSync} in sync`,
    );
  const known = /^(Not managed|Not written|Will not be written|Already in sync.*)$/;
  for (const b of blocks) if (!known.test(b.title)) problems.push(`${where}: unknown breakdown "${b.title}"`);
  return problems;
}

// --- the text view ---------------------------------------------------------------------------------------

export interface TextView {
  summary: SummaryLineCounts | undefined;
  summaryLine: string;
  breakdowns: Breakdown[];
  /** The lines of the `Warnings:` block, without their indent. */
  warnings: string[];
}

const TEXT_HEADING = /^(.+?) \((\d+) contacts?\):$/;

export function parseTextView(stdout: string): TextView {
  const lines = stdout.split('\n');
  const summaryLine = lines.find((line) => /^(Plan|Apply): /.test(line)) ?? '';
  const breakdowns: Breakdown[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const heading = TEXT_HEADING.exec(lines[i]!);
    if (heading) {
      const block: Breakdown = { title: heading[1]!, total: Number(heading[2]), lines: [] };
      for (i += 1; i < lines.length && lines[i]!.startsWith('  '); i++) {
        const line = BREAKDOWN_LINE.exec(lines[i]!.trim());
        block.lines.push(
          line
            ? { contacts: Number(line[1]), accounts: Number(line[2]), reason: line[3]! }
            : { contacts: Number.NaN, accounts: Number.NaN, reason: lines[i]!.trim() },
        );
      }
      breakdowns.push(block);
      i -= 1;
    } else if (lines[i] === 'Warnings:') {
      for (i += 1; i < lines.length && lines[i]!.startsWith('  '); i++) warnings.push(lines[i]!.trim());
      i -= 1;
    }
  }
  return { summary: parseSummaryLine(summaryLine), summaryLine, breakdowns, warnings };
}

export function textCountProblems(stdout: string): string[] {
  const view = parseTextView(stdout);
  if (view.summary === undefined) return [`text: no summary line with units found in:\n${stdout}`];
  return [
    ...summaryLineProblems(view.summary, 'text'),
    ...breakdownProblems(view.breakdowns, 'text'),
    ...breakdownAgainstSummary(view.breakdowns, view.summary, 'text'),
  ];
}

// --- the JSON document -----------------------------------------------------------------------------------

const RESULTS = ['planned', 'applied', 'failed', 'skipped', 'unchanged'] as const;
const WRITE_REASONS = ['stale', 'max-changes', 'interrupted', 'audit-log-failed'];

export function allItems(report: Pick<RunReport, 'accounts'>): ReportItem[] {
  return report.accounts.flatMap((account) => account.items);
}

/**
 * summary.items is the number of items; the results partition them and each result's count is the
 * summary's; create/update count actions; notWritten counts planned writes not made, by reason.
 */
export function jsonCountProblems(report: RunReport): string[] {
  const problems: string[] = [];
  const s = report.summary;
  const items = allItems(report);
  const count = (test: (item: ReportItem) => boolean) => items.filter(test).length;
  if (s.accounts !== report.accounts.length)
    problems.push(`json: summary.accounts ${s.accounts} but ${report.accounts.length} accounts are listed`);
  if (s.items !== items.length) problems.push(`json: summary.items ${s.items} but ${items.length} items`);
  const byResult = Object.fromEntries(RESULTS.map((r) => [r, count((i) => i.result === r)]));
  const partition = RESULTS.reduce((n, r) => n + byResult[r]!, 0);
  if (partition !== items.length)
    problems.push(`json: results cover ${partition} of ${items.length} items (unknown result)`);
  const pairs: [string, number, number][] = [
    ['applied', s.applied, byResult.applied!],
    ['failed', s.failed, byResult.failed!],
    ['skipped', s.skipped, byResult.skipped!],
    ['inSync', s.inSync, byResult.unchanged!],
    ['create', s.create, count((i) => i.action === 'create')],
    ['update', s.update, count((i) => i.action === 'update')],
  ];
  for (const [name, summary, counted] of pairs)
    if (summary !== counted) problems.push(`json: summary.${name} ${summary} but ${counted} items`);
  const isWrite = (i: ReportItem) => i.action === 'create' || i.action === 'update';
  for (const [reason, n] of Object.entries(s.notWritten)) {
    const counted = count((i) => isWrite(i) && i.reason === reason);
    if (n !== counted) problems.push(`json: summary.notWritten.${reason} ${n} but ${counted} items`);
  }
  if (report.mode === 'apply' && byResult.planned! > 0)
    problems.push(`json: an apply left ${byResult.planned} items "planned"`);
  if (report.mode === 'dry-run' && byResult.planned !== s.create + s.update)
    problems.push(`json: ${byResult.planned} planned items but ${s.create + s.update} creates and updates`);
  for (const i of items) {
    const key = `${i.accountId}/${i.type}`;
    if (i.result === 'skipped' && i.reason === null) problems.push(`json: ${key} skipped without a reason`);
    if (i.action === 'skip' && i.result !== 'skipped') problems.push(`json: ${key} skip but ${i.result}`);
    if (i.result === 'skipped' && isWrite(i) && !WRITE_REASONS.includes(i.reason ?? ''))
      problems.push(`json: ${key}: planned write not made for ${i.reason}, not a not-written reason`);
    if (i.reason === 'already-in-sync' && i.result !== 'unchanged')
      problems.push(`json: ${key} already-in-sync but ${i.result}`);
  }
  return problems;
}

// --- the step summary ------------------------------------------------------------------------------------

/** Reverses src/render/markdown-escape.ts: what a reader of the rendered summary sees. */
export function unescapeMarkdown(text: string): string {
  return text.replace(/&(lt|gt|amp|#8203);|\\([!-/:-@[-`{-~])/g, (_, entity?: string, char?: string) => {
    if (char !== undefined) return char;
    return entity === 'lt' ? '<' : entity === 'gt' ? '>' : entity === 'amp' ? '&' : '';
  });
}

export interface MarkdownView {
  summary: SummaryLineCounts | undefined;
  /** The bold summary line, unescaped. */
  summaryLine: string;
  /** The counts table's one row, by column heading. */
  table: Record<string, number>;
  breakdowns: Breakdown[];
  /** The `### Warnings` list items, unescaped. */
  warnings: string[];
}

const MD_HEADING = /^### (.+?) \((\d+) contacts?\)$/;

/** One run's part of a step summary file (the file is appended to: pass the part of one run). */
export function parseMarkdownView(markdown: string): MarkdownView {
  const lines = markdown.split('\n');
  const bold = lines.find((line) => /^\*\*.*\*\*$/.test(line)) ?? '';
  const summaryLine = unescapeMarkdown(bold.slice(2, -2));
  const table: Record<string, number> = {};
  const header = lines.findIndex((line) => line.startsWith('| contacts |'));
  if (header >= 0) {
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
    const names = cells(lines[header]!);
    const values = cells(lines[header + 2] ?? '');
    names.forEach((name, i) => {
      table[name] = Number(values[i]);
    });
  }
  const breakdowns: Breakdown[] = [];
  const warnings: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const heading = MD_HEADING.exec(lines[i]!);
    const isWarnings = lines[i] === '### Warnings';
    if (!heading && !isWarnings) continue;
    const block: Breakdown = { title: heading?.[1] ?? '', total: Number(heading?.[2]), lines: [] };
    let j = i + 1;
    if (lines[j] === '') j += 1;
    for (; j < lines.length && lines[j]!.startsWith('- '); j++) {
      const text = unescapeMarkdown(lines[j]!.slice(2));
      if (isWarnings) {
        warnings.push(text);
        continue;
      }
      const line = BREAKDOWN_LINE.exec(text);
      block.lines.push(
        line
          ? { contacts: Number(line[1]), accounts: Number(line[2]), reason: line[3]! }
          : { contacts: Number.NaN, accounts: Number.NaN, reason: text },
      );
    }
    if (heading) breakdowns.push(block);
    i = j - 1;
  }
  return { summary: parseSummaryLine(summaryLine), summaryLine, table, breakdowns, warnings };
}

/** The summary line's parts add up; the counts table says what it says; the breakdowns add up. */
export function markdownCountProblems(markdown: string): string[] {
  const view = parseMarkdownView(markdown);
  const s = view.summary;
  if (s === undefined) return [`markdown: no summary line with units found in:\n${markdown}`];
  const problems = [
    ...summaryLineProblems(s, 'markdown'),
    ...breakdownProblems(view.breakdowns, 'markdown'),
    ...breakdownAgainstSummary(view.breakdowns, s, 'markdown'),
  ];
  const expected: Record<string, number | undefined> = {
    contacts: s.contacts,
    accounts: s.accounts,
    'in sync': s.inSync,
    skipped: s.skipped,
    failed: s.failed,
    ...(s.mode === 'apply'
      ? { applied: s.applied, 'not written': s.notWritten }
      : { 'to create': s.create, 'to update': s.update, applied: 0, 'not written': 0 }),
  };
  for (const [column, value] of Object.entries(expected)) {
    if (!(column in view.table)) problems.push(`markdown: the counts table has no "${column}" column`);
    else if (view.table[column] !== value)
      problems.push(
        `markdown: the counts table says ${column} ${view.table[column]}, the summary line ${value}`,
      );
  }
  return problems;
}
