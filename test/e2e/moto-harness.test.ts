import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from '@aws-sdk/client-account';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  assumeRoleCredentials,
  DEMO_OPERATIONS_EMAIL_PARAMETER,
  demoOrgSpec,
  type OrgSpec,
  registerDelegatedAdmin,
  renderDemoPolicy,
  type SeededOrg,
  seedOrganization,
  TEST_CREDENTIALS,
  TEST_REGION,
  type TemporaryCredentials,
  writeDemoPolicy,
} from '../support/seed.js';

const SECURITY = { name: 'Sec Ops', title: 'Security', email: 'sec@example.com', phone: '+1-555-0142' };
const OPERATIONS = { name: 'Ops', title: 'On-call', email: 'ops@example.com', phone: '+1-555-0100' };

const SMALL_ORG: OrgSpec = {
  ous: [{ name: 'Workloads', children: [{ name: 'Prod' }, { name: 'Dev' }] }, { name: 'Sandbox' }],
  managementContacts: { SECURITY },
  accounts: [
    {
      name: 'prod-1',
      email: 'prod-1@example.com',
      ou: 'Prod',
      tags: { env: 'prod' },
      contacts: { SECURITY },
    },
    { name: 'dev-1', email: 'dev-1@example.com', ou: 'Dev', contacts: { OPERATIONS } },
    { name: 'loose', email: 'loose@example.com', tags: { 'contact-policy': 'exempt' } },
    { name: 'retired', email: 'retired@example.com', ou: 'Sandbox', suspended: true, contacts: { SECURITY } },
  ],
  parameters: [
    { name: '/test/plain', value: 'plain-value' },
    { name: '/test/secret', value: 'secret@example.com', type: 'SecureString' },
  ],
};

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('moto harness', () => {
  let moto: MotoServer;
  let org: SeededOrg;
  const clients: { destroy(): void }[] = [];

  function connect(credentials: TemporaryCredentials | typeof TEST_CREDENTIALS = TEST_CREDENTIALS) {
    const config = { endpoint: moto.endpoint, region: TEST_REGION, credentials, maxAttempts: 1 };
    const made = {
      account: new AccountClient(config),
      organizations: new OrganizationsClient(config),
      ssm: new SSMClient(config),
      sts: new STSClient(config),
    };
    clients.push(...Object.values(made));
    return made;
  }

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrganization(moto.endpoint, SMALL_ORG);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await moto?.stop();
  });

  it('starts moto on a free 127.0.0.1 port and answers AWS calls', async () => {
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    const identity = await connect().sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('123456789012');
  });

  it('seeds the organization: feature set, trusted access, nested OUs, accounts in their OUs', async () => {
    const { organizations } = connect();
    const described = await organizations.send(new DescribeOrganizationCommand({}));
    expect(described.Organization).toMatchObject({
      Id: org.organizationId,
      FeatureSet: 'ALL',
      MasterAccountId: org.managementAccountId,
    });
    const access = await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(access.EnabledServicePrincipals?.map((p) => p.ServicePrincipal)).toContain(
      'account.amazonaws.com',
    );

    const underWorkloads = await organizations.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: org.ous.Workloads }),
    );
    expect(underWorkloads.OrganizationalUnits?.map((ou) => [ou.Name, ou.Id]).sort()).toEqual([
      ['Dev', org.ous.Dev],
      ['Prod', org.ous.Prod],
    ]);
    const parents = async (name: string) =>
      (await organizations.send(new ListParentsCommand({ ChildId: org.accounts[name] }))).Parents?.[0]?.Id;
    expect(await parents('prod-1')).toBe(org.ous.Prod);
    expect(await parents('dev-1')).toBe(org.ous.Dev);
    expect(await parents('loose')).toBe(org.rootId);

    const listed = await organizations.send(new ListAccountsCommand({}));
    expect(listed.Accounts?.map((a) => [a.Name, a.State])).toEqual([
      ['master', 'ACTIVE'],
      ['prod-1', 'ACTIVE'],
      ['dev-1', 'ACTIVE'],
      ['loose', 'ACTIVE'],
      ['retired', 'SUSPENDED'], // CloseAccount → SUSPENDED at once (AWS: PENDING_CLOSURE first)
    ]);
    const tags = await organizations.send(new ListTagsForResourceCommand({ ResourceId: org.accounts.loose }));
    expect(tags.Tags).toEqual([{ Key: 'contact-policy', Value: 'exempt' }]);
  });

  it('seeds contacts of members (with AccountId) and of the management account (without)', async () => {
    const { account } = connect();
    const get = (type: 'SECURITY' | 'OPERATIONS', accountId?: string) =>
      account.send(new GetAlternateContactCommand({ AlternateContactType: type, AccountId: accountId }));
    expect((await get('SECURITY', org.accounts['prod-1'])).AlternateContact).toMatchObject({
      Name: SECURITY.name,
      EmailAddress: SECURITY.email,
      PhoneNumber: SECURITY.phone,
    });
    expect((await get('OPERATIONS', org.accounts['dev-1'])).AlternateContact?.EmailAddress).toBe(
      OPERATIONS.email,
    );
    await expect(get('SECURITY', org.accounts['dev-1'])).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await get('SECURITY')).AlternateContact?.EmailAddress).toBe(SECURITY.email);
    // The suspended account keeps its contacts and moto still serves them.
    expect((await get('SECURITY', org.accounts.retired)).AlternateContact?.EmailAddress).toBe(SECURITY.email);
  });

  it('seeds SSM parameters, SecureString decrypted on request', async () => {
    const answer = await connect().ssm.send(
      new GetParametersCommand({
        Names: ['/test/plain', '/test/secret', '/test/missing'],
        WithDecryption: true,
      }),
    );
    expect(Object.fromEntries(answer.Parameters?.map((p) => [p.Name, [p.Type, p.Value]]) ?? [])).toEqual({
      '/test/plain': ['String', 'plain-value'],
      '/test/secret': ['SecureString', 'secret@example.com'],
    });
    expect(answer.InvalidParameters).toEqual(['/test/missing']);
  });

  it('attributes calls made with AssumeRole credentials to the role account', async () => {
    const member = org.accounts['dev-1']!;
    const credentials = await assumeRoleCredentials(moto.endpoint, member);
    const asMember = connect(credentials);
    const identity = await asMember.sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(member);
    expect(identity.Arn).toBe(
      `arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/enforce-e2e`,
    );

    // Without AccountId the call is about the caller's own account.
    await asMember.account.send(
      new PutAlternateContactCommand({
        AlternateContactType: 'BILLING',
        Name: 'Finance',
        Title: 'AP',
        EmailAddress: 'billing@example.com',
        PhoneNumber: '+1-555-0123',
      }),
    );
    const seenByManagement = await connect().account.send(
      new GetAlternateContactCommand({ AlternateContactType: 'BILLING', AccountId: member }),
    );
    expect(seenByManagement.AlternateContact?.EmailAddress).toBe('billing@example.com');
  });

  it('documents what moto accepts and AWS refuses (the fault proxy adds these rules)', async () => {
    const { account } = connect();
    // AWS: 403 "standalone context" when the management account names itself.
    const own = await account.send(
      new GetAlternateContactCommand({
        AlternateContactType: 'SECURITY',
        AccountId: org.managementAccountId,
      }),
    );
    expect(own.AlternateContact?.EmailAddress).toBe(SECURITY.email);
    // AWS: AccessDenied for an account outside the organization; moto keeps contacts for any id.
    await account.send(
      new PutAlternateContactCommand({
        AccountId: '999999999999',
        AlternateContactType: 'SECURITY',
        Name: 'x',
        Title: 'x',
        EmailAddress: 'not-an-email', // AWS: ValidationException
        PhoneNumber: 'not a phone',
      }),
    );
    const stored = await account.send(
      new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: '999999999999' }),
    );
    expect(stored.AlternateContact).toMatchObject({
      EmailAddress: 'not-an-email',
      PhoneNumber: 'not a phone',
    });
  });

  it('lets a delegated administrator for account.amazonaws.com read the organization (patched moto)', async () => {
    const admin = org.accounts['prod-1']!;
    await registerDelegatedAdmin(moto.endpoint, admin);
    const delegated = await connect().organizations.send(
      new ListDelegatedAdministratorsCommand({ ServicePrincipal: 'account.amazonaws.com' }),
    );
    expect(delegated.DelegatedAdministrators?.map((a) => a.Id)).toEqual([admin]);

    const asAdmin = connect(await assumeRoleCredentials(moto.endpoint, admin));
    const listed = await asAdmin.organizations.send(new ListAccountsCommand({}));
    expect(listed.Accounts).toHaveLength(5);
    // A member that is not a delegated administrator still sees nothing, as moto does unpatched.
    const asOther = connect(await assumeRoleCredentials(moto.endpoint, org.accounts['dev-1']!));
    expect((await asOther.organizations.send(new ListAccountsCommand({}))).Accounts).toEqual([]);
  });

  it('seeds without trusted access and with consolidated billing only when asked', async () => {
    await moto.reset();
    await expect(seedOrganization(moto.endpoint, { ous: [{ name: 'A' }, { name: 'A' }] })).rejects.toThrow(
      /OU name A is used twice/,
    );
    await seedOrganization(moto.endpoint, { featureSet: 'CONSOLIDATED_BILLING', trustedAccess: false });
    const { organizations } = connect();
    const described = await organizations.send(new DescribeOrganizationCommand({}));
    expect(described.Organization?.FeatureSet).toBe('CONSOLIDATED_BILLING');
    const access = await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(access.EnabledServicePrincipals).toEqual([]);
  });

  it('seeds the demo organization and writes its policy with the Payments OU id', async () => {
    await moto.reset();
    const demo = await seedOrganization(moto.endpoint, demoOrgSpec());
    org = demo;
    const { organizations, ssm } = connect();
    const accounts = (await organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
    expect(accounts).toHaveLength(26);
    expect(accounts.filter((a) => a.State === 'SUSPENDED').map((a) => a.Name)).toEqual(['sandbox-retired']);
    expect(Object.keys(demo.ous).sort()).toEqual(
      ['Dev', 'Infrastructure', 'Payments', 'Prod', 'Sandbox', 'Security', 'Workloads'].sort(),
    );
    const parameter = await ssm.send(
      new GetParametersCommand({ Names: [DEMO_OPERATIONS_EMAIL_PARAMETER], WithDecryption: true }),
    );
    expect(parameter.Parameters?.[0]).toMatchObject({
      Type: 'SecureString',
      Value: 'ops-oncall@example.com',
    });

    const dir = await mkdtemp(join(tmpdir(), 'enforce-demo-policy-'));
    try {
      const path = join(dir, 'contacts.yaml');
      const written = await writeDemoPolicy(demo, path);
      expect(await readFile(path, 'utf8')).toBe(written);
      expect(written).toContain(`ous: ["${demo.ous.Payments}"]`);
      expect(written).not.toContain('ou-ab12-payments1');
      expect(written).toContain('email: { ssm: /org/contacts/operations/email }');
      // A checked-in policy written for a real organization: its literal OU id becomes the seeded one.
      const adapted = renderDemoPolicy(demo, 'match: { ous: ["ou-ab12-payments1"] }\n');
      expect(adapted).toBe(`match: { ous: ["${demo.ous.Payments}"] }\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stop() ends moto: the port refuses connections, and stopping twice is harmless', async () => {
    await moto.stop();
    await moto.stop();
    const refused = await new Promise<string>((resolve) => {
      const request = http.get(`${moto.endpoint}/moto-api/`, { agent: false, timeout: 2_000 }, (response) => {
        response.resume();
        resolve(`answered ${response.statusCode}`);
      });
      request.once('timeout', () => request.destroy(new Error('timeout')));
      request.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
