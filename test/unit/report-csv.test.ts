import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, renderCsv } from '../../src/report/csv.js';
import { buildComplianceRows } from '../../src/report/rows.js';
import { mixedOrganization, POLICY_SHA } from '../support/report.js';

const identity = (_field: string, value: string) => value;
const csv = () => renderCsv(buildComplianceRows(mixedOrganization(), identity));

describe('renderCsv', () => {
  it('has the evidence columns in order, then the contact as read', () => {
    expect(csv().split('\r\n')[0]).toBe(
      'accountId,accountName,ouPath,state,type,status,reason,changedFields,readAt,policySha256,controls,contactName,contactTitle,contactEmail,contactPhone',
    );
    expect(CSV_COLUMNS).toHaveLength(15);
  });

  it('writes one CRLF-terminated line per row', () => {
    const lines = csv().split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines).toHaveLength(1 + 8 + 1);
  });

  it('quotes fields with commas and quotes as RFC 4180 asks', () => {
    const line = csv().split('\r\n')[1]!;
    expect(line).toBe(
      `111111111111,"payments, ""prod""",Workloads/Payments,ACTIVE,SECURITY,compliant,,,2026-03-01T10:00:05.000Z,${POLICY_SHA},CIS-1.2;SecurityHub-Account.1,Security Operations,Security Team,security@example.com,'+1-555-0142`,
    );
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const line = csv().split('\r\n')[3]!;
    expect(line.startsWith(`222222222222,"'=HYPERLINK(""http://evil.example.com"")",`)).toBe(true);
    expect(line.endsWith(",'+1-555-0199")).toBe(true);
    for (const cell of csv().split(/,|\r\n/)) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('lists changed fields and controls with semicolons, and the skip or error reason', () => {
    const lines = csv().split('\r\n');
    expect(lines[3]).toContain(',drift,,phone,');
    expect(lines[5]).toContain(',error,AccessDeniedException: not allowed,,,');
    expect(lines[7]).toContain('444444444444,acct-444,,ACTIVE,SECURITY,skipped,excluded,,,');
  });
});
