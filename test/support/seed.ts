// Seeds an AWS Organization into a running moto_server through the AWS SDK v3, for e2e tests and the demo.
//
// Imported by vitest tests and by `npx tsx` scripts: no vitest here. The endpoint is passed explicitly to every
// client because this is test support code; the product itself only ever sees AWS_ENDPOINT_URL.
//
// What moto 5.2.1 does (found with the AWS CLI and the SDK against a live moto_server; test/e2e/moto-harness
// keeps the findings honest):
// - Caller attribution. moto decides the calling account per request, in this order: the MOTO_ACCOUNT_ID
//   environment variable of the moto_server process; an `x-moto-account-id` request header; the access key
//   (keys returned by STS AssumeRole belong to the role's account); otherwise 123456789012. So the fake
//   `testing` credentials are the management account 123456789012, and the organization created with them has
//   that management account.
// - AssumeRole does not check that the role exists or that the caller may assume it: any
//   `arn:aws:iam::ACCOUNT:role/NAME` works and later calls with those keys come from ACCOUNT.
// - Organizations state is stored per calling account. A member account sees the organization in
//   DescribeOrganization and ListRoots, but ListAccounts (and the other List calls) answer empty for it, even
//   after RegisterDelegatedAdministrator. In AWS a delegated administrator can read the organization; the
//   fault proxy (aws-proxy.ts, option `delegatedAdminAccountIds`) restores that by sending such calls to moto
//   with `x-moto-account-id: <management account>`.
// - Account API. moto stores contacts per account id and uses `AccountId` from the body when present, the
//   caller's account otherwise. It validates nothing: the management account naming itself in AccountId works
//   (AWS: 403 "standalone context"), so does an account id that is in no organization or is not 12 digits,
//   trusted access is never checked, and any Name/Title/EmailAddress/PhoneNumber is stored as given.
// - CloseAccount sets both Status and State to SUSPENDED at once (AWS passes through PENDING_CLOSURE and,
//   after 90 days, CLOSED). The account stays in ListAccounts and in its OU, and its contacts can still be read
//   and written. There is no CloseAccount quota.
// - CreateAccount succeeds immediately (State SUCCEEDED) with a random 12-digit id, and accepts Tags.
//   ListAccounts returns accounts in join order; the management account is named `master` with email
//   master@example.com (moto fixes both).

import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AccountClient, PutAlternateContactCommand } from '@aws-sdk/client-account';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
/** Environment for a child process (the CLI) that should talk to moto as the management account. */
export function fakeAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    AWS_ENDPOINT_URL: endpoint,
  };
}

export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';

export type ContactType = 'SECURITY' | 'OPERATIONS' | 'BILLING';

export interface ContactSpec {
  name: string;
  title: string;
  email: string;
  phone: string;
}

export type ContactsSpec = Partial<Record<ContactType, ContactSpec>>;

export interface OuSpec {
  /** Unique across the whole tree: accounts and tests refer to OUs by name. */
  name: string;
  children?: OuSpec[];
  tags?: Record<string, string>;
}

export interface AccountSpec {
  /** Unique: SeededOrg.accounts is keyed by it. */
  name: string;
  email: string;
  /** Name of the OU the account is moved into; absent = directly under the root. */
  ou?: string;
  tags?: Record<string, string>;
  /** Closed with CloseAccount after its contacts are set: moto makes it SUSPENDED at once. */
  suspended?: boolean;
  /** Alternate contacts put before the run (PutAlternateContact with AccountId). */
  contacts?: ContactsSpec;
}

export interface ParameterSpec {
  name: string;
  value: string;
  type?: 'String' | 'SecureString';
}

export interface OrgSpec {
  /** Default ALL. */
  featureSet?: 'ALL' | 'CONSOLIDATED_BILLING';
  /** Default true: EnableAWSServiceAccess for account.amazonaws.com. */
  trustedAccess?: boolean;
  ous?: OuSpec[];
  accounts?: AccountSpec[];
  /** Contacts of the management account itself (PutAlternateContact without AccountId). */
  managementContacts?: ContactsSpec;
  parameters?: ParameterSpec[];
}

export interface SeededOrg {
  organizationId: string;
  managementAccountId: string;
  rootId: string;
  /** Account ids by AccountSpec.name. */
  accounts: Record<string, string>;
  /** OU ids by OuSpec.name. */
  ous: Record<string, string>;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

interface Clients {
  organizations: OrganizationsClient;
  account: AccountClient;
  ssm: SSMClient;
  sts: STSClient;
}

function createClients(endpoint: string): Clients {
  const config = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    organizations: new OrganizationsClient(config),
    account: new AccountClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
  };
}

function destroyClients(clients: Clients): void {
  for (const client of Object.values(clients)) client.destroy();
}

