import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  type ListAccountsCommandInput,
  ListAccountsForParentCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accountState,
  describeOrganization,
  listAccountOus,
  listAccounts,
  listAccountTags,
  listEnabledServicePrincipals,
  walkOuTree,
} from '../../src/aws/organizations.js';
import { AwsCallError, PreflightError } from '../../src/errors.js';

const mock = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

beforeEach(() => mock.reset());
afterEach(() => mock.reset());

describe('describeOrganization', () => {
  it('maps id, MasterAccountId and FeatureSet', async () => {
    mock.on(DescribeOrganizationCommand).resolves({
      Organization: { Id: 'o-abc123', MasterAccountId: '111111111111', FeatureSet: 'ALL' },
    });
    await expect(describeOrganization(client)).resolves.toEqual({
      id: 'o-abc123',
      managementAccountId: '111111111111',
      featureSet: 'ALL',
    });
  });

  it('turns AWSOrganizationsNotInUseException into a PreflightError', async () => {
    mock
      .on(DescribeOrganizationCommand)
      .rejects(new AWSOrganizationsNotInUseException({ message: 'not in use', $metadata: {} }));
    const error = await describeOrganization(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as Error).message).toMatch(/not a member of an AWS Organization/);
    expect((error as Error).cause).toBeInstanceOf(AWSOrganizationsNotInUseException);
  });

  it('wraps other failures as AwsCallError', async () => {
    mock.on(DescribeOrganizationCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    const error = await describeOrganization(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: 'organizations:DescribeOrganization',
      code: 'AccessDeniedException',
    });
  });
});

describe('listEnabledServicePrincipals', () => {
  it('collects principals from every page', async () => {
    mock
      .on(ListAWSServiceAccessForOrganizationCommand)
      .resolvesOnce({
        EnabledServicePrincipals: [{ ServicePrincipal: 'sso.amazonaws.com' }],
        NextToken: 't1',
      })
      .resolvesOnce({ EnabledServicePrincipals: [{ ServicePrincipal: 'account.amazonaws.com' }] });
    await expect(listEnabledServicePrincipals(client)).resolves.toEqual([
      'sso.amazonaws.com',
      'account.amazonaws.com',
    ]);
    expect(mock.commandCalls(ListAWSServiceAccessForOrganizationCommand)).toHaveLength(2);
  });
});

describe('listAccounts', () => {
  it('pages through an empty middle page and stops only when NextToken is absent', async () => {
    // The paginator reuses ONE input object for every page, so record a copy at call time.
    const seen: ListAccountsCommandInput[] = [];
    const pages = [
      { Accounts: [{ Id: '111111111111', Name: 'mgmt', State: 'ACTIVE' as const }], NextToken: 'a' },
      { Accounts: [], NextToken: 'b' },
      { Accounts: [{ Id: '222222222222', Name: 'dev', State: 'ACTIVE' as const }] },
    ];
    mock.on(ListAccountsCommand).callsFake((input: ListAccountsCommandInput) => {
      seen.push({ ...input });
      return pages[seen.length - 1];
    });
    const accounts = await listAccounts(client);
    expect(accounts.map((a) => a.id)).toEqual(['111111111111', '222222222222']);
    expect(mock.commandCalls(ListAccountsCommand)).toHaveLength(3);
    expect(seen.map((i) => i.NextToken)).toEqual([undefined, 'a', 'b']);
  });

  it('prefers State over Status and falls back to Status when State is absent', async () => {
    mock.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '1', Name: 'a', State: 'SUSPENDED', Status: 'ACTIVE' },
        { Id: '2', Name: 'b', State: 'CLOSED', Status: 'SUSPENDED' },
        { Id: '3', Name: 'c', State: 'PENDING_ACTIVATION' },
        { Id: '4', Name: 'd', Status: 'ACTIVE' },
        { Id: '5', Name: 'e', Status: 'SUSPENDED' },
        { Id: '6', Name: 'f', Status: 'PENDING_CLOSURE' },
        { Id: '7', Name: 'g' },
      ],
    });
    const accounts = await listAccounts(client);
    expect(accounts).toEqual([
      { id: '1', name: 'a', state: 'SUSPENDED' },
      { id: '2', name: 'b', state: 'CLOSED' },
      { id: '3', name: 'c', state: 'PENDING_ACTIVATION' },
      { id: '4', name: 'd', state: 'ACTIVE' },
      { id: '5', name: 'e', state: 'SUSPENDED' },
      { id: '6', name: 'f', state: 'PENDING_CLOSURE' },
      // Neither field: never assumed ACTIVE, so it is skipped rather than written.
      { id: '7', name: 'g', state: 'PENDING_ACTIVATION' },
    ]);
  });

  it('does not trust an unknown State value', () => {
    expect(accountState({ State: 'SOMETHING_NEW' as never, Status: 'SUSPENDED' })).toBe('SUSPENDED');
    expect(accountState({ State: 'SOMETHING_NEW' as never })).toBe('PENDING_ACTIVATION');
  });

  it('wraps a failure on a later page as AwsCallError', async () => {
    mock
      .on(ListAccountsCommand)
      .resolvesOnce({ Accounts: [], NextToken: 'a' })
      .rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: { attempts: 3 } }));
    const error = await listAccounts(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: 'organizations:ListAccounts',
      code: 'TooManyRequestsException',
      attempts: 3,
    });
  });
});

