import type { ComplianceRow } from './rows.js';

/** The CSV columns, in order: the listed evidence first, then the contact as read (redacted). */
export const CSV_COLUMNS = [
  'accountId',
  'accountName',
  'ouPath',
  'state',
  'type',
  'status',
  'reason',
  'changedFields',
  'readAt',
  'policySha256',
  'controls',
  'contactName',
  'contactTitle',
  'contactEmail',
  'contactPhone',
] as const;

function cells(row: ComplianceRow): Record<(typeof CSV_COLUMNS)[number], string> {
  return {
    accountId: row.accountId,
    accountName: row.accountName,
    ouPath: row.ouPath,
    state: row.state,
    type: row.type,
    status: row.status,
    reason: row.reason,
    changedFields: row.changedFields.join(';'),
    readAt: row.readAt ?? '',
    policySha256: row.policySha256,
    controls: row.controls.join(';'),
    contactName: row.contact?.name ?? '',
    contactTitle: row.contact?.title ?? '',
    contactEmail: row.contact?.email ?? '',
    contactPhone: row.contact?.phone ?? '',
  };
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a formula, and
 * account names and contact values come from people who can edit them. A leading apostrophe makes it
 * text (OWASP "CSV injection"); a phone number such as +1-555-0142 is shown as '+1-555-0142.
 */
function defuse(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180: quote a field holding a comma, a quote or a line break; double its quotes. */
function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One header line and one line per row, CRLF-terminated as RFC 4180 asks. */
export function renderCsv(rows: readonly ComplianceRow[]): string {
  const lines = [
    CSV_COLUMNS.join(','),
    ...rows.map((row) => {
      const values = cells(row);
      return CSV_COLUMNS.map((column) => quote(defuse(values[column]))).join(',');
    }),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
