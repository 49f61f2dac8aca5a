// Reads the CLI's NDJSON audit log and checks it against the fault proxy's ledger of writes moto applied.
//
// No vitest here: the checks return a list of problems (empty when the log is faithful), so a failing test
// shows every discrepancy at once with `expect(problems).toEqual([])`.

import { readFile } from 'node:fs/promises';
import type { LedgerEntry } from './aws-proxy.js';

/** One audit line: SPEC requires time, level, runId, event and msg on every line. */
export interface AuditLine {
  time: string;
  level: string;
  runId: string;
  event: string;
  msg: string;
  accountId?: string;
  type?: string;
  /** null: the outcome is unknown (the process was forced to exit before AWS answered). */
  written?: boolean | null;
  error?: { code: string; message: string };
  /** An alternate contact's fields, or the primary contact's (`type: PRIMARY`); null for a delete. */
  after?: Record<string, string> | null;
  [field: string]: unknown;
}

/** Every line of the audit log, parsed; a line that is not JSON is an error naming its number. */
export async function readAudit(file: string): Promise<AuditLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseAudit(text);
}

export function parseAudit(text: string): AuditLine[] {
  const lines = text.split('\n');
  // A run killed at any moment leaves at most a partial last line only if a write was torn; pino writes
  // synchronously, so every line must be whole.
  return lines.flatMap((line, index) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as AuditLine];
    } catch {
      throw new Error(`audit log line ${index + 1} is not JSON: ${line.slice(0, 200)}`);
    }
  });
}

/** The lines of one run (by runId), in file order. */
export function linesOfRun(lines: readonly AuditLine[], runId: string): AuditLine[] {
  return lines.filter((line) => line.runId === runId);
}

/** runIds in the order their run.start lines appear. */
export function runIds(lines: readonly AuditLine[]): string[] {
  return lines.filter((line) => line.event === 'run.start').map((line) => line.runId);
}

/** The lines of the last run in the file. */
export function lastRun(lines: readonly AuditLine[]): AuditLine[] {
  const id = runIds(lines).at(-1);
  return id === undefined ? [] : linesOfRun(lines, id);
}

export const itemKey = (accountId: string | undefined, type: string | undefined) => `${accountId}/${type}`;

export interface AuditLedgerCheck {
  /**
   * 'complete' (a run that ended, normally or by one SIGINT): every write has its change.applied or
   * change.failed(written) line. 'started' (a run that was killed or exited on a second signal): every write
   * has at least its change.started line.
   */
  expect?: 'complete' | 'started';
}

const REQUIRED_FIELDS = ['time', 'level', 'runId', 'event', 'msg'] as const;

/**
 * Audit log ↔ ledger, for ONE run: `lines` are that run's lines, `ledger` the proxy's entries written during
 * it. Returns the problems found; empty when:
 * - every line has time, level, runId, event and msg (strings);
 * - every change.applied / change.failed has an earlier change.started for the same account and type;
 * - every ledger write (accountId, type) has exactly one change.applied line, or, when its read-back failed,
 *   exactly one change.failed with written: true (with expect 'started': at least a change.started);
 * - no change.applied line (and no change.failed with written: true) exists without a ledger write, and no
 *   change.failed with written: false has one; written: null (outcome unknown) is consistent either way;
 * - a change.applied line's `after` equals what was written, field by field (fields not redacted).
 */
