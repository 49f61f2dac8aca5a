import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { type ocsfFinding, renderOcsf } from '../../src/report/ocsf.js';
import { buildComplianceRows } from '../../src/report/rows.js';
import { mixedOrganization, RUN_AT } from '../support/report.js';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/ocsf/compliance_finding-1.8.0.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const identity = (_field: string, value: string) => value;
const input = mixedOrganization();
const events = renderOcsf(buildComplianceRows(input, identity), input, '0.1.0')
  .trimEnd()
  .split('\n')
  .map((line) => JSON.parse(line) as ReturnType<typeof ocsfFinding>);

describe('renderOcsf', () => {
  it('writes one Compliance Finding (class 2003) per row', () => {
    expect(events).toHaveLength(8);
    for (const event of events)
      expect(event).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200301 });
  });

  it('is valid against the OCSF 1.8.0 compliance_finding schema fixture', () => {
    for (const event of events) {
      const ok = validate(event);
      expect(validate.errors ?? [], JSON.stringify(event.finding_info.uid)).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the fixture rejects what OCSF rejects (so the check above can fail)', () => {
    const { compliance, ...withoutCompliance } = events[0]!;
    expect(compliance).toBeDefined();
    expect(validate(withoutCompliance)).toBe(false);
    expect(validate({ ...events[0], severity_id: 7 })).toBe(false);
    expect(validate({ ...events[0], colour: 'red' })).toBe(false);
    expect(validate({ ...events[0], metadata: { product: { name: 'enforce' } } })).toBe(false);
  });

  it('carries the controls, the compliance status and the account as resource', () => {
    const [security, operations, drift] = events;
    expect(security?.compliance).toMatchObject({
      standards: ['CIS AWS Foundations Benchmark', 'AWS Security Hub'],
      control: 'CIS-1.2;SecurityHub-Account.1',
      status: 'Pass',
      status_id: 1,
    });
    expect(operations?.compliance).toMatchObject({ control: 'enforce:OPERATIONS', status: 'Pass' });
    expect(drift?.compliance).toMatchObject({
      status: 'Fail',
      status_id: 3,
      status_details: ['differs from the policy in phone'],
    });
    expect(drift?.severity_id).toBe(3);
    expect(security?.resources).toEqual([
      expect.objectContaining({ uid: '111111111111', name: 'payments, "prod"', type: 'AWS::::Account' }),
    ]);
    expect(security?.metadata).toMatchObject({
      version: '1.8.0',
      product: { name: 'enforce', version: '0.1.0' },
    });
    expect(security?.time).toBe(Date.parse(RUN_AT));
    expect(events.map((e) => e.compliance.status)).toEqual([
      'Pass',
      'Pass',
      'Fail',
      'Fail',
      'Warning',
      'Warning',
      'Skipped',
      'Skipped',
    ]);
  });
});
