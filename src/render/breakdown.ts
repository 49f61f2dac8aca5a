import type { Reason, RunReport } from '../core/types.js';
import { NOT_WRITTEN_REASONS, SKIP_REASONS } from '../core/types.js';

/** Contacts (account × type items) and the accounts they belong to, for one reason. */
export interface ReasonCount {
  reason: Reason;
  contacts: number;
  accounts: number;
}

/**
 * Items not managed (decided skips) and planned writes not made, by reason, in a fixed order. Each group
 * adds up to its total in the summary line, so every view can show both and they agree.
 */
export function reasonBreakdown(report: RunReport): {
  notManaged: ReasonCount[];
  notWritten: ReasonCount[];
  alreadyInSync: ReasonCount[];
} {
  const byReason = new Map<Reason, { contacts: number; accounts: Set<string> }>();
  for (const account of report.accounts) {
    for (const item of account.items) {
      if (item.reason === null) continue;
      const entry = byReason.get(item.reason) ?? { contacts: 0, accounts: new Set<string>() };
      entry.contacts += 1;
      entry.accounts.add(account.accountId);
      byReason.set(item.reason, entry);
    }
  }
  const counts = (reasons: readonly Reason[]) =>
    reasons.flatMap((reason) => {
      const entry = byReason.get(reason);
      return entry === undefined ? [] : [{ reason, contacts: entry.contacts, accounts: entry.accounts.size }];
    });
  // A saved-plan write found already in sync counts as in sync, not as a write that was not made.
  return {
    notManaged: counts(SKIP_REASONS),
    notWritten: counts(NOT_WRITTEN_REASONS.filter((r) => r !== 'already-in-sync')),
    alreadyInSync: counts(['already-in-sync']),
  };
}

export function total(counts: readonly ReasonCount[]): number {
  return counts.reduce((sum, c) => sum + c.contacts, 0);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `118 contacts in 40 accounts`: the units every summary line names. */
export function unitsOf(report: RunReport): string {
  return `${plural(report.summary.items, 'contact')} in ${plural(report.summary.accounts, 'account')}`;
}

/**
 * The one-line summary. Dry-run: create + update + in sync + skipped + failed = contacts. Apply: applied
 * + not written + in sync + skipped + failed = contacts, where "not written" are planned writes that were
 * not made (stale, max-changes, interrupted, …) and "in sync" includes saved-plan items already in sync.
 */
/**
 * The summary's `skipped` counts every item reported skipped; the views count planned writes that were
 * not made apart from decided skips, so that each breakdown adds up to its own total.
 */
export function viewCounts(report: RunReport): { skipped: number; notWritten: number } {
  const s = report.summary;
  const notWritten = NOT_WRITTEN_REASONS.filter((r) => r !== 'already-in-sync').reduce(
    (sum, r) => sum + s.notWritten[r],
    0,
  );
  return { skipped: s.skipped - notWritten, notWritten };
}

export function summaryLine(report: RunReport): string {
  const s = report.summary;
  const { skipped, notWritten } = viewCounts(report);
  if (report.mode === 'apply') {
    return `Apply: ${s.applied} applied, ${notWritten} not written, ${s.inSync} in sync, ${skipped} skipped, ${s.failed} failed (${unitsOf(report)}).`;
  }
  // Deletes are named only when there are some, so plans without `absent` read as before.
  const deletes = s.delete > 0 ? `, ${s.delete} to delete` : '';
  return `Plan: ${s.create} to create, ${s.update} to update${deletes}, ${s.inSync} in sync, ${skipped} skipped, ${s.failed} failed (${unitsOf(report)}).`;
}
