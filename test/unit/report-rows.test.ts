import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/core/redact.js';
import { CONTROLS_BY_TYPE, controlIds } from '../../src/report/controls.js';
import { buildComplianceRows, countByType, headline } from '../../src/report/rows.js';
import {
  account,
  compliant,
  issueOrganization,
  mixedOrganization,
  POLICY_SHA,
  READ_AT,
  reportInput,
} from '../support/report.js';

const identity = (_field: string, value: string) => value;

describe('controls', () => {
  it('maps the Security type to CIS 1.2 and Security Hub Account.1, the others to none', () => {
    expect(controlIds('SECURITY')).toEqual(['CIS-1.2', 'SecurityHub-Account.1']);
    expect(CONTROLS_BY_TYPE.OPERATIONS).toEqual([]);
    expect(CONTROLS_BY_TYPE.BILLING).toEqual([]);
  });
});

describe('buildComplianceRows', () => {
  it('makes one row per account and type, sorted by account then type, with the evidence fields', () => {
    const rows = buildComplianceRows(mixedOrganization(), identity);
    expect(rows.map((r) => [r.accountId, r.type, r.status])).toEqual([
      ['111111111111', 'SECURITY', 'compliant'],
      ['111111111111', 'OPERATIONS', 'compliant'],
      ['222222222222', 'SECURITY', 'drift'],
      ['222222222222', 'OPERATIONS', 'missing'],
      ['333333333333', 'SECURITY', 'error'],
      ['333333333333', 'OPERATIONS', 'error'],
      ['444444444444', 'SECURITY', 'skipped'],
      ['444444444444', 'OPERATIONS', 'skipped'],
    ]);
    expect(rows[0]).toMatchObject({
      ouPath: 'Workloads/Payments',
      policySha256: POLICY_SHA,
      readAt: READ_AT,
    });
    expect(rows[0]?.controls).toEqual(['CIS-1.2', 'SecurityHub-Account.1']);
    expect(rows[1]?.controls).toEqual([]);
    expect(rows[2]).toMatchObject({ changedFields: ['phone'], reason: '' });
    expect(rows[3]).toMatchObject({ contact: null, changedFields: [] });
    expect(rows[4]).toMatchObject({ reason: 'AccessDeniedException: not allowed', readAt: null });
    expect(rows[6]).toMatchObject({ reason: 'excluded', readAt: null, ouPath: '' });
  });

  it('passes every contact value through the redactor', () => {
    const redactor = createRedactor({ key: 'k'.repeat(32), fields: 'all', secretValues: [] });
    const rows = buildComplianceRows(mixedOrganization(), redactor.field);
    for (const value of Object.values(rows[0]!.contact!)) expect(value).toMatch(/^\[redacted:[0-9a-f]{8}\]$/);
    expect(JSON.stringify(rows)).not.toContain('security@example.com');
  });

  it('builds rows from the input order-independently', () => {
    const input = reportInput([
      account('222222222222', [compliant()]),
      account('111111111111', [compliant()]),
    ]);
    expect(buildComplianceRows(input, identity).map((r) => r.accountId)).toEqual([
      '111111111111',
      '222222222222',
    ]);
  });
});

describe('headline', () => {
  it('says how many accounts have the policy’s Security contact', () => {
    const counts = countByType(buildComplianceRows(issueOrganization(), identity));
    expect(counts.get('SECURITY')).toEqual({ compliant: 412, drift: 1, missing: 1, skipped: 1, error: 0 });
    expect(headline('SECURITY', counts.get('SECURITY')!)).toBe(
      '412 of 415 accounts have a Security contact equal to the policy',
    );
    expect(headline('OPERATIONS', { compliant: 0, drift: 0, missing: 1, skipped: 0, error: 0 })).toBe(
      '0 of 1 account has an Operations contact equal to the policy',
    );
  });
});
