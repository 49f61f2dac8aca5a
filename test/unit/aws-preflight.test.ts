import { describe, expect, it } from 'vitest';
import { checkOrganizationReady } from '../../src/aws/preflight.js';
import { PreflightError } from '../../src/errors.js';

const org = { id: 'o-abc123', managementAccountId: '111111111111', featureSet: 'ALL' };

describe('checkOrganizationReady', () => {
  it('passes with all features and trusted access for account.amazonaws.com', () => {
    expect(() => checkOrganizationReady(org, ['sso.amazonaws.com', 'account.amazonaws.com'])).not.toThrow();
  });

  it('refuses consolidated billing and names the fix', () => {
    const run = () =>
      checkOrganizationReady({ ...org, featureSet: 'CONSOLIDATED_BILLING' }, ['account.amazonaws.com']);
    expect(run).toThrow(PreflightError);
    expect(run).toThrow(/CONSOLIDATED_BILLING/);
    expect(run).toThrow('aws organizations enable-all-features');
  });

  it('refuses a missing trusted access and names the exact fix command', () => {
    const run = () => checkOrganizationReady(org, ['sso.amazonaws.com']);
    expect(run).toThrow(PreflightError);
    expect(run).toThrow(
      'aws organizations enable-aws-service-access --service-principal account.amazonaws.com',
    );
  });
});
