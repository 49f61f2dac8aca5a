import type { Organization } from '../core/types.js';
import { PreflightError } from '../errors.js';

/** The service principal of AWS Account Management, whose trusted access the Account API requires. */
export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';

/**
 * AWS rules for managing member accounts' contacts from the management account or a delegated admin:
 * the organization must have all features enabled and trusted access for account.amazonaws.com. Without them
 * every cross-account call fails with AccessDenied, so we stop before the run and print the fix.
 * (An account outside any organization is reported by `describeOrganization`.)
 */
export function checkOrganizationReady(org: Organization, enabledPrincipals: readonly string[]): void {
  if (org.featureSet !== 'ALL') {
    throw new PreflightError(
      `Organization ${org.id} has feature set ${org.featureSet || 'unknown'}; the Account Management API needs all ` +
        'features. Enable them from the management account: `aws organizations enable-all-features` ' +
        '(invited member accounts must then accept the request).',
    );
  }
  if (!enabledPrincipals.includes(ACCOUNT_SERVICE_PRINCIPAL)) {
    throw new PreflightError(
      `Trusted access for AWS Account Management (${ACCOUNT_SERVICE_PRINCIPAL}) is not enabled in organization ` +
        `${org.id}. Enable it from the management account: ` +
        `aws organizations enable-aws-service-access --service-principal ${ACCOUNT_SERVICE_PRINCIPAL}`,
    );
  }
}
