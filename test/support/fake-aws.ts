import {
  AccessDeniedException,
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-account';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients.js';
import type { AccountState, Contact, ContactType, PrimaryContact } from '../../src/core/types.js';

export interface FakeAccount {
  id: string;
  name: string;
  state?: AccountState;
  /** OU ids from the top down to the parent; [] for the root. */
  ous?: string[];
  tags?: Record<string, string>;
}

export interface FakeOrgSpec {
  managementAccountId: string;
  callerAccountId?: string;
  accounts: FakeAccount[];
  contacts?: Record<string, Partial<Record<ContactType, Contact>>>;
  /** Primary contacts by account id (GetContactInformation answers ResourceNotFound for the others). */
  primary?: Record<string, PrimaryContact>;
  parameters?: Record<string, { value: string; secure?: boolean }>;
  trustedAccess?: boolean;
  /** OU names by id, as ListOrganizationalUnitsForParent gives them (absent: no Name). */
  ouNames?: Record<string, string>;
  /** Reads and writes for these accounts are denied (a service control policy). */
  deniedAccounts?: string[];
  /** Only writes for these accounts are denied. */
  deniedWrites?: string[];
  /** Writes for these accounts are acknowledged but not stored (read-back mismatch). */
  lostWrites?: string[];
}

/** What the SDK puts on a service error: the HTTP status decides whether a failed write may have happened. */
const denied = { $metadata: { httpStatusCode: 403 } };
const notFound = { $metadata: { httpStatusCode: 404 } };
const ROOT_ID = 'r-ab12';

/**
 * An in-memory organization behind aws-sdk-client-mock: the four clients are real SDK clients whose `send`
 * is answered here. Writes change the state, so read-back works; AWS's management-account rule is enforced.
 */
export function fakeAws(spec: FakeOrgSpec) {
  const caller = spec.callerAccountId ?? spec.managementAccountId;
  const contacts = new Map<string, Contact>();
  for (const [id, byType] of Object.entries(spec.contacts ?? {})) {
    for (const [type, contact] of Object.entries(byType)) contacts.set(`${id}/${type}`, { ...contact });
  }
  const puts: { accountId: string; type: string; hadAccountId: boolean }[] = [];
  const primary = new Map<string, PrimaryContact>(
    Object.entries(spec.primary ?? {}).map(([id, c]) => [id, { ...c }]),
  );
  /** Deletes and primary-contact writes, as they were sent. */
  const writes: { operation: string; accountId: string; type: string; hadAccountId: boolean }[] = [];

  const target = (input: { AccountId?: string }, op: string) => {
    if (input.AccountId === spec.managementAccountId && caller === spec.managementAccountId) {
      throw new AccessDeniedException({
        message: `User is not authorized to perform: account:${op} (The management account can only be managed using the standalone context from the management account.)`,
        ...denied,
      });
    }
    const id = input.AccountId ?? caller;
    if (spec.deniedAccounts?.includes(id)) {
      throw new AccessDeniedException({
        message: `explicit deny in a service control policy (${id})`,
        ...denied,
      });
    }
    return id;
  };

  const account = mockClient(AccountClient);
  account.on(GetAlternateContactCommand).callsFake((input) => {
    const id = target(input, 'GetAlternateContact');
    const c = contacts.get(`${id}/${input.AlternateContactType}`);
    if (!c)
      throw new ResourceNotFoundException({ message: 'No contact of the requested type found', ...notFound });
    return {
      AlternateContact: {
        AlternateContactType: input.AlternateContactType,
        Name: c.name,
        Title: c.title,
        EmailAddress: c.email,
        PhoneNumber: c.phone,
      },
    };
  });
  account.on(PutAlternateContactCommand).callsFake((input) => {
    const id = target(input, 'PutAlternateContact');
    if (spec.deniedWrites?.includes(id)) {
      throw new AccessDeniedException({
        message: `explicit deny on PutAlternateContact (${id})`,
        ...denied,
      });
    }
    puts.push({ accountId: id, type: input.AlternateContactType, hadAccountId: 'AccountId' in input });
    if (spec.lostWrites?.includes(id)) return { $metadata: { attempts: 1 } };
    contacts.set(`${id}/${input.AlternateContactType}`, {
      name: input.Name,
      title: input.Title,
      email: input.EmailAddress,
      phone: input.PhoneNumber,
    });
    return { $metadata: { attempts: 1 } };
  });

  account.on(DeleteAlternateContactCommand).callsFake((input) => {
    const id = target(input, 'DeleteAlternateContact');
    if (spec.deniedWrites?.includes(id))
      throw new AccessDeniedException({
        message: `explicit deny on DeleteAlternateContact (${id})`,
        ...denied,
      });
    const key = `${id}/${input.AlternateContactType}`;
    writes.push({
      operation: 'DeleteAlternateContact',
      accountId: id,
      type: input.AlternateContactType,
      hadAccountId: 'AccountId' in input,
    });
    if (!contacts.has(key))
      throw new ResourceNotFoundException({ message: 'No contact of the requested type found', ...notFound });
    if (!spec.lostWrites?.includes(id)) contacts.delete(key);
    return { $metadata: { attempts: 1 } };
  });
  account.on(GetContactInformationCommand).callsFake((input) => {
    const id = target(input, 'GetContactInformation');
    const c = primary.get(id);
    if (!c) throw new ResourceNotFoundException({ message: 'No contact information found', ...notFound });
    return {
      ContactInformation: {
        FullName: c.fullName,
        AddressLine1: c.addressLine1,
        City: c.city,
        PostalCode: c.postalCode,
        CountryCode: c.countryCode,
        PhoneNumber: c.phone,
        ...(c.companyName === undefined ? {} : { CompanyName: c.companyName }),
        ...(c.stateOrRegion === undefined ? {} : { StateOrRegion: c.stateOrRegion }),
        ...(c.addressLine2 === undefined ? {} : { AddressLine2: c.addressLine2 }),
        ...(c.websiteUrl === undefined ? {} : { WebsiteUrl: c.websiteUrl }),
      },
    };
  });
  account.on(PutContactInformationCommand).callsFake((input) => {
    const id = target(input, 'PutContactInformation');
    if (spec.deniedWrites?.includes(id))
      throw new AccessDeniedException({
        message: `explicit deny on PutContactInformation (${id})`,
        ...denied,
      });
    writes.push({
      operation: 'PutContactInformation',
      accountId: id,
      type: 'PRIMARY',
      hadAccountId: 'AccountId' in input,
    });
    const c = input.ContactInformation!;
    if (!spec.lostWrites?.includes(id))
      primary.set(id, {
        fullName: c.FullName!,
        addressLine1: c.AddressLine1!,
        city: c.City!,
        postalCode: c.PostalCode!,
        countryCode: c.CountryCode!,
        phone: c.PhoneNumber!,
        ...(c.CompanyName === undefined ? {} : { companyName: c.CompanyName }),
        ...(c.StateOrRegion === undefined ? {} : { stateOrRegion: c.StateOrRegion }),
        ...(c.AddressLine2 === undefined ? {} : { addressLine2: c.AddressLine2 }),
        ...(c.WebsiteUrl === undefined ? {} : { websiteUrl: c.WebsiteUrl }),
      });
    return { $metadata: { attempts: 1 } };
  });

  const organizations = mockClient(OrganizationsClient);
  organizations.on(DescribeOrganizationCommand).resolves({
    Organization: { Id: 'o-exampleorg1', MasterAccountId: spec.managementAccountId, FeatureSet: 'ALL' },
  });
  organizations.on(ListAWSServiceAccessForOrganizationCommand).resolves({
    EnabledServicePrincipals:
      spec.trustedAccess === false ? [] : [{ ServicePrincipal: 'account.amazonaws.com' }],
  });
  // Pages of two, with an empty page in the middle, as Organizations may return.
  organizations.on(ListAccountsCommand).callsFake((input) => {
    const all = spec.accounts.map((a) => ({ Id: a.id, Name: a.name, State: a.state ?? 'ACTIVE' }));
    const start = Number(input.NextToken ?? 0);
    if (input.NextToken === 'empty') return { Accounts: [], NextToken: '2' };
    const page = all.slice(start, start + 2);
    const next = start + 2 < all.length ? (start === 0 ? 'empty' : String(start + 2)) : undefined;
    return { Accounts: page, NextToken: next };
  });
  organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT_ID }] });
  const childOus = new Map<string, Set<string>>();
  for (const a of spec.accounts) {
    let parent = ROOT_ID;
    for (const ou of a.ous ?? []) {
      childOus.set(parent, (childOus.get(parent) ?? new Set()).add(ou));
      parent = ou;
    }
  }
  organizations.on(ListOrganizationalUnitsForParentCommand).callsFake((input) => ({
    OrganizationalUnits: [...(childOus.get(input.ParentId) ?? [])].map((Id) => ({
      Id,
      ...(spec.ouNames?.[Id] === undefined ? {} : { Name: spec.ouNames[Id] }),
    })),
  }));
  organizations.on(ListAccountsForParentCommand).callsFake((input) => ({
    Accounts: spec.accounts
      .filter((a) => ((a.ous ?? []).at(-1) ?? ROOT_ID) === input.ParentId)
      .map((a) => ({ Id: a.id, Name: a.name })),
  }));
  organizations.on(ListTagsForResourceCommand).callsFake((input) => ({
    Tags: Object.entries(spec.accounts.find((a) => a.id === input.ResourceId)?.tags ?? {}).map(
      ([Key, Value]) => ({
        Key,
        Value,
      }),
    ),
  }));

  const ssm = mockClient(SSMClient);
  ssm.on(GetParametersCommand).callsFake((input) => {
    const names: string[] = input.Names ?? [];
    const found = names.filter((n) => spec.parameters?.[n] !== undefined);
    return {
      Parameters: found.map((Name) => ({
        Name,
        Value: spec.parameters![Name]!.value,
        Type: spec.parameters![Name]!.secure ? 'SecureString' : 'String',
      })),
      InvalidParameters: names.filter((n) => spec.parameters?.[n] === undefined),
    };
  });

  const sts = mockClient(STSClient);
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: caller, Arn: `arn:aws:sts::${caller}:assumed-role/ci/enforce` });

  const clients: AwsClients = {
    account: new AccountClient({ region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
    organizations: new OrganizationsClient({ region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
    ssm: new SSMClient({ region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
    sts: new STSClient({ region: 'us-east-1', credentials: FAKE_CREDENTIALS }),
  };

  return {
    clients,
    mocks: { account, organizations, ssm, sts },
    contacts,
    primary,
    puts,
    writes,
    restore() {
      for (const m of [account, organizations, ssm, sts]) m.restore();
    },
  };
}

const FAKE_CREDENTIALS = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' };

/** A pino destination that keeps parsed lines in memory. */
export function memoryAuditLog() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (s: string) => lines.push(JSON.parse(s)) } };
}
