// The fault proxy must fail the way AWS fails: every error shape is checked here through the real AWS SDK v3,
// because the SDK's classification (name, status, retryable or not) is what the product reacts to.

import {
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  type PutAlternateContactCommandInput,
  PutContactInformationCommand,
} from '@aws-sdk/client-account';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type AwsProxy,
  type ContactInformation,
  type ProxyOptions,
  startAwsProxy,
} from '../support/aws-proxy.js';
import { isMotoAvailable, type MotoServer, startMoto } from '../support/moto.js';
import {
  assumeRoleCredentials,
  type SeededOrg,
  seedOrganization,
  TEST_CREDENTIALS,
  TEST_REGION,
  type TemporaryCredentials,
} from '../support/seed.js';

const SECURITY = {
  Name: 'Security Operations',
  Title: 'Security Team',
  EmailAddress: 'security@example.com',
  PhoneNumber: '+1-555-0142',
};

const PRIMARY: ContactInformation = {
  FullName: 'Primary Contact',
  AddressLine1: '1 Example Street',
  City: 'Example City',
  PostalCode: '00000',
  CountryCode: 'US',
  PhoneNumber: '+1 (555) 0100',
  CompanyName: 'Example Corp',
  WebsiteUrl: 'https://www.example.com',
};

interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; attempts?: number };
  code?: string;
  reason?: string;
  fieldList?: { name: string; message: string }[];
}

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

/** Lets the first call of `operation` through and throttles the next ones (the real token-bucket path). */
function throttleAfterOne(operation: string): Partial<ProxyOptions> {
  return { throttle: { enabled: true, quotas: { [operation]: { perSecond: 0.001, burst: 1 } } } };
}

