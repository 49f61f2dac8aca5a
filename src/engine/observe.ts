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
import type { RunStop } from './stop.js';

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
 * reads them per account while other accounts' contacts are read. A stop ends the listing.
 */
export async function* streamRunAccounts(
  client: OrganizationsClient,
  policy: DesiredPolicy,
  stop: RunStop,
  /** Read OU paths even when the policy uses none (`--state-out`). */
  alwaysOus = false,
): AsyncGenerator<Account> {
  const ous = alwaysOus || policyUsesOus(policy) ? await listAccountOus(client) : undefined;
  for await (const account of streamAccounts(client)) {
    if (stop.reason !== null) return;
    yield ous === undefined ? account : { ...account, ous: ous.get(account.id) ?? [] };
  }
}

/**
 * Lists the accounts of the run: every account, or those named with `--accounts`, with OU paths and tags
 * fetched only when the policy refers to them (and tags only for ACTIVE accounts: the others are decided
 * from the listing alone).
 */
export async function listRunAccounts(
  client: OrganizationsClient,
  policy: DesiredPolicy,
  selected: readonly string[] | undefined,
  unknownSelected: 'error' | 'ignore-unknown' = 'error',
  alwaysOus = false,
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

  if (alwaysOus || policyUsesOus(policy)) {
    const ous = await listAccountOus(client);
    accounts = accounts.map((a) => ({ ...a, ous: ous.get(a.id) ?? [] }));
  }
  if (policyUsesTags(policy)) {
    const limit = pLimit(TAG_READ_CONCURRENCY);
    accounts = await Promise.all(
      accounts.map((a) =>
        a.state === 'ACTIVE' ? limit(async () => ({ ...a, tags: await listAccountTags(client, a.id) })) : a,
      ),
    );
  }
  return accounts;
}

/** An account listing whose completion the write queue waits for, counted for the progress display. */
export interface TrackedListing {
  accounts: AsyncIterable<Account>;
  /** True once every account was listed; false when the listing failed or was stopped. */
  complete: Promise<boolean>;
  readonly listed: number;
  readonly listing: boolean;
}

export function trackListing(
  source: AsyncIterable<Account> | Iterable<Account>,
  stop: RunStop,
): TrackedListing {
  let listed = 0;
  let listing = true;
  let markDone: (complete: boolean) => void = () => {};
  const complete = new Promise<boolean>((resolve) => {
    markDone = resolve;
  });
  async function* accounts() {
    let finished = false;
    try {
      for await (const account of source) {
        listed += 1;
        yield account;
      }
      finished = stop.reason === null;
    } finally {
      listing = false;
      markDone(finished);
    }
  }
  return {
    accounts: accounts(),
    complete,
    get listed() {
      return listed;
    },
    get listing() {
      return listing;
    },
  };
}
