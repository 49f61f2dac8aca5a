// An in-memory organization of any size for the in-process overhead benchmark, served three ways:
// - 'mock': aws-sdk-client-mock answers `send` (as test/support/fake-aws.ts does): the SDK's stack does not run.
// - 'direct': `send` replaced by a plain function: only our own code (and pino) runs.
// - 'sdk': a request handler answers HTTP requests in memory, so the SDK's whole stack runs as in production
//   (serialisation, endpoint resolution, signing, retries, our pacing middleware, deserialisation).
// Adapted from test/support/fake-aws.ts, which pages ListAccounts two at a time and scans every account for
// each call: fine for tests, quadratic at 10,000 accounts. Here pages hold 20 (ListAccounts' maximum) and
// every lookup is a Map.

import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-account';
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAWSServiceAccessForOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { AwsClients } from '../../src/aws/clients.js';
import type { Contact, ContactType } from '../../src/core/types.js';
import { OPERATIONS, SECURITY } from '../../test/support/builders.js';

export { OPERATIONS, SECURITY };

export const FAKE_MANAGEMENT_ACCOUNT_ID = '999999999999';
const PAGE_SIZE = 20;
const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' };

const STALE_OPERATIONS: Contact = { ...OPERATIONS, email: 'old-ops@example.com' };

export interface FakeOrg {
  accounts: { Id: string; Name: string; State: 'ACTIVE' }[];
  contacts: Map<string, Contact>;
  gets: number;
  puts: number;
}

/**
 * `size` member accounts plus the management account. Member i: SECURITY missing when i is even (50%),
 * OPERATIONS stale when i % 4 === 1 (25%), in sync otherwise; the management account is in sync.
 */
export function buildFakeOrg(size: number): FakeOrg {
  const accounts: FakeOrg['accounts'] = [
    { Id: FAKE_MANAGEMENT_ACCOUNT_ID, Name: 'management', State: 'ACTIVE' },
  ];
  const contacts = new Map<string, Contact>();
  contacts.set(`${FAKE_MANAGEMENT_ACCOUNT_ID}/SECURITY`, SECURITY);
  contacts.set(`${FAKE_MANAGEMENT_ACCOUNT_ID}/OPERATIONS`, OPERATIONS);
  for (let i = 0; i < size; i++) {
    const id = String(100_000_000_000 + i);
    accounts.push({ Id: id, Name: `account-${i}`, State: 'ACTIVE' });
    if (i % 2 === 1) contacts.set(`${id}/SECURITY`, SECURITY);
    contacts.set(`${id}/OPERATIONS`, i % 4 === 1 ? STALE_OPERATIONS : OPERATIONS);
  }
  return { accounts, contacts, gets: 0, puts: 0 };
}

/** Items the policy (SECURITY + OPERATIONS) writes in `buildFakeOrg(size)`. */
export function expectedWrites(size: number): number {
  let writes = 0;
  for (let i = 0; i < size; i++) writes += (i % 2 === 0 ? 1 : 0) + (i % 4 === 1 ? 1 : 0);
  return writes;
}

interface ContactInput {
  AccountId?: string;
  AlternateContactType?: string;
  Name?: string;
  Title?: string;
  EmailAddress?: string;
  PhoneNumber?: string;
}

// The caller is the management account, which AWS only lets manage itself without AccountId.
const target = (input: ContactInput) => input.AccountId ?? FAKE_MANAGEMENT_ACCOUNT_ID;

function getContact(org: FakeOrg, input: ContactInput) {
  org.gets++;
  const contact = org.contacts.get(`${target(input)}/${input.AlternateContactType}`);
  if (contact === undefined) return null;
  return {
    AlternateContact: {
      AlternateContactType: input.AlternateContactType as ContactType,
      Name: contact.name,
      Title: contact.title,
      EmailAddress: contact.email,
      PhoneNumber: contact.phone,
    },
  };
}

function putContact(org: FakeOrg, input: ContactInput) {
  org.puts++;
  org.contacts.set(`${target(input)}/${input.AlternateContactType}`, {
    name: input.Name ?? '',
    title: input.Title ?? '',
    email: input.EmailAddress ?? '',
    phone: input.PhoneNumber ?? '',
  });
}

function listAccountsPage(org: FakeOrg, nextToken: string | undefined) {
  const start = Number(nextToken ?? 0);
  const end = start + PAGE_SIZE;
  return {
    Accounts: org.accounts.slice(start, end),
    NextToken: end < org.accounts.length ? String(end) : undefined,
  };
}

const ORGANIZATION = {
  Organization: {
    Id: 'o-benchorg01',
    MasterAccountId: FAKE_MANAGEMENT_ACCOUNT_ID,
    FeatureSet: 'ALL' as const,
  },
};
const SERVICE_ACCESS = { EnabledServicePrincipals: [{ ServicePrincipal: 'account.amazonaws.com' }] };
const CALLER = {
  Account: FAKE_MANAGEMENT_ACCOUNT_ID,
  Arn: `arn:aws:sts::${FAKE_MANAGEMENT_ACCOUNT_ID}:assumed-role/ci/enforce`,
};

/**
 * Clients whose `send` is answered by aws-sdk-client-mock: the SDK's middleware does not run. The mocks'
 * call history (sinon keeps every call's arguments and result) is dropped every 1,000 calls: kept, it holds
 * ~110 MB at 10,000 accounts, which is the harness's memory, not the tool's.
 */
