import type { ContactType } from '../core/types.js';

/**
 * The compliance controls each managed contact type provides evidence for: the one table every output
 * (CSV, OCSF, HTML, run.end) takes its words from.
 *
 * `CIS-1.2` is "Ensure security contact information is registered" as numbered in CIS AWS Foundations
 * v1.3 to v5 and by the scanners (Prowler, Config's conformance packs). The issue states the later
 * numbering (2.1/2.2 in v6, 2.2/2.3 in v7); the benchmark text is licensed and was not checked here, so
 * the table names only the numbering scanners print. Security Hub Account.1 checks the Security type
 * only, for existence. Operations and billing contacts back no control.
 */
export interface Control {
  id: string;
  standard: string;
  title: string;
}

const CIS_1_2: Control = {
  id: 'CIS-1.2',
  standard: 'CIS AWS Foundations Benchmark',
  title: 'Ensure security contact information is registered',
};
const SECURITY_HUB_ACCOUNT_1: Control = {
  id: 'SecurityHub-Account.1',
  standard: 'AWS Security Hub',
  title: 'Security contact information should be provided for an AWS account',
};

export const CONTROLS_BY_TYPE: Readonly<Record<ContactType, readonly Control[]>> = {
  SECURITY: [CIS_1_2, SECURITY_HUB_ACCOUNT_1],
  OPERATIONS: [],
  BILLING: [],
};

export function controlIds(type: ContactType): string[] {
  return CONTROLS_BY_TYPE[type].map((control) => control.id);
}

/** `{ SECURITY: ['CIS-1.2', 'SecurityHub-Account.1'], BILLING: [] }` for the types a run manages (run.end). */
export function controlsOf(types: readonly ContactType[]): Partial<Record<ContactType, string[]>> {
  return Object.fromEntries(types.map((type) => [type, controlIds(type)]));
}
