/**
 * What `--plan-out` and `--apply --plan` tell the user about a saved plan, in terraform's manner:
 * where it went and the exact command that applies it; when applying, how old it is and who made it.
 */

/** After `--plan-out PATH`: where the plan is and the command that applies exactly it. */
export function savedPlanMessage(path: string): string {
  return `\nSaved the plan to: ${path}\n\nTo apply exactly this plan:\n  enforce apply --plan ${shellWord(path)}\n`;
}

/**
 * Before `--apply --plan`: `Applying a plan made 2 hours ago (2026-12-02T01:00:00Z) by arn:…`. A reviewer
 * approving a plan and an operator applying it are often hours apart; the age makes a forgotten file visible.
 */
export function planAgeLine(createdAt: string, now: Date, callerArn?: string): string {
  const made = new Date(createdAt);
  const by = callerArn ? ` by ${callerArn}` : '';
  if (Number.isNaN(made.getTime())) return `Applying a plan made at an unknown time (${createdAt})${by}\n`;
  return `Applying a plan made ${describeAge(now.getTime() - made.getTime())} (${isoSeconds(made)})${by}\n`;
}

/** Whole units, rounded down, so "2 hours ago" never overstates how fresh a plan is. */
export function describeAge(ms: number): string {
  // A clock a little behind the plan's maker is common (another machine); say so rather than "-3 seconds".
  if (ms < 0) return ms > -60_000 ? 'just now' : 'in the future (check the clocks)';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.floor(hours / 24), 'day');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The path as one shell word, so the printed command can be pasted even when the path has spaces. */
function shellWord(path: string): string {
  return /^[\w./:@%+=,-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