export function auditLedgerProblems(
  lines: readonly AuditLine[],
  ledger: readonly LedgerEntry[],
  options: AuditLedgerCheck = {},
): string[] {
  const problems: string[] = [];
  const mode = options.expect ?? 'complete';

  lines.forEach((line, index) => {
    for (const field of REQUIRED_FIELDS) {
      if (typeof line[field] !== 'string' || line[field] === '') {
        problems.push(`line ${index + 1} (${line.event}) has no ${field}`);
      }
    }
  });
  const runs = new Set(lines.map((line) => line.runId));
  if (runs.size > 1) problems.push(`lines of ${runs.size} runs were given: check one run at a time`);

  const started = new Map<string, number>();
  const applied = new Map<string, AuditLine[]>();
  const failedWritten = new Map<string, AuditLine[]>();
  const failedNotWritten = new Map<string, AuditLine[]>();
  const outcomeUnknown = new Map<string, AuditLine[]>();
  const push = (map: Map<string, AuditLine[]>, key: string, line: AuditLine) =>
    map.set(key, [...(map.get(key) ?? []), line]);

  lines.forEach((line, index) => {
    const key = itemKey(line.accountId, line.type);
    if (line.event === 'change.started') started.set(key, (started.get(key) ?? 0) + 1);
    if (line.event === 'change.applied' || line.event === 'change.failed') {
      if ((started.get(key) ?? 0) === 0) {
        problems.push(`line ${index + 1}: ${line.event} ${key} has no earlier change.started`);
      }
      if (line.event === 'change.applied') push(applied, key, line);
      else if (line.written === true) push(failedWritten, key, line);
      else if (line.written === null) push(outcomeUnknown, key, line);
      else push(failedNotWritten, key, line);
    }
  });

  const writes = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) {
    const key = itemKey(entry.accountId, entry.type);
    writes.set(key, [...(writes.get(key) ?? []), entry]);
  }

  for (const [key, entries] of writes) {
    if (entries.length > 1) problems.push(`${key} was written ${entries.length} times in one run`);
    const appliedLines = applied.get(key) ?? [];
    const failedLines = [...(failedWritten.get(key) ?? []), ...(outcomeUnknown.get(key) ?? [])];
    const terminal = appliedLines.length + failedLines.length;
    if (mode === 'complete' && terminal !== 1) {
      problems.push(
        `${key} was written but has ${appliedLines.length} change.applied and ${failedLines.length} change.failed(written) lines (expected exactly one)`,
      );
    }
    if (mode === 'started' && (started.get(key) ?? 0) === 0) {
      problems.push(`${key} was written without a change.started line`);
    }
    if (mode === 'started' && terminal > 1) problems.push(`${key} has ${terminal} outcome lines`);
    if ((failedNotWritten.get(key) ?? []).length > 0) {
      problems.push(`${key} was written but its change.failed line says written: false`);
    }
    const written = entries.at(-1)!;
    for (const line of appliedLines) problems.push(...appliedMatchesWrite(key, line, written));
  }

  for (const key of applied.keys()) {
    if (!writes.has(key)) problems.push(`${key} has a change.applied line but no write reached AWS`);
  }
  for (const key of failedWritten.keys()) {
    if (!writes.has(key)) problems.push(`${key} has change.failed written: true but no write reached AWS`);
  }
  return problems;
}

/** The primary contact's audit field names → ContactInformation's keys. */
const PRIMARY_KEYS: Record<string, string> = {
  fullName: 'FullName',
  companyName: 'CompanyName',
  addressLine1: 'AddressLine1',
  addressLine2: 'AddressLine2',
  addressLine3: 'AddressLine3',
  city: 'City',
  stateOrRegion: 'StateOrRegion',
  districtOrCounty: 'DistrictOrCounty',
  postalCode: 'PostalCode',
  countryCode: 'CountryCode',
  phone: 'PhoneNumber',
  websiteUrl: 'WebsiteUrl',
};

/**
 * A change.applied line says what the write did: a delete has no `after` and the action `delete`; a
 * Put's `after` equals what was sent, field by field (masked values are not compared).
 */
function appliedMatchesWrite(key: string, line: AuditLine, written: LedgerEntry): string[] {
  const problems: string[] = [];
  const after = line.after;
  switch (written.operation) {
    case 'DeleteAlternateContact':
      if (line.action !== 'delete')
        problems.push(`${key}: deleted, but change.applied says ${String(line.action)}`);
      if (after !== null && after !== undefined)
        problems.push(`${key}: change.applied of a delete has an after`);
      return problems;
    case 'PutAlternateContact':
    case 'PutContactInformation': {
      if (after === null || after === undefined) return [`${key}: change.applied has no after`];
      const sent: Record<string, string | undefined> =
        written.operation === 'PutAlternateContact'
          ? { name: written.name, title: written.title, email: written.email, phone: written.phone }
          : Object.fromEntries(
              Object.entries(PRIMARY_KEYS).map(([field, wire]) => [
                field,
                (written.contactInformation as Record<string, string | undefined> | undefined)?.[wire],
              ]),
            );
      for (const [field, value] of Object.entries(sent)) {
        const logged = after[field];
        if (logged?.startsWith('[redacted:')) continue;
        if ((logged ?? '') !== (value ?? '')) {
          problems.push(`${key}: change.applied after.${field} ${logged} but ${value} was written`);
        }
      }
      return problems;
    }
    default: {
      const never: never = written.operation;
      return [`${key}: unknown ledger operation ${String(never)}`];
    }
  }
}

/** Lines of `event`, optionally for one account. */
export function eventsOf(lines: readonly AuditLine[], event: string, accountId?: string): AuditLine[] {
  return lines.filter(
    (line) => line.event === event && (accountId === undefined || line.accountId === accountId),
  );
}
