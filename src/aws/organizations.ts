import {
  type Account as AwsAccount,
  DescribeOrganizationCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListAWSServiceAccessForOrganization,
  paginateListOrganizationalUnitsForParent,
  paginateListRoots,
  paginateListTagsForResource,
} from '@aws-sdk/client-organizations';
import pLimit from 'p-limit';
import type { Account, AccountState, Organization } from '../core/types.js';
import { AwsCallError, PreflightError } from '../errors.js';

/** Concurrent OU listings: Organizations throttles hard (HTTP 400 TooManyRequestsException) beyond a few. */
const OU_WALK_CONCURRENCY = 4;

/** Runs one SDK call and wraps any failure with the AWS operation name. */
async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw AwsCallError.from(operation, error);
  }
}

export async function describeOrganization(client: OrganizationsClient): Promise<Organization> {
  try {
    const { Organization: org } = await client.send(new DescribeOrganizationCommand({}));
    return {
      id: org?.Id ?? '',
      managementAccountId: org?.MasterAccountId ?? '',
      featureSet: org?.FeatureSet ?? '',
    };
  } catch (error) {
    if ((error as { name?: string })?.name === 'AWSOrganizationsNotInUseException') {
      throw new PreflightError(
        'The caller account is not a member of an AWS Organization (AWSOrganizationsNotInUseException). ' +
          "Run enforce with credentials for the organization's management account or a delegated administrator.",
        { cause: error },
      );
    }
    throw AwsCallError.from('organizations:DescribeOrganization', error);
  }
}

export function listEnabledServicePrincipals(client: OrganizationsClient): Promise<string[]> {
  return call('organizations:ListAWSServiceAccessForOrganization', async () => {
    const principals: string[] = [];
    for await (const page of paginateListAWSServiceAccessForOrganization({ client }, {})) {
      for (const p of page.EnabledServicePrincipals ?? [])
        if (p.ServicePrincipal) principals.push(p.ServicePrincipal);
    }
    return principals;
  });
}

const STATES: readonly AccountState[] = [
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
  'PENDING_ACTIVATION',
];
const STATE_BY_STATUS: Readonly<Record<string, AccountState>> = {
  ACTIVE: 'ACTIVE',
  SUSPENDED: 'SUSPENDED',
  PENDING_CLOSURE: 'PENDING_CLOSURE',
};

/**
 * `State` decides activity; `Status` is retired on 2026-09-09 and is read only when `State` is absent (or a value
 * this version does not know). With neither, the account is reported PENDING_ACTIVATION: only ACTIVE accounts
 * are written, and guessing ACTIVE for an account whose lifecycle we cannot see could write to a closing one.
 */
export function accountState(account: Pick<AwsAccount, 'State' | 'Status'>): AccountState {
  const state = account.State as AccountState | undefined;
  if (state && STATES.includes(state)) return state;
  return (account.Status && STATE_BY_STATUS[account.Status]) || 'PENDING_ACTIVATION';
}

/**
 * Every account of the organization, yielded as ListAccounts answers each page (pages may be empty while
 * NextToken is set: paged until it is absent), so that the run can start on the first accounts at once.
 */
export async function* streamAccounts(client: OrganizationsClient): AsyncGenerator<Account> {
  try {
    for await (const page of paginateListAccounts({ client, pageSize: 20 }, {})) {
      for (const a of page.Accounts ?? []) {
        if (a.Id) yield { id: a.Id, name: a.Name ?? '', state: accountState(a) };
      }
    }
  } catch (error) {
    throw AwsCallError.from('organizations:ListAccounts', error);
  }
}

/** Every account of the organization, once all pages are in. */
export async function listAccounts(client: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  for await (const account of streamAccounts(client)) accounts.push(account);
  return accounts;
}

/** The OU tree as one walk sees it. */
export interface OuTree {
  /** Each account's OU path: OU ids from the root's first child down to its direct parent (`[]` under the root). */
  accountOus: Map<string, string[]>;
  /** Each OU's name, as ListOrganizationalUnitsForParent gives it (for explain; matching uses ids only). */
  ouNames: Map<string, string>;
}

/** Maps each account id to its OU path (see OuTree.accountOus). */
export async function listAccountOus(client: OrganizationsClient): Promise<Map<string, string[]>> {
  return (await walkOuTree(client)).accountOus;
}

/** Walks the tree once from ListRoots, keeping each account's OU path and each OU's name. */
export async function walkOuTree(client: OrganizationsClient): Promise<OuTree> {
  const accountOus = new Map<string, string[]>();
  const ouNames = new Map<string, string>();
  const limit = pLimit(OU_WALK_CONCURRENCY);

  const accountsUnder = (parentId: string, path: string[]) =>
    limit(() =>
      call('organizations:ListAccountsForParent', async () => {
        for await (const page of paginateListAccountsForParent({ client }, { ParentId: parentId })) {
          for (const a of page.Accounts ?? []) if (a.Id) accountOus.set(a.Id, path);
        }
      }),
    );
  const childOus = (parentId: string) =>
    limit(() =>
      call('organizations:ListOrganizationalUnitsForParent', async () => {
        const ids: string[] = [];
        for await (const page of paginateListOrganizationalUnitsForParent(
          { client },
          { ParentId: parentId },
        )) {
          for (const ou of page.OrganizationalUnits ?? []) {
            if (!ou.Id) continue;
            ids.push(ou.Id);
            if (ou.Name) ouNames.set(ou.Id, ou.Name);
          }
        }
        return ids;
      }),
    );
  // The limiter wraps single listings only, never a recursion step: a walk step waiting on its children
  // while holding a slot could deadlock a deep tree.
  const walk = async (parentId: string, path: string[]): Promise<void> => {
    const [children] = await Promise.all([childOus(parentId), accountsUnder(parentId, path)]);
    await Promise.all(children.map((ou) => walk(ou, [...path, ou])));
  };

  const roots = await call('organizations:ListRoots', async () => {
    const ids: string[] = [];
    for await (const page of paginateListRoots({ client }, {})) {
      for (const r of page.Roots ?? []) if (r.Id) ids.push(r.Id);
    }
    return ids;
  });
  await Promise.all(roots.map((root) => walk(root, [])));
  return { accountOus, ouNames };
}

/** Organizations tags of one account (the account id is its ResourceId). */
export function listAccountTags(
  client: OrganizationsClient,
  accountId: string,
): Promise<Record<string, string>> {
  return call('organizations:ListTagsForResource', async () => {
    // Null prototype: a tag key such as `__proto__` is data, not the object's prototype.
    const tags: Record<string, string> = Object.create(null);
    for await (const page of paginateListTagsForResource({ client }, { ResourceId: accountId })) {
      for (const t of page.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    }
    return tags;
  });
}