describe.skipIf(!isMotoAvailable() && !process.env.ENFORCE_REQUIRE_E2E)('aws fault proxy', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let org: SeededOrg;
  let alpha: string;
  let beta: string;
  let clients: { destroy(): void }[] = [];

  function connect(
    options: { maxAttempts?: number; credentials?: TemporaryCredentials | typeof TEST_CREDENTIALS } = {},
  ) {
    const config = {
      endpoint: proxy.endpoint,
      region: TEST_REGION,
      credentials: options.credentials ?? TEST_CREDENTIALS,
      maxAttempts: options.maxAttempts ?? 1,
    };
    const made = {
      account: new AccountClient(config),
      organizations: new OrganizationsClient(config),
      ssm: new SSMClient(config),
      sts: new STSClient(config),
    };
    clients.push(...Object.values(made));
    return made;
  }

  const getSecurity = (account: AccountClient, accountId?: string) =>
    account.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: accountId }));
  const putSecurity = (
    account: AccountClient,
    accountId?: string,
    fields: Partial<PutAlternateContactCommandInput> = {},
  ) =>
    account.send(
      new PutAlternateContactCommand({
        ...SECURITY,
        AlternateContactType: 'SECURITY',
        AccountId: accountId,
        ...fields,
      }),
    );

  beforeAll(async () => {
    moto = await startMoto();
    org = await seedOrganization(moto.endpoint, {
      ous: [{ name: 'Workloads' }],
      managementContacts: { SECURITY: { name: 'M', title: 'M', email: 'm@example.com', phone: '1' } },
      accounts: ['alpha', 'beta', 'gamma'].map((name) => ({
        name,
        email: `${name}@example.com`,
        ou: 'Workloads',
        contacts: { SECURITY: { name, title: 'T', email: `${name}-sec@example.com`, phone: '+1-555-0000' } },
      })),
      parameters: [
        { name: '/org/contacts/operations/email', value: 'ops@example.com', type: 'SecureString' },
      ],
    });
    alpha = org.accounts.alpha!;
    beta = org.accounts.beta!;
    proxy = await startAwsProxy({ target: moto.endpoint, managementAccountId: org.managementAccountId });
  });

  beforeEach(() => proxy.reset());

  afterEach(() => {
    for (const client of clients) client.destroy();
    clients = [];
  });

  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  describe('error shapes, as the SDK sees them', () => {
    it('Account API throttling: TooManyRequestsException, HTTP 429', async () => {
      proxy.configure(throttleAfterOne('GetAlternateContact'));
      const { account } = connect();
      await getSecurity(account, alpha);
      const error = await failure(getSecurity(account, alpha));
      expect(error.name).toBe('TooManyRequestsException');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata?.httpStatusCode).toBe(429);
      expect(proxy.stats().GetAlternateContact).toMatchObject({ received: 2, forwarded: 1, throttled: 1 });
    });

    it('Organizations throttling: TooManyRequestsException, HTTP 400', async () => {
      proxy.configure(throttleAfterOne('ListAccounts'));
      const { organizations } = connect();
      await organizations.send(new ListAccountsCommand({}));
      const error = await failure(organizations.send(new ListAccountsCommand({})));
      expect(error.name).toBe('TooManyRequestsException');
      expect(error.message).toContain('another request is already in progress');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    });

    it('SSM throttling: ThrottlingException, HTTP 400', async () => {
      proxy.configure(throttleAfterOne('GetParameters'));
      const { ssm } = connect();
      const read = () => ssm.send(new GetParametersCommand({ Names: ['/org/contacts/operations/email'] }));
      await read();
      const error = await failure(read());
      expect(error.name).toBe('ThrottlingException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    });

    it('management account naming itself: AccessDeniedException 403 "standalone context"', async () => {
      const { account } = connect();
      const error = await failure(getSecurity(account, org.managementAccountId));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toBe(
        'User: arn:aws:sts::123456789012:user/moto is not authorized to perform: account:GetAlternateContact ' +
          '(The management account can only be managed using the standalone context from the management account.)',
      );
      const putError = await failure(putSecurity(account, org.managementAccountId));
      expect(putError.message).toContain('account:PutAlternateContact (The management account');
      // Without AccountId the management account manages itself, as AWS wants.
      expect((await getSecurity(account)).AlternateContact?.EmailAddress).toBe('m@example.com');
      expect(proxy.stats().GetAlternateContact).toMatchObject({ received: 2, forwarded: 1, rejected: 1 });
    });

    it('trusted access not enabled: AccessDeniedException 403 for calls with an AccountId', async () => {
      proxy.configure({ trustedAccess: false });
      const { account } = connect();
      const error = await failure(getSecurity(account, alpha));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toContain(
        '(Your organization must first enable trusted access with AWS Account Management.)',
      );
      await getSecurity(account);
    });

    it('service control policy deny for one account: AccessDeniedException 403, other accounts unaffected', async () => {
      proxy.configure({ accessDeniedAccounts: [alpha] });
      const { account } = connect();
      const error = await failure(getSecurity(account, alpha));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toContain('with an explicit deny in a service control policy');
      expect((await getSecurity(account, beta)).AlternateContact?.Name).toBe('beta');
    });

    it('invalid contact fields: ValidationException 400 with reason and fieldList', async () => {
      proxy.configure({ validate: true });
      const { account } = connect();
      const error = await failure(
        putSecurity(account, alpha, { EmailAddress: 'not-an-email', PhoneNumber: 'call me' }),
      );
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.message).toBe('Invalid input');
      expect(error.reason).toBe('fieldValidationFailed');
      expect(error.fieldList?.map((field) => field.name)).toEqual(['EmailAddress', 'PhoneNumber']);
      expect(
        (await failure(putSecurity(account, alpha, { Name: 'x'.repeat(65) }))).fieldList?.[0]?.name,
      ).toBe('Name');
      expect((await failure(getSecurity(account, '12345'))).name).toBe('ValidationException');
      // What AWS accepts goes through: surrounding spaces in the email, brackets and spaces in the phone.
      await putSecurity(account, alpha, {
        EmailAddress: ' security@example.com ',
        PhoneNumber: '+1 (555) 0142',
      });
      expect(proxy.ledger).toHaveLength(1);
    });

    it('internal errors: InternalServerException 500 (Account), ServiceException 500 (Organizations)', async () => {
      proxy.configure({ internalErrorRate: 1 });
      const { account, organizations } = connect();
      const error = await failure(getSecurity(account, alpha));
      expect(error.name).toBe('InternalServerException');
      expect(error.$metadata?.httpStatusCode).toBe(500);
      const orgError = await failure(organizations.send(new ListAccountsCommand({})));
      expect(orgError.name).toBe('ServiceException');
      expect(orgError.$metadata?.httpStatusCode).toBe(500);
    });
  });

  describe('retries by the SDK (default maxAttempts 3)', () => {
    it('absorbs one throttle of each service: the call succeeds on attempt 2', async () => {
      proxy.configure({
        scriptedFaults: [
          { fault: 'throttle', operation: 'GetAlternateContact' },
          { fault: 'throttle', operation: 'ListAccounts' },
          { fault: 'throttle', operation: 'GetParameters' },
        ],
      });
      const { account, organizations, ssm } = connect({ maxAttempts: 3 });
      const [contact, accounts, parameters] = await Promise.all([
        getSecurity(account, alpha),
        organizations.send(new ListAccountsCommand({})),
        ssm.send(new GetParametersCommand({ Names: ['/org/contacts/operations/email'] })),
      ]);
      expect(contact.$metadata.attempts).toBe(2);
      expect(accounts.$metadata.attempts).toBe(2);
      expect(parameters.$metadata.attempts).toBe(2);
    });

    it('a dropped connection is an SDK error, retried like a network fault', async () => {
      proxy.configure({ scriptedFaults: [{ fault: 'drop', operation: 'GetAlternateContact', times: 2 }] });
      const error = await failure(getSecurity(connect().account, alpha));
      // Recorded for the product's error handling: the SDK's node handler calls a reset socket a TimeoutError.
      expect({ name: error.name, code: error.code, status: error.$metadata?.httpStatusCode }).toEqual({
        name: 'TimeoutError',
        code: 'ECONNRESET',
        status: undefined,
      });
      expect(error.message).toBe('socket hang up');
      const answer = await getSecurity(connect({ maxAttempts: 3 }).account, alpha);
      expect(answer.$metadata.attempts).toBe(2);
      expect(proxy.stats().GetAlternateContact).toMatchObject({ received: 3, faulted: 2, forwarded: 1 });
    });
  });

  describe('token buckets', () => {
    // The buckets' clock is stopped during each burst: on a busy machine 20 requests can take longer than the
    // 100 ms in which a GetAlternateContact token comes back, and the test would count a 16th.
    let clock = 0;
    const now = () => clock;

    it('at timeScale 1 lets a burst of 15 GetAlternateContact through, throttles 5 of 20, refills 10/s', async () => {
      const { account } = connect();
      proxy.configure({ now, throttle: { enabled: true, timeScale: 1 } });
      const burst = async (count: number) => {
        const results = await Promise.allSettled(
          Array.from({ length: count }, () => getSecurity(account, alpha)),
        );
        const names = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as Error).name));
        return {
          ok: names.filter((n) => n === 'ok').length,
          throttled: names.filter((n) => n !== 'ok').length,
        };
      };
      expect(await burst(20)).toEqual({ ok: 15, throttled: 5 });
      expect(proxy.stats().GetAlternateContact).toMatchObject({ received: 20, forwarded: 15, throttled: 5 });
      clock += 500;
      expect(await burst(8)).toEqual({ ok: 5, throttled: 3 });
      clock += 10_000; // refills up to the burst, not beyond
      expect(await burst(20)).toEqual({ ok: 15, throttled: 5 });
    });

    it('scales bursts and rates by timeScale', async () => {
      const { account } = connect();
      // ×10: GetAlternateContact 100/s, burst 150.
      proxy.configure({ now, throttle: { enabled: true, timeScale: 10 } });
      const first = await Promise.allSettled(Array.from({ length: 160 }, () => getSecurity(account, alpha)));
      expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(150);
      clock += 100;
      const second = await Promise.allSettled(Array.from({ length: 12 }, () => getSecurity(account, alpha)));
      expect(second.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    });
  });

  describe('ledger of applied writes', () => {
    it('records Puts moto applied, with and without AccountId, and not the throttled or denied ones', async () => {
      const gamma = org.accounts.gamma!;
      proxy.configure({
        accessDeniedAccounts: [gamma],
        validate: true,
        scriptedFaults: [{ fault: 'throttle', operation: 'PutAlternateContact', accountId: beta }],
      });
      const { account } = connect();
      await putSecurity(account, alpha);
      await putSecurity(account); // the management account, standalone
      expect((await failure(putSecurity(account, beta))).name).toBe('TooManyRequestsException');
      expect((await failure(putSecurity(account, gamma))).name).toBe('AccessDeniedException');
      expect((await failure(putSecurity(account, org.managementAccountId))).name).toBe(
        'AccessDeniedException',
      );
      expect((await failure(putSecurity(account, alpha, { EmailAddress: 'bad' }))).name).toBe(
        'ValidationException',
      );

      const member = await assumeRoleCredentials(moto.endpoint, beta);
      await putSecurity(connect({ credentials: member }).account); // a member, standalone

      expect(proxy.ledger.map(({ time, ...entry }) => entry)).toEqual([
        {
          seq: 1,
          operation: 'PutAlternateContact',
          accountId: alpha,
          callerAccountId: org.managementAccountId,
          hadAccountId: true,
          type: 'SECURITY',
          name: SECURITY.Name,
          title: SECURITY.Title,
          email: SECURITY.EmailAddress,
          phone: SECURITY.PhoneNumber,
        },
        {
          seq: 2,
          operation: 'PutAlternateContact',
          accountId: org.managementAccountId,
          callerAccountId: org.managementAccountId,
          hadAccountId: false,
          type: 'SECURITY',
          name: SECURITY.Name,
          title: SECURITY.Title,
          email: SECURITY.EmailAddress,
          phone: SECURITY.PhoneNumber,
        },
        {
          seq: 3,
          operation: 'PutAlternateContact',
          accountId: beta,
          callerAccountId: beta,
          hadAccountId: false,
          type: 'SECURITY',
          name: SECURITY.Name,
          title: SECURITY.Title,
          email: SECURITY.EmailAddress,
          phone: SECURITY.PhoneNumber,
        },
      ]);
      expect(proxy.stats().PutAlternateContact).toMatchObject({
        received: 7,
        forwarded: 3,
        throttled: 0,
        faulted: 2,
        rejected: 2,
      });
    });
  });

  describe('targeted and random faults', () => {
    it('fails only the write, or only the read-back after a write, or loses the answer to an applied write', async () => {
      proxy.configure({
        failPutFor: [alpha],
        failReadBackFor: [beta],
        losePutResponseFor: [org.accounts.gamma!],
      });
      const { account } = connect();
      // The write to alpha fails and never reaches moto; reads of alpha work.
      const before = (await getSecurity(account, alpha)).AlternateContact;
      expect((await failure(putSecurity(account, alpha, { Name: 'changed' }))).name).toBe(
        'InternalServerException',
      );
      expect((await getSecurity(account, alpha)).AlternateContact).toEqual(before);
      // beta: read works until a write went through, then the read-back fails.
      expect((await getSecurity(account, beta)).AlternateContact).toBeDefined();
      await putSecurity(account, beta, { Name: 'changed' });
      expect((await failure(getSecurity(account, beta))).name).toBe('InternalServerException');
      // gamma: moto applies the write, the client only sees the connection drop.
      expect((await failure(putSecurity(account, org.accounts.gamma, { Name: 'applied' }))).code).toBe(
        'ECONNRESET',
      );
      expect((await getSecurity(account, org.accounts.gamma)).AlternateContact?.Name).toBe('applied');
      expect(proxy.ledger.map((entry) => [entry.accountId, entry.name])).toEqual([
        [beta, 'changed'],
        [org.accounts.gamma, 'applied'],
      ]);
    });

    it('restricts random faults and latency to faultOperations', async () => {
      proxy.configure({ internalErrorRate: 1, latencyMs: 2_000, faultOperations: ['PutAlternateContact'] });
      const { account, sts } = connect();
      const started = Date.now();
      await getSecurity(account, alpha);
      expect(Date.now() - started).toBeLessThan(2_000);
      proxy.configure({ latencyMs: 0 });
      expect((await failure(putSecurity(account, alpha))).name).toBe('InternalServerException');
      // Other protocols pass through untouched: STS's query protocol, identified by Action=.
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(org.managementAccountId);
      expect(proxy.stats().GetCallerIdentity).toMatchObject({ received: 1, forwarded: 1 });
    });

    it('adds latency to forwarded calls', async () => {
      proxy.configure({ latencyMs: 150 });
      const started = Date.now();
      await getSecurity(connect().account, alpha);
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    });

    it('replays the same fault sequence for the same seed', async () => {
      const { account } = connect();
      const run = async () => {
        const outcomes: string[] = [];
        for (let i = 0; i < 30; i++) {
          const accountId = i % 2 === 0 ? alpha : beta;
          outcomes.push(
            await getSecurity(account, accountId).then(
              () => 'ok',
              (error: SdkError) => error.code ?? error.name,
            ),
          );
        }
        return outcomes;
      };
      proxy.configure({ seed: 42, internalErrorRate: 0.3, dropRate: 0.2 });
      const first = await run();
      proxy.reset();
      proxy.configure({ seed: 42, internalErrorRate: 0.3, dropRate: 0.2 });
      const second = await run();
      expect(second).toEqual(first);
      expect(new Set(first)).toEqual(new Set(['ok', 'InternalServerException', 'ECONNRESET']));
      proxy.configure({ seed: 43 });
      expect(await run()).not.toEqual(first);
    });
  });

  describe('primary contact, answered by the proxy (moto has no GetContactInformation)', () => {
    const getPrimary = (account: AccountClient, accountId?: string) =>
      account.send(new GetContactInformationCommand({ AccountId: accountId }));
    const putPrimary = (
      account: AccountClient,
      accountId?: string,
      fields: Partial<ContactInformation> = {},
    ) =>
      account.send(
        new PutContactInformationCommand({
          AccountId: accountId,
          ContactInformation: { ...PRIMARY, ...fields },
        }),
      );

    beforeEach(() => proxy.contactInformation.clear());

    it('round-trips for a member (AccountId) and the management account (standalone); Put replaces the whole contact', async () => {
      const { account } = connect();
      await putPrimary(account, alpha);
      expect((await getPrimary(account, alpha)).ContactInformation).toEqual(PRIMARY);
      await putPrimary(account, undefined, { FullName: 'Management Contact' });
      expect((await getPrimary(account)).ContactInformation?.FullName).toBe('Management Contact');
      expect(proxy.contactInformation.get(org.managementAccountId)?.FullName).toBe('Management Contact');

      const { CompanyName, WebsiteUrl, ...required } = PRIMARY;
      await account.send(
        new PutContactInformationCommand({ AccountId: alpha, ContactInformation: required }),
      );
      expect((await getPrimary(account, alpha)).ContactInformation).toEqual(required);
      expect(proxy.stats().PutContactInformation).toMatchObject({ received: 3, emulated: 3, forwarded: 0 });
      expect(proxy.stats().GetContactInformation).toMatchObject({ received: 3, emulated: 3, forwarded: 0 });
    });

    it('an account without one: ResourceNotFoundException 404; a seeded one reads back', async () => {
      const { account } = connect();
      const error = await failure(getPrimary(account, beta));
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.$metadata?.httpStatusCode).toBe(404);
      proxy.contactInformation.set(beta, { ...PRIMARY, FullName: 'Seeded' });
      expect((await getPrimary(account, beta)).ContactInformation?.FullName).toBe('Seeded');
      expect(proxy.ledger).toEqual([]); // seeding is not a write
    });

    it('validates every field with the model limits: ValidationException with reason and fieldList', async () => {
      proxy.configure({ validate: true });
      const { account } = connect();
      const fieldsOf = async (fields: Partial<ContactInformation>) => {
        const error = await failure(putPrimary(account, alpha, fields));
        expect(error.name).toBe('ValidationException');
        expect(error.$metadata?.httpStatusCode).toBe(400);
        expect(error.reason).toBe('fieldValidationFailed');
        return error.fieldList?.map((field) => field.name);
      };
      expect(
        await fieldsOf({
          FullName: 'x'.repeat(51),
          AddressLine1: 'x'.repeat(61),
          City: 'x'.repeat(51),
          PostalCode: 'x'.repeat(21),
          CountryCode: 'USA',
          CompanyName: 'x'.repeat(51),
          WebsiteUrl: 'x'.repeat(257),
        }),
      ).toEqual([
        'FullName',
        'AddressLine1',
        'City',
        'PostalCode',
        'CountryCode',
        'CompanyName',
        'WebsiteUrl',
      ]);
      // The primary phone must start with `+` (an alternate contact's need not) and is at most 20 long.
      expect(await fieldsOf({ PhoneNumber: '555 0100' })).toEqual(['PhoneNumber']);
      expect(await fieldsOf({ PhoneNumber: `+${'1'.repeat(20)}` })).toEqual(['PhoneNumber']);
      expect(await fieldsOf({ CompanyName: '', AddressLine2: '' })).toEqual(['AddressLine2', 'CompanyName']);
      const { City, ...withoutCity } = PRIMARY;
      const missing = await failure(
        account.send(
          new PutContactInformationCommand({
            AccountId: alpha,
            ContactInformation: withoutCity as ContactInformation,
          }),
        ),
      );
      expect(missing.fieldList).toEqual([
        { name: 'City', message: 'The value must be between 1 and 50 characters long.' },
      ]);
      expect((await failure(getPrimary(account, '12345'))).fieldList?.[0]?.name).toBe('AccountId');
      expect(proxy.contactInformation.has(alpha)).toBe(false);
      await putPrimary(account, alpha, { CountryCode: 'us', PhoneNumber: '+44 (20) 7946-0000' });
      expect(proxy.stats().PutContactInformation).toMatchObject({ received: 6, rejected: 5, emulated: 1 });
    });

    it('without ContactInformation: ValidationException even when the proxy does not validate fields', async () => {
      const error = await failure(
        connect().account.send(new PutContactInformationCommand({ AccountId: alpha } as never)),
      );
      expect(error.name).toBe('ValidationException');
      expect(error.fieldList?.map((field) => field.name)).toEqual(['ContactInformation']);
    });

    it('the management-account, trusted-access and SCP rules, as for the alternate contacts', async () => {
      const { account } = connect();
      const own = await failure(getPrimary(account, org.managementAccountId));
      expect(own.name).toBe('AccessDeniedException');
      expect(own.$metadata?.httpStatusCode).toBe(403);
      expect(own.message).toBe(
        'User: arn:aws:sts::123456789012:user/moto is not authorized to perform: account:GetContactInformation ' +
          '(The management account can only be managed using the standalone context from the management account.)',
      );
      expect((await failure(putPrimary(account, org.managementAccountId))).message).toContain(
        'account:PutContactInformation (The management account',
      );
      proxy.configure({ accessDeniedAccounts: [beta] });
      expect((await failure(putPrimary(account, beta))).message).toContain(
        'explicit deny in a service control policy',
      );
      proxy.configure({ trustedAccess: false });
      expect((await failure(putPrimary(account, alpha))).message).toContain(
        'must first enable trusted access',
      );
      await putPrimary(account); // standalone still works
      expect(proxy.ledger.map((entry) => entry.accountId)).toEqual([org.managementAccountId]);
    });

    it('throttles at the published quotas: Get 10/s burst 15, Put 5/s burst 8 (TooManyRequestsException 429)', async () => {
      let clock = 0;
      proxy.configure({ now: () => clock, throttle: { enabled: true } });
      const { account } = connect();
      const outcomes = async (count: number, call: () => Promise<unknown>) => {
        const results = await Promise.allSettled(Array.from({ length: count }, call));
        return results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as SdkError).name));
      };
      await putPrimary(account, alpha);
      const gets = await outcomes(16, () => getPrimary(account, alpha));
      expect(gets.filter((name) => name === 'ok')).toHaveLength(15);
      expect(gets.filter((name) => name === 'TooManyRequestsException')).toHaveLength(1);
      const puts = await outcomes(8, () => putPrimary(account, alpha));
      expect(puts.filter((name) => name === 'ok')).toHaveLength(7); // the first Put took one of 8
      clock += 200; // +1 Put token (5/s), +2 Get tokens (10/s)
      expect(proxy.tokens(org.managementAccountId, 'PutContactInformation')).toBe(1);
      expect(proxy.tokens(org.managementAccountId, 'GetContactInformation')).toBe(2);
      const error = await failure(
        Promise.all([getPrimary(account, alpha), getPrimary(account, alpha), getPrimary(account, alpha)]),
      );
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({
        name: 'TooManyRequestsException',
        status: 429,
      });
    });

    it('records writes in the ledger and takes the targeted write and read-back faults', async () => {
      const { account } = connect();
      await putPrimary(account, alpha);
      await putPrimary(account);
      expect(proxy.ledger.map(({ time, ...entry }) => entry)).toEqual([
        {
          seq: 1,
          operation: 'PutContactInformation',
          accountId: alpha,
          callerAccountId: org.managementAccountId,
          hadAccountId: true,
          type: 'PRIMARY',
          name: '',
          title: '',
          email: '',
          phone: '',
          contactInformation: PRIMARY,
        },
        {
          seq: 2,
          operation: 'PutContactInformation',
          accountId: org.managementAccountId,
          callerAccountId: org.managementAccountId,
          hadAccountId: false,
          type: 'PRIMARY',
          name: '',
          title: '',
          email: '',
          phone: '',
          contactInformation: PRIMARY,
        },
      ]);
      proxy.configure({
        failPutFor: [beta],
        failReadBackFor: [alpha],
        losePutResponseFor: [org.accounts.gamma!],
      });
      expect((await failure(putPrimary(account, beta))).name).toBe('InternalServerException');
      expect(proxy.contactInformation.has(beta)).toBe(false);
      expect((await failure(getPrimary(account, alpha))).name).toBe('InternalServerException');
      expect((await failure(putPrimary(account, org.accounts.gamma))).code).toBe('ECONNRESET');
      expect(proxy.contactInformation.get(org.accounts.gamma!)).toEqual(PRIMARY);
      expect(proxy.ledger).toHaveLength(3);
    });
  });

  describe('DeleteAlternateContact', () => {
    const billing = { ...SECURITY, Name: 'Billing Team' };
    const putBilling = (account: AccountClient, accountId?: string) =>
      account.send(
        new PutAlternateContactCommand({ ...billing, AlternateContactType: 'BILLING', AccountId: accountId }),
      );
    const deleteBilling = (account: AccountClient, accountId?: string) =>
      account.send(
        new DeleteAlternateContactCommand({ AlternateContactType: 'BILLING', AccountId: accountId }),
      );
    const getBilling = (account: AccountClient, accountId?: string) =>
      account.send(new GetAlternateContactCommand({ AlternateContactType: 'BILLING', AccountId: accountId }));

    it('is forwarded to moto and recorded; a missing contact answers ResourceNotFoundException 404 as AWS does', async () => {
      const { account } = connect();
      await putBilling(account, alpha);
      await deleteBilling(account, alpha);
      expect((await failure(getBilling(account, alpha))).name).toBe('ResourceNotFoundException');
      const again = await failure(deleteBilling(account, alpha));
      expect({ name: again.name, status: again.$metadata?.httpStatusCode }).toEqual({
        name: 'ResourceNotFoundException',
        status: 404,
      });
      expect(
        proxy.ledger.map(({ operation, accountId, type, hadAccountId, name }) => ({
          operation,
          accountId,
          type,
          hadAccountId,
          name,
        })),
      ).toEqual([
        {
          operation: 'PutAlternateContact',
          accountId: alpha,
          type: 'BILLING',
          hadAccountId: true,
          name: 'Billing Team',
        },
        {
          operation: 'DeleteAlternateContact',
          accountId: alpha,
          type: 'BILLING',
          hadAccountId: true,
          name: '',
        },
      ]);
      expect(proxy.stats().DeleteAlternateContact).toMatchObject({ received: 2, forwarded: 1, emulated: 1 });
    });

    it('the management-account rule, validation and the published quota (1/s burst 6)', async () => {
      const { account } = connect();
      expect((await failure(deleteBilling(account, org.managementAccountId))).message).toContain(
        'account:DeleteAlternateContact (The management account can only be managed using the standalone context',
      );
      proxy.configure({ validate: true });
      const invalid = await failure(
        account.send(
          new DeleteAlternateContactCommand({ AlternateContactType: 'PRIMARY' as never, AccountId: alpha }),
        ),
      );
      expect(invalid.fieldList?.map((field) => field.name)).toEqual(['AlternateContactType']);

      let clock = 0;
      proxy.configure({ now: () => clock, throttle: { enabled: true } });
      await putBilling(account, beta);
      const results = await Promise.allSettled(Array.from({ length: 7 }, () => deleteBilling(account, beta)));
      const names = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as SdkError).name));
      // Six pass the front door (whether each deletes or finds nothing depends on timing), the seventh does not.
      expect(names.filter((name) => name === 'TooManyRequestsException')).toHaveLength(1);
      expect(proxy.stats().DeleteAlternateContact).toMatchObject({ received: 9, throttled: 1, rejected: 2 });
      clock += 1_000;
      expect(proxy.tokens(org.managementAccountId, 'DeleteAlternateContact')).toBe(1);
    });
  });

  describe('member credentials: the caller of each request, from the AssumeRole answers', () => {
    const roleIn = (accountId: string) => `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`;
    const assume = async (sts: STSClient, accountId: string) => {
      const answer = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleIn(accountId), RoleSessionName: 'enforce-run-1' }),
      );
      const credentials = answer.Credentials!;
      return {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken!,
      };
    };

    it('learns the account of assumed credentials and records caller and standalone context in the ledger', async () => {
      const member = await assume(connect().sts, beta);
      expect(proxy.assumeRoles.map(({ time, ...entry }) => entry)).toEqual([
        {
          seq: 1,
          callerAccountId: org.managementAccountId,
          roleArn: roleIn(beta),
          accountId: beta,
          sessionName: 'enforce-run-1',
          outcome: 'assumed',
          accessKeyId: member.accessKeyId,
        },
      ]);
      const { account } = connect({ credentials: member });
      await putSecurity(account, undefined, { Name: 'From the member' });
      expect(
        proxy.ledger.map(({ operation, accountId, callerAccountId, hadAccountId }) => ({
          operation,
          accountId,
          callerAccountId,
          hadAccountId,
        })),
      ).toEqual([
        { operation: 'PutAlternateContact', accountId: beta, callerAccountId: beta, hadAccountId: false },
      ]);
      // moto stores a standalone write from member credentials under the member: no AccountId injection needed.
      expect((await getSecurity(connect().account, beta)).AlternateContact?.Name).toBe('From the member');
      expect(proxy.statsByCaller()[beta]?.PutAlternateContact).toMatchObject({ received: 1, forwarded: 1 });
      expect(proxy.statsByCaller()[org.managementAccountId]?.AssumeRole).toMatchObject({
        received: 1,
        forwarded: 1,
      });
    });

    it('refuses AssumeRole into chosen accounts with STS AccessDenied 403, not forwarded', async () => {
      proxy.configure({ assumeRoleDeniedAccounts: [org.accounts.gamma!] });
      const { sts } = connect();
      const error = await failure(assume(sts, org.accounts.gamma!));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({
        name: 'AccessDenied',
        status: 403,
      });
      expect(error.message).toBe(
        `User: arn:aws:sts::${org.managementAccountId}:user/moto is not authorized to perform: sts:AssumeRole ` +
          `on resource: ${roleIn(org.accounts.gamma!)}`,
      );
      await assume(sts, alpha);
      expect(proxy.assumeRoles.map((entry) => [entry.accountId, entry.outcome])).toEqual([
        [org.accounts.gamma, 'denied'],
        [alpha, 'assumed'],
      ]);
      expect(proxy.stats().AssumeRole).toMatchObject({ received: 2, forwarded: 1, rejected: 1 });
    });

    it('keeps one bucket per calling account: each caller gets its own quota', async () => {
      let clock = 0;
      const { sts, account: central } = connect();
      const alphaKeys = await assume(sts, alpha);
      const betaKeys = await assume(sts, beta);
      proxy.configure({ now: () => clock, throttle: { enabled: true } });
      const burst = async (account: AccountClient, count: number, accountId?: string) => {
        const results = await Promise.allSettled(
          Array.from({ length: count }, () => getSecurity(account, accountId)),
        );
        return results.filter((r) => r.status === 'fulfilled').length;
      };
      // The management account spends its 15 tokens on alpha; alpha's own credentials still have 15.
      expect(await burst(central, 16, alpha)).toBe(15);
      expect(proxy.tokens(org.managementAccountId, 'GetAlternateContact')).toBe(0);
      expect(proxy.tokens(alpha, 'GetAlternateContact')).toBe(15);
      expect(await burst(connect({ credentials: alphaKeys }).account, 16)).toBe(15);
      expect(await burst(connect({ credentials: betaKeys }).account, 10)).toBe(10);
      expect(proxy.tokens(alpha, 'GetAlternateContact')).toBe(0);
      expect(proxy.tokens(beta, 'GetAlternateContact')).toBe(5);
      clock += 300;
      expect(proxy.tokens(org.managementAccountId, 'GetAlternateContact')).toBe(3);
      expect(proxy.tokens(alpha, 'GetAlternateContact')).toBe(3);
      const byCaller = proxy.statsByCaller();
      expect(byCaller[org.managementAccountId]?.GetAlternateContact).toMatchObject({
        received: 16,
        throttled: 1,
      });
      expect(byCaller[alpha]?.GetAlternateContact).toMatchObject({ received: 16, throttled: 1 });
      expect(byCaller[beta]?.GetAlternateContact).toMatchObject({ received: 10, throttled: 0 });
    });

    it('paces AssumeRole when a quota is set (STS Throttling), and counts every call', async () => {
      proxy.configure({
        now: () => 0,
        throttle: { enabled: true, quotas: { AssumeRole: { perSecond: 1, burst: 2 } } },
      });
      const { sts } = connect();
      await assume(sts, alpha);
      await assume(sts, beta);
      const error = await failure(assume(sts, org.accounts.gamma!));
      expect({ name: error.name, status: error.$metadata?.httpStatusCode }).toEqual({
        name: 'Throttling',
        status: 400,
      });
      expect(proxy.stats().AssumeRole).toMatchObject({ received: 3, forwarded: 2, throttled: 1 });
      expect(proxy.assumeRoles.map((entry) => entry.accountId)).toEqual([alpha, beta]);
    });
  });
});