export async function seedOrganization(endpoint: string, spec: OrgSpec): Promise<SeededOrg> {
  checkUniqueNames(spec);
  const clients = createClients(endpoint);
  try {
    return await seed(clients, spec);
  } finally {
    destroyClients(clients);
  }
}

async function seed(clients: Clients, spec: OrgSpec): Promise<SeededOrg> {
  const { organizations, ssm } = clients;
  const created = await organizations.send(
    new CreateOrganizationCommand({ FeatureSet: spec.featureSet ?? 'ALL' }),
  );
  const organizationId = created.Organization?.Id;
  const managementAccountId = created.Organization?.MasterAccountId;
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
  if (!organizationId || !managementAccountId || !rootId) {
    throw new Error('moto did not return the new organization, its management account or its root');
  }

  if (spec.trustedAccess ?? true) {
    await organizations.send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: ACCOUNT_SERVICE_PRINCIPAL }),
    );
  }

  const ous: Record<string, string> = {};
  const createOus = async (list: OuSpec[], parentId: string): Promise<void> => {
    for (const ou of list) {
      const answer = await organizations.send(
        new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: ou.name, Tags: toTags(ou.tags) }),
      );
      const id = answer.OrganizationalUnit?.Id;
      if (!id) throw new Error(`moto did not return an id for OU ${ou.name}`);
      ous[ou.name] = id;
      await createOus(ou.children ?? [], id);
    }
  };
  await createOus(spec.ous ?? [], rootId);

  await putContacts(clients, undefined, spec.managementContacts);

  const accounts: Record<string, string> = {};
  // Created one by one because moto lists accounts in join order: the spec's order is the listed order.
  for (const account of spec.accounts ?? []) {
    const answer = await organizations.send(
      new CreateAccountCommand({
        AccountName: account.name,
        Email: account.email,
        Tags: toTags(account.tags),
      }),
    );
    const id = answer.CreateAccountStatus?.AccountId;
    if (!id) throw new Error(`moto did not return an id for account ${account.name}`);
    accounts[account.name] = id;
  }
  await forEachLimited(spec.accounts ?? [], SEED_CONCURRENCY, async (account) => {
    const id = accounts[account.name]!;
    if (account.ou !== undefined) {
      const ouId = ous[account.ou];
      if (!ouId) throw new Error(`account ${account.name}: OU ${account.ou} is not in the spec`);
      await organizations.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ouId }),
      );
    }
    await putContacts(clients, id, account.contacts);
    if (account.suspended) await organizations.send(new CloseAccountCommand({ AccountId: id }));
  });

  for (const parameter of spec.parameters ?? []) {
    await ssm.send(
      new PutParameterCommand({
        Name: parameter.name,
        Value: parameter.value,
        Type: parameter.type ?? 'String',
        Overwrite: true,
      }),
    );
  }

  return { organizationId, managementAccountId, rootId, accounts, ous };
}

async function putContacts(
  clients: Clients,
  accountId: string | undefined,
  contacts: ContactsSpec | undefined,
): Promise<void> {
  for (const [type, contact] of Object.entries(contacts ?? {}) as [ContactType, ContactSpec][]) {
    await clients.account.send(
      new PutAlternateContactCommand({
        // Absent for the management account: AWS only lets it manage itself in the standalone context.
        AccountId: accountId,
        AlternateContactType: type,
        Name: contact.name,
        Title: contact.title,
        EmailAddress: contact.email,
        PhoneNumber: contact.phone,
      }),
    );
  }
}

const SEED_CONCURRENCY = 6;

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function toTags(tags: Record<string, string> | undefined) {
  if (tags === undefined) return undefined;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function checkUniqueNames(spec: OrgSpec): void {
  const ouNames = new Set<string>();
  const visit = (list: OuSpec[]) => {
    for (const ou of list) {
      if (ouNames.has(ou.name)) throw new Error(`OU name ${ou.name} is used twice in the spec`);
      ouNames.add(ou.name);
      visit(ou.children ?? []);
    }
  };
  visit(spec.ous ?? []);
  const accountNames = new Set<string>();
  for (const account of spec.accounts ?? []) {
    if (accountNames.has(account.name))
      throw new Error(`account name ${account.name} is used twice in the spec`);
    accountNames.add(account.name);
  }
}

/**
 * Credentials of `OrganizationAccountAccessRole` in `accountId`; calls made with them come from that account
 * (moto does not check that the role exists). Use them to run the CLI as a delegated administrator.
 */
export async function assumeRoleCredentials(
  endpoint: string,
  accountId: string,
): Promise<TemporaryCredentials> {
  const sts = new STSClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  try {
    const answer = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'enforce-e2e',
      }),
    );
    const credentials = answer.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
      throw new Error(`moto did not return credentials for account ${accountId}`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
    };
  } finally {
    sts.destroy();
  }
}

