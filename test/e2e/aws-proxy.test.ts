// The fault proxy must fail the way AWS fails: every error shape is checked here through the real AWS SDK v3,
// because the SDK's classification (name, status, retryable or not) is what the product reacts to.

import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
  type PutAlternateContactCommandInput,
} from '@aws-sdk/client-account';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsProxy, type ProxyOptions, startAwsProxy } from '../support/aws-proxy.js';
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
});
