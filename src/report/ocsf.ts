import { assertNever } from '../core/plan.js';
import type { ContactType } from '../core/types.js';
import { CONTROLS_BY_TYPE } from './controls.js';
import type { ComplianceRow, ComplianceStatus, ReportInput } from './rows.js';

/**
 * OCSF 1.8.0 Compliance Finding events (class_uid 2003), one per row, as NDJSON. Checked in tests
 * against test/fixtures/ocsf/compliance_finding-1.8.0.schema.json (derived from the OCSF sources).
 */
export const OCSF_VERSION = '1.8.0';
const CLASS_UID = 2003;
const CATEGORY_UID = 2;
const ACTIVITY_CREATE = 1;

// compliance.status_id: 1 Pass, 2 Warning (no result: missing information), 3 Fail, 99 Other.
const COMPLIANCE_STATUS: Record<ComplianceStatus, { status_id: number; status: string }> = {
  compliant: { status_id: 1, status: 'Pass' },
  drift: { status_id: 3, status: 'Fail' },
  missing: { status_id: 3, status: 'Fail' },
  error: { status_id: 2, status: 'Warning' },
  skipped: { status_id: 99, status: 'Skipped' },
};

// Security Hub rates Account.1 MEDIUM; the other types back no control.
function severity(row: ComplianceRow): { severity_id: number; severity: string } {
  switch (row.status) {
    case 'compliant':
    case 'skipped':
      return { severity_id: 1, severity: 'Informational' };
    case 'drift':
    case 'missing':
    case 'error':
      return row.type === 'SECURITY'
        ? { severity_id: 3, severity: 'Medium' }
        : { severity_id: 2, severity: 'Low' };
    default:
      return assertNever(row.status);
  }
}

const TITLES: Record<ContactType, string> = {
  SECURITY: 'Security alternate contact equals the reviewed policy',
  OPERATIONS: 'Operations alternate contact equals the reviewed policy',
  BILLING: 'Billing alternate contact equals the reviewed policy',
};

function statusDetail(row: ComplianceRow): string {
  switch (row.status) {
    case 'compliant':
      return 'equal to the policy';
    case 'drift':
      return `differs from the policy in ${row.changedFields.join(', ')}`;
    case 'missing':
      return 'no contact of this type';
    case 'skipped':
      return `not checked: ${row.reason}`;
    case 'error':
      return `could not be read: ${row.reason}`;
    default:
      return assertNever(row.status);
  }
}

export function ocsfFinding(
  row: ComplianceRow,
  run: Pick<ReportInput, 'runId' | 'runAt' | 'organizationId' | 'policy'>,
  toolVersion: string,
) {
  const controls = CONTROLS_BY_TYPE[row.type];
  const time = Date.parse(run.runAt);
  const detail = statusDetail(row);
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    category_uid: CATEGORY_UID,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
    type_name: 'Compliance Finding: Create',
    ...severity(row),
    time,
    message: `${row.type} contact of ${row.accountId}: ${detail}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'enforce', vendor_name: 'enforce', version: toolVersion },
      profiles: ['cloud'],
      uid: `${run.runId}:${row.accountId}:${row.type}`,
      correlation_uid: run.runId,
    },
    finding_info: {
      uid: `${run.runId}:${row.accountId}:${row.type}`,
      title: TITLES[row.type],
      desc: `Policy ${run.policy.file} (sha256 ${row.policySha256})`,
      created_time: time,
      types: ['AWS alternate contact'],
    },
    compliance: {
      standards: controls.length > 0 ? [...new Set(controls.map((c) => c.standard))] : ['enforce policy'],
      control: controls.length > 0 ? row.controls.join(';') : `enforce:${row.type}`,
      desc: controls.length > 0 ? controls.map((c) => `${c.id}: ${c.title}`).join('; ') : TITLES[row.type],
      ...COMPLIANCE_STATUS[row.status],
      status_details: [detail],
    },
    resources: [
      {
        uid: row.accountId,
        name: row.accountName,
        type: 'AWS::::Account',
        cloud_partition: 'aws',
        labels: [
          `state:${row.state}`,
          `contactType:${row.type}`,
          ...(row.ouPath ? [`ouPath:${row.ouPath}`] : []),
        ],
        data: {
          ouPath: row.ouPath,
          state: row.state,
          contactType: row.type,
          status: row.status,
          changedFields: row.changedFields,
          readAt: row.readAt,
          contact: row.contact,
        },
      },
    ],
    cloud: {
      provider: 'AWS',
      account: { uid: row.accountId, name: row.accountName, type: 'AWS Account', type_id: 10 },
      org: { uid: run.organizationId },
    },
  };
}

export function renderOcsf(
  rows: readonly ComplianceRow[],
  run: Pick<ReportInput, 'runId' | 'runAt' | 'organizationId' | 'policy'>,
  toolVersion: string,
): string {
  return rows.map((row) => `${JSON.stringify(ocsfFinding(row, run, toolVersion))}\n`).join('');
}