/** Makes `accountId` a delegated administrator for AWS Account Management (called as the management account). */
export async function registerDelegatedAdmin(endpoint: string, accountId: string): Promise<void> {
  const organizations = new OrganizationsClient({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await organizations.send(
      new RegisterDelegatedAdministratorCommand({
        AccountId: accountId,
        ServicePrincipal: ACCOUNT_SERVICE_PRINCIPAL,
      }),
    );
  } finally {
    organizations.destroy();
  }
}

// --- the demo organization --------------------------------------------------------------------------------

export const DEMO_SECURITY: ContactSpec = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-555-0142',
};
export const DEMO_PAYMENTS_SECURITY: ContactSpec = {
  ...DEMO_SECURITY,
  email: 'payments-security@example.com',
};
export const DEMO_OPERATIONS: ContactSpec = {
  name: 'Platform On-Call',
  title: 'Operations',
  email: 'ops-oncall@example.com',
  phone: '+1-555-0100',
};
export const DEMO_OPERATIONS_EMAIL_PARAMETER = '/org/contacts/operations/email';
export const DEMO_EXEMPT_TAG = { 'contact-policy': 'exempt' } as const;

/** A person who left: the kind of contact that goes stale. */
const FORMER_SECURITY: ContactSpec = {
  name: 'Jordan Example',
  title: 'Security Engineer',
  email: 'jordan.former@example.com',
  phone: '+1-555-0199',
};
const FORMER_OPERATIONS: ContactSpec = {
  name: 'Old Ops Rota',
  title: 'Operations',
  email: 'old-ops@example.com',
  phone: '+1-555-0111',
};
/** Equal to DEMO_SECURITY after normalising (case of the email, spaces and brackets in the phone). */
const SECURITY_FORMATTED_DIFFERENTLY: ContactSpec = {
  name: ' Security Operations ',
  title: 'Security Team',
  email: 'SECURITY@EXAMPLE.COM',
  phone: '+1 (555) 0142',
};
const OPERATIONS_FORMATTED_DIFFERENTLY: ContactSpec = {
  ...DEMO_OPERATIONS,
  email: 'Ops-OnCall@Example.com',
  phone: '+1 555 0100',
};
const BILLING: ContactSpec = {
  name: 'Finance Team',
  title: 'Accounts Payable',
  email: 'billing@example.com',
  phone: '+1-555-0123',
};

const both = (security: ContactSpec, operations: ContactSpec): ContactsSpec => ({
  SECURITY: security,
  OPERATIONS: operations,
});
const inSync = both(DEMO_SECURITY, DEMO_OPERATIONS);

/**
 * The demo organization: 25 member accounts in two levels of OUs, with missing, stale, in-sync and
 * differently-formatted contacts, one SUSPENDED account, one exempt account and a Payments OU whose security
 * contact is overridden by the demo policy. Only example.com addresses and 555 numbers.
 *
 * Against policy/contacts.yaml (security + operations managed) a dry-run plans: a create where a contact is
 * missing, an update where it is a FORMER_* one (and in payments-ledger, whose contact is right everywhere but in
 * Payments), no-op for the rest, including the differently formatted ones, and skip for the suspended and the
 * exempt account: 13 to create, 7 to update, 28 in sync, 4 skipped.
 */