export function mockedClients(org: FakeOrg): AwsClients {
  const account = mockClient(AccountClient);
  const organizations = mockClient(OrganizationsClient);
  let calls = 0;
  const forgetHistory = () => {
    if (++calls % 1000 === 0) {
      queueMicrotask(() => {
        account.resetHistory();
        organizations.resetHistory();
      });
    }
  };
  account
    .on(GetAlternateContactCommand)
    .callsFake((input: ContactInput) => {
      forgetHistory();
      const answer = getContact(org, input);
      if (answer === null) {
        throw new ResourceNotFoundException({
          message: 'No contact of the requested type found',
          $metadata: {},
        });
      }
      return answer;
    })
    .on(PutAlternateContactCommand)
    .callsFake((input: ContactInput) => {
      forgetHistory();
      putContact(org, input);
      return { $metadata: { attempts: 1 } };
    });
  organizations
    .on(DescribeOrganizationCommand)
    .resolves(ORGANIZATION)
    .on(ListAWSServiceAccessForOrganizationCommand)
    .resolves(SERVICE_ACCESS)
    .on(ListAccountsCommand)
    .callsFake((input: { NextToken?: string }) => {
      forgetHistory();
      return listAccountsPage(org, input.NextToken);
    });
  mockClient(STSClient).on(GetCallerIdentityCommand).resolves(CALLER);
  return {
    account: new AccountClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    organizations: new OrganizationsClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    ssm: new SSMClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    sts: new STSClient({ region: 'us-east-1', credentials: CREDENTIALS }),
  };
}

/**
 * Clients whose `send` is replaced by a plain function: no SDK middleware and no mock library, so what is
 * measured is our own code (and pino).
 */
export function directClients(org: FakeOrg): AwsClients {
  const clients = {
    account: new AccountClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    organizations: new OrganizationsClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    ssm: new SSMClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    sts: new STSClient({ region: 'us-east-1', credentials: CREDENTIALS }),
  };
  const answer = async (command: { input: unknown; constructor: { name: string } }): Promise<unknown> => {
    const input = command.input as ContactInput & { NextToken?: string };
    switch (command.constructor.name) {
      case 'GetAlternateContactCommand': {
        const found = getContact(org, input);
        if (found === null) {
          throw new ResourceNotFoundException({
            message: 'No contact of the requested type found',
            $metadata: {},
          });
        }
        return found;
      }
      case 'PutAlternateContactCommand':
        putContact(org, input);
        return { $metadata: { attempts: 1 } };
      case 'DescribeOrganizationCommand':
        return ORGANIZATION;
      case 'ListAWSServiceAccessForOrganizationCommand':
        return SERVICE_ACCESS;
      case 'ListAccountsCommand':
        return listAccountsPage(org, input.NextToken);
      case 'GetCallerIdentityCommand':
        return CALLER;
      default:
        throw new Error(`the bench fake does not answer ${command.constructor.name}`);
    }
  };
  for (const client of Object.values(clients)) (client as unknown as { send: typeof answer }).send = answer;
  return clients;
}

// --- the whole SDK, with HTTP answered in memory -----------------------------------------------------------

interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const encoder = new TextEncoder();

function json(
  statusCode: number,
  value: unknown,
  headers: Record<string, string>,
): { response: WireResponse } {
  return {
    response: {
      statusCode,
      headers: { 'x-amzn-requestid': 'bench', ...headers },
      body: encoder.encode(JSON.stringify(value)),
    },
  };
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  // Byte view, not Buffer.from(body): the SDK's JSON body adapter warns when its string methods are used.
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
}

/** A smithy HttpHandler that serves the Account and Organizations APIs from `org`. */
class InMemoryHandler {
  readonly metadata = { handlerProtocol: 'h1' };
  constructor(private readonly org: FakeOrg) {}

  async handle(request: WireRequest): Promise<{ response: WireResponse }> {
    const input = JSON.parse(bodyText(request.body) || '{}') as Record<string, unknown>;
    const amzTarget = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1];
    if (amzTarget !== undefined) {
      const organizations = { 'content-type': 'application/x-amz-json-1.1' };
      switch (amzTarget.slice(amzTarget.indexOf('.') + 1)) {
        case 'DescribeOrganization':
          return json(200, ORGANIZATION, organizations);
        case 'ListAWSServiceAccessForOrganization':
          return json(200, SERVICE_ACCESS, organizations);
        case 'ListAccounts':
          return json(200, listAccountsPage(this.org, input.NextToken as string | undefined), organizations);
        default:
          return json(400, { __type: 'UnsupportedAPIEndpointException', Message: amzTarget }, organizations);
      }
    }
    const account = { 'content-type': 'application/json' };
    if (request.path === '/getAlternateContact') {
      const answer = getContact(this.org, input as ContactInput);
      return answer === null
        ? json(
            404,
            { message: 'No contact of the requested type found' },
            {
              ...account,
              'x-amzn-errortype': 'ResourceNotFoundException',
            },
          )
        : json(200, answer, account);
    }
    if (request.path === '/putAlternateContact') {
      putContact(this.org, input as ContactInput);
      return json(200, {}, account);
    }
    return json(404, { message: `no route ${request.path}` }, { ...account, 'x-amzn-errortype': 'NotFound' });
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

/** Real SDK clients end to end; only the network is replaced. STS (one call a run) is mocked. */
export function inMemoryHttpClients(org: FakeOrg): AwsClients {
  const requestHandler = new InMemoryHandler(org);
  const config = { region: 'us-east-1', credentials: CREDENTIALS, requestHandler };
  mockClient(STSClient).on(GetCallerIdentityCommand).resolves(CALLER);
  return {
    account: new AccountClient(config),
    organizations: new OrganizationsClient(config),
    ssm: new SSMClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    sts: new STSClient({ region: 'us-east-1', credentials: CREDENTIALS }),
  };
}
