import type { RunReport } from '../core/types.js';
import { describeAgeSeconds } from '../state/snapshot.js';

/**
 * Lines about how a run got its facts, for the text plan's header and the step summary (issue 13): the
 * snapshot a `--from-state` plan was made from and its age, and in member-role mode each account reached
 * through the organization path instead of its member role (never silently).
 */
export interface RunNotes {
  snapshot: string | null;
  /** One line per account that fell back to the organization path, by account id. */
  fallbacks: string[];
  /** How many accounts were read from inside through their member role. */
  viaMember: number;
}

export function runNotes(report: RunReport): RunNotes {
  const snapshot =
    report.snapshot === undefined
      ? null
      : `Planned from the snapshot ${report.snapshot.file}, observed ${report.snapshot.observedAt} ` +
        `(${describeAgeSeconds(report.snapshot.ageSeconds)} ago): no contact was read for this plan`;
  const fallbacks: string[] = [];
  let viaMember = 0;
  for (const account of report.accounts) {
    if (account.via === 'member') viaMember += 1;
    const reason = account.viaReason;
    if (account.via !== 'organization' || reason === undefined || reason.code === 'caller-account') continue;
    fallbacks.push(
      `${account.accountId} (${account.accountName}): through the organization, not its member role (${reason.code}): ${reason.message}`,
    );
  }
  return { snapshot, fallbacks, viaMember };
}

/** The member-role summary line, or null outside member-role mode. */
export function memberRoleLine(notes: RunNotes): string | null {
  if (notes.viaMember === 0 && notes.fallbacks.length === 0) return null;
  return `Member roles: ${notes.viaMember} account${notes.viaMember === 1 ? '' : 's'} read from inside, ${notes.fallbacks.length} through the organization (central quota)`;
}