export function demoOrgSpec(): OrgSpec {
  const email = (name: string) => `aws+${name}@example.com`;
  return {
    featureSet: 'ALL',
    trustedAccess: true,
    ous: [
      { name: 'Security', tags: { owner: 'security' } },
      { name: 'Infrastructure' },
      {
        name: 'Workloads',
        children: [{ name: 'Prod' }, { name: 'Dev' }, { name: 'Payments', tags: { pci: 'true' } }],
      },
      { name: 'Sandbox' },
    ],
    managementContacts: { SECURITY: DEMO_SECURITY, BILLING }, // operations missing
    accounts: [
      {
        name: 'log-archive',
        ou: 'Security',
        contacts: both(SECURITY_FORMATTED_DIFFERENTLY, DEMO_OPERATIONS),
      },
      { name: 'security-tooling', ou: 'Security', contacts: inSync },
      { name: 'audit', ou: 'Security', contacts: { SECURITY: DEMO_SECURITY } }, // operations missing
      { name: 'network-hub', ou: 'Infrastructure', contacts: { ...inSync, BILLING } },
      { name: 'shared-services', ou: 'Infrastructure' }, // both missing
      { name: 'web-prod', ou: 'Prod', tags: { env: 'prod' }, contacts: inSync },
      {
        name: 'api-prod',
        ou: 'Prod',
        tags: { env: 'prod' },
        contacts: both(FORMER_SECURITY, DEMO_OPERATIONS),
      },
      {
        name: 'data-prod',
        ou: 'Prod',
        tags: { env: 'prod' },
        contacts: both(DEMO_SECURITY, FORMER_OPERATIONS),
      },
      {
        name: 'search-prod',
        ou: 'Prod',
        tags: { env: 'prod' },
        contacts: both(FORMER_SECURITY, FORMER_OPERATIONS),
      },
      {
        name: 'mobile-prod',
        ou: 'Prod',
        tags: { env: 'prod' },
        contacts: both(DEMO_SECURITY, OPERATIONS_FORMATTED_DIFFERENTLY),
      },
      { name: 'web-dev', ou: 'Dev', tags: { env: 'dev' } }, // both missing
      { name: 'api-dev', ou: 'Dev', tags: { env: 'dev' }, contacts: inSync },
      { name: 'data-dev', ou: 'Dev', tags: { env: 'dev' }, contacts: { OPERATIONS: DEMO_OPERATIONS } },
      {
        name: 'search-dev',
        ou: 'Dev',
        tags: { env: 'dev' },
        contacts: both(FORMER_SECURITY, DEMO_OPERATIONS),
      },
      { name: 'mobile-dev', ou: 'Dev', tags: { env: 'dev' }, contacts: { SECURITY: DEMO_SECURITY } },
      {
        name: 'payments-prod',
        ou: 'Payments',
        tags: { env: 'prod' },
        contacts: both(DEMO_PAYMENTS_SECURITY, DEMO_OPERATIONS),
      },
      { name: 'payments-ledger', ou: 'Payments', tags: { env: 'prod' }, contacts: inSync }, // needs the override
      { name: 'payments-dev', ou: 'Payments', tags: { env: 'dev' } }, // both missing
      { name: 'sandbox-01', ou: 'Sandbox', tags: { env: 'sandbox' }, contacts: inSync },
      { name: 'sandbox-02', ou: 'Sandbox', tags: { env: 'sandbox' } }, // both missing
      {
        name: 'sandbox-03',
        ou: 'Sandbox',
        tags: { env: 'sandbox' },
        contacts: both(SECURITY_FORMATTED_DIFFERENTLY, OPERATIONS_FORMATTED_DIFFERENTLY),
      },
      {
        name: 'sandbox-retired',
        ou: 'Sandbox',
        tags: { env: 'sandbox' },
        suspended: true,
        contacts: { SECURITY: FORMER_SECURITY },
      },
      {
        name: 'research-exempt',
        ou: 'Sandbox',
        tags: { ...DEMO_EXEMPT_TAG, env: 'research' },
        contacts: { SECURITY: FORMER_SECURITY },
      },
      { name: 'legacy-billing', tags: { env: 'prod' }, contacts: { SECURITY: FORMER_SECURITY, BILLING } },
      { name: 'data-lake', tags: { env: 'prod' }, contacts: inSync },
    ].map((account) => ({ ...account, email: email(account.name) })),
    parameters: [
      { name: DEMO_OPERATIONS_EMAIL_PARAMETER, value: DEMO_OPERATIONS.email, type: 'SecureString' },
    ],
  };
}

/**
 * The `contacts:` section of a policy for these contacts. A field may be raw YAML, e.g. an email of
 * `{ ssm: /org/contacts/operations/email }`.
 */
export function contactsYaml(
  contacts: Partial<Record<'security' | 'operations' | 'billing', ContactSpec>>,
): string {
  const lines = ['contacts:'];
  for (const [key, c] of Object.entries(contacts)) {
    lines.push(
      `  ${key}:`,
      `    name: ${c.name}`,
      `    title: ${c.title}`,
      `    email: ${c.email}`,
      `    phone: "${c.phone}"`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The checked-in example policy the demo applies (its payments OU id is an example id). */
export const REPO_POLICY_PATH = fileURLToPath(new URL('../../policy/contacts.yaml', import.meta.url));

/** Writes policy/contacts.yaml with the seeded Payments OU id in place of its example OU id; returns the text. */
export async function writeDemoPolicy(seeded: SeededOrg, targetPath: string): Promise<string> {
  const text = renderDemoPolicy(seeded, await readFile(REPO_POLICY_PATH, 'utf8'));
  await writeFile(targetPath, text, 'utf8');
  return text;
}

/** `source` with every literal OU id replaced by the seeded Payments OU's (OU ids are random in moto). */
export function renderDemoPolicy(seeded: SeededOrg, source: string): string {
  const payments = seeded.ous.Payments;
  if (!payments) throw new Error('the demo policy refers to the Payments OU, which was not seeded');
  return source.replace(/\bou-[0-9a-z]{4,32}-[0-9a-z]{8,32}\b/g, payments);
}
