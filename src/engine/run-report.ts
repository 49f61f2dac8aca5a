import type { AuditLog } from '../audit/audit-log.js';
import { summarise } from '../core/plan.js';
import type { Organization, PolicyWarning, ReportAccount, RunReport } from '../core/types.js';
import { findUnmatchedSelectors, type SeenOrganization } from '../core/unmatched-selectors.js';
import { PolicyError } from '../errors.js';
import type { PreparedRun } from './prepare.js';
import type { RunOptions } from './run.js';

/** What the selector checks found, as the report carries it. */
export type SelectorFindings = Pick<RunReport, 'warnings' | 'notChecked'>;

/**
 * Selectors that match no account of what the run saw (SPEC round 2, "Deciding an item" 3): audited as
 * `policy.warning`, and with --strict a refusal of the policy before anything is written (the caller holds
 * its writes until this check).
 */
export function checkSelectors(
  prepared: PreparedRun,
  options: Pick<RunOptions, 'strict'>,
  audit: AuditLog,
  seen: SeenOrganization,
): SelectorFindings {
  const check = findUnmatchedSelectors(prepared.policy, seen);
  const findings = {
    warnings: check.warnings,
    notChecked: check.notes.map(({ paths, message }) => ({ paths: [...paths], message })),
  };
  auditAndRefuse(prepared, options, audit, findings.warnings);
  return findings;
}

/** The warnings (fresh, or carried in a saved plan) in the audit log; under --strict, a refusal (65). */
export function auditAndRefuse(
  prepared: PreparedRun,
  options: Pick<RunOptions, 'strict'>,
  audit: AuditLog,
  warnings: readonly PolicyWarning[],
): void {
  for (const warning of warnings) audit.policyWarning(warning);
  if (options.strict !== true || warnings.length === 0) return;
  const file = prepared.loaded.file;
  throw new PolicyError(
    warnings.map((w) => ({ file, path: w.path, message: `${w.message} [unmatched-selector, --strict]` })),
  );
}

/** The SPEC JSON document of a run: the same header whichever way the run planned. */
export function assembleReport(
  prepared: PreparedRun,
  options: Pick<RunOptions, 'runId' | 'mode'>,
  context: { organization: Organization; redactionKeyId: string; selectors: SelectorFindings },
  accounts: ReportAccount[],
): RunReport {
  const { organization } = context;
  return {
    version: 1,
    runId: options.runId,
    mode: options.mode,
    createdAt: new Date().toISOString(),
    policy: { file: prepared.loaded.file, sha256: prepared.loaded.sha256 },
    organization: { id: organization.id, managementAccountId: organization.managementAccountId },
    caller: prepared.caller,
    redaction: { key: context.redactionKeyId },
    summary: summarise(accounts),
    ...context.selectors,
    accounts,
  };
}
