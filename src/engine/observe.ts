import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import {
  describeOrganization,
  listAccountOus,
  listAccounts,
  listAccountTags,
  listEnabledServicePrincipals,
  streamAccounts,
} from '../aws/organizations.js';
import { checkOrganizationReady } from '../aws/preflight.js';
import { policyUsesOus, policyUsesTags } from '../core/desired.js';
import type { DesiredPolicy } from '../core/policy.js';
import type { Account, Organization } from '../core/types.js';
import { UsageError } from '../errors.js';

/** Organizations' own request rate is low (a few per second); tag reads stay at a modest parallelism. */
const TAG_READ_CONCURRENCY = 4;

/** Checks the organization is ready (feature set ALL, trusted access) before anything else is read. */
export async function preflight(client: OrganizationsClient): Promise<Organization> {
  const organization = await describeOrganization(client);
  checkOrganizationReady(organization, await listEnabledServicePrincipals(client));
  return organization;
}

/**
 * Every account of the organization as ListAccounts pages arrive, for a run without `--accounts`. OU paths
 * (a walk of the OU tree, a few calls) come first when the policy uses OUs; tags are left to the scan, which
 * reads them per account while other accounts' contacts are read (ScanDeps.readTags).
 */
export async function* streamRunAccounts(
  client: OrganizationsClient,
  policy: DesiredPolicy,
): AsyncGenerator<Account> {
  const ous = policyUsesOus(policy) ? await listAccountOus(client) : undefined;
  for await (const account of streamAccounts(client)) {
    yield ous === undefined ? account : { ...account, ous: ous.get(account.id) ?? [] };
  }
}

/**
 * Lists the accounts of the run: every account, or those named with `--accounts`, with OU paths and tags
 * fetched only when the policy refers to them.
 */
export async function listRunAccounts(
  client: OrganizationsClient,
  policy: DesiredPolicy,
  selected: readonly string[] | undefined,
  unknownSelected: 'error' | 'ignore-unknown' = 'error',
): Promise<Account[]> {
  let accounts = await listAccounts(client);
  if (selected !== undefined) {
    const known = new Set(accounts.map((a) => a.id));
    const unknown = selected.filter((id) => !known.has(id));
    if (unknown.length > 0 && unknownSelected === 'error') {
      throw new UsageError(`--accounts: not an account of this organization: ${unknown.join(', ')}`);
    }
    const wanted = new Set(selected);
    accounts = accounts.filter((a) => wanted.has(a.id));
  }

  if (policyUsesOus(policy)) {
    const ous = await listAccountOus(client);
    accounts = accounts.map((a) => ({ ...a, ous: ous.get(a.id) ?? [] }));
  }
  if (policyUsesTags(policy)) {
    const limit = pLimit(TAG_READ_CONCURRENCY);
    accounts = await Promise.all(
      accounts.map((a) => limit(async () => ({ ...a, tags: await listAccountTags(client, a.id) }))),
    );
  }
  return accounts;
}