describe('listAccountOus', () => {
  it('walks two OU levels with paging and maps accounts to their OU path', async () => {
    mock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
    // Root has two OUs, returned over two pages; ou-a has one child OU.
    mock
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root', NextToken: undefined })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-a' }], NextToken: 'p2' })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root', NextToken: 'p2' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-b' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-a' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-a1' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-b' })
      .resolves({ OrganizationalUnits: [] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-a1' })
      .resolves({});
    mock
      .on(ListAccountsForParentCommand, { ParentId: 'r-root' })
      .resolves({ Accounts: [{ Id: '111111111111' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a' })
      .resolves({ Accounts: [{ Id: '222222222222' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-b' })
      .resolves({ Accounts: [] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a1', NextToken: undefined })
      .resolves({ Accounts: [{ Id: '333333333333' }], NextToken: 'x' })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-a1', NextToken: 'x' })
      .resolves({ Accounts: [{ Id: '444444444444' }] });

    const ous = await listAccountOus(client);
    expect(Object.fromEntries(ous)).toEqual({
      '111111111111': [],
      '222222222222': ['ou-a'],
      '333333333333': ['ou-a', 'ou-a1'],
      '444444444444': ['ou-a', 'ou-a1'],
    });
    expect(mock.commandCalls(ListRootsCommand)).toHaveLength(1);
    // root (2 pages) + ou-a + ou-b + ou-a1
    expect(mock.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(5);
    // root + ou-a + ou-b + ou-a1 (2 pages)
    expect(mock.commandCalls(ListAccountsForParentCommand)).toHaveLength(5);
  });

  it('wraps failures with the operation that failed', async () => {
    mock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
    mock.on(ListOrganizationalUnitsForParentCommand).resolves({});
    mock
      .on(ListAccountsForParentCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    await expect(listAccountOus(client)).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'organizations:ListAccountsForParent',
      code: 'AccessDeniedException',
    });
  });
});

describe('listAccountTags', () => {
  it('reads every page with the account id as ResourceId', async () => {
    mock
      .on(ListTagsForResourceCommand)
      .resolvesOnce({ Tags: [{ Key: 'env', Value: 'prod' }], NextToken: 't' })
      .resolvesOnce({ Tags: [{ Key: 'contact-policy', Value: 'exempt' }] });
    await expect(listAccountTags(client, '222222222222')).resolves.toEqual({
      env: 'prod',
      'contact-policy': 'exempt',
    });
    const calls = mock.commandCalls(ListTagsForResourceCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.ResourceId).toBe('222222222222');
  });

  it('wraps failures as AwsCallError', async () => {
    mock.on(ListTagsForResourceCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    await expect(listAccountTags(client, '222222222222')).rejects.toMatchObject({
      operation: 'organizations:ListTagsForResource',
      code: 'AccessDeniedException',
    });
  });
});

describe('walkOuTree', () => {
  it('keeps each OU name from the same listings that give the paths, with no extra call', async () => {
    mock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-root' }] });
    // The catch-all answers first: aws-sdk-client-mock lets a later input-less `on` win over earlier ones.
    mock
      .on(ListOrganizationalUnitsForParentCommand)
      .resolves({})
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-root' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-eng', Name: 'Engineering' }, { Id: 'ou-noname' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-eng' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-pay', Name: 'Payments' }] });
    mock
      .on(ListAccountsForParentCommand)
      .resolves({})
      .on(ListAccountsForParentCommand, { ParentId: 'ou-pay' })
      .resolves({ Accounts: [{ Id: '111111111111' }] });

    const tree = await walkOuTree(client);
    expect(Object.fromEntries(tree.accountOus)).toEqual({ '111111111111': ['ou-eng', 'ou-pay'] });
    expect(Object.fromEntries(tree.ouNames)).toEqual({ 'ou-eng': 'Engineering', 'ou-pay': 'Payments' });
    // root + ou-eng + ou-noname + ou-pay
    expect(mock.commandCalls(ListOrganizationalUnitsForParentCommand)).toHaveLength(4);
    expect(mock.calls()).toHaveLength(1 + 4 + 4);
  });
});
