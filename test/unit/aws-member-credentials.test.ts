import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMemberCredentials,
  type MemberCredentialsOptions,
  memberSessionName,
  REFRESH_MARGIN_MS,
  type WallClock,
} from '../../src/aws/member-credentials.js';
import type { Clock } from '../../src/engine/clock.js';
import { createTokenBucket, type RateLimiter } from '../../src/engine/rate-limiter.js';
import { MemberRoleError } from '../../src/errors.js';

const RUN_ID = '3f2a9c1e-7b4d-4e8a-9c3b-111111111111';
const START = Date.parse('2026-03-01T02:00:00.000Z');
const HOUR = 3600_000;

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

function wallClock(): WallClock & { advance(ms: number): void } {
  let now = START;
  return {
    epochMs: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

const unpaced: RateLimiter = { acquire: async () => undefined };

function answer(accessKeyId: string, expiresAt: number) {
  return {
    Credentials: {
      AccessKeyId: accessKeyId,
      SecretAccessKey: `secret-${accessKeyId}`,
      SessionToken: `token-${accessKeyId}`,
      Expiration: new Date(expiresAt),
    },
  };
}

function credentials(overrides: Partial<MemberCredentialsOptions> = {}) {
  const clock = wallClock();
  const member = createMemberCredentials({
    sts: new STSClient({ region: 'us-east-1' }),
    roleName: 'EnforceContactsMember',
    runId: RUN_ID,
    clock,
    limiter: unpaced,
    ...overrides,
  });
  return { clock, member };
}

function sdkError(name: string, message: string, status: number) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

async function rejection(promise: Promise<unknown>): Promise<MemberRoleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MemberRoleError) return error;
    throw error;
  }
  throw new Error('expected a MemberRoleError');
}

describe('member-role credentials', () => {
  it('assumes the member role with a session name carrying the run id, the external id and duration', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('ASIAMEMBER1', START + HOUR));
    const { member } = credentials({ externalId: 'enforce-external-1', sessionDurationSeconds: 1800 });
    const got = await member.credentialsFor('111111111111');
    expect(got).toEqual({
      accessKeyId: 'ASIAMEMBER1',
      secretAccessKey: 'secret-ASIAMEMBER1',
      sessionToken: 'token-ASIAMEMBER1',
      expiration: new Date(START + HOUR),
    });
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: 'arn:aws:iam::111111111111:role/EnforceContactsMember',
        RoleSessionName: `enforce-${RUN_ID}`,
        ExternalId: 'enforce-external-1',
        DurationSeconds: 1800,
      },
    ]);
  });

  it('sends neither ExternalId nor DurationSeconds when not configured', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('ASIAMEMBER1', START + HOUR));
    await credentials().member.credentialsFor('111111111111');
    expect(Object.keys(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).sort()).toEqual([
      'RoleArn',
      'RoleSessionName',
    ]);
  });

  it('takes the partition from the caller ARN', async () => {
    sts.on(AssumeRoleCommand).resolves(answer('ASIAMEMBER1', START + HOUR));
    const { member } = credentials({
      callerArn: 'arn:aws-us-gov:sts::999999999999:assumed-role/Enforcer/ci',
    });
    await member.credentialsFor('111111111111');
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.RoleArn).toBe(
      'arn:aws-us-gov:iam::111111111111:role/EnforceContactsMember',
    );
  });

  it('keeps session names within 64 allowed characters', () => {
    const name = memberSessionName(`run id/with:odd*chars-${'x'.repeat(80)}`);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(name.startsWith('enforce-run-id-with-odd-chars-')).toBe(true);
  });

  it('assumes once per account for the run and caches the credentials', async () => {
    sts
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::111111111111:role/EnforceContactsMember' })
      .resolves(answer('ASIAMEMBER1', START + HOUR))
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::222222222222:role/EnforceContactsMember' })
      .resolves(answer('ASIAMEMBER2', START + HOUR));
    const { member } = credentials();
    const a1 = await member.credentialsFor('111111111111');
    const b = await member.credentialsFor('222222222222');
    const a2 = await member.credentialsFor('111111111111');
    expect(a1.accessKeyId).toBe('ASIAMEMBER1');
    expect(b.accessKeyId).toBe('ASIAMEMBER2');
    expect(a2).toBe(a1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('shares one in-flight AssumeRole between concurrent callers for one account', async () => {
    let release: () => void = () => undefined;
    sts.on(AssumeRoleCommand).callsFake(
      () =>
        new Promise((resolve) => {
          release = () => resolve(answer('ASIAMEMBER1', START + HOUR));
        }),
    );
    const { member } = credentials();
    const waiting = Array.from({ length: 8 }, () => member.credentialsFor('111111111111'));
    await new Promise((r) => setTimeout(r, 0));
    release();
    const all = await Promise.all(waiting);
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIAMEMBER1']));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('replaces credentials before they expire, not after', async () => {
    sts
      .on(AssumeRoleCommand)
      .resolvesOnce(answer('ASIAFIRST', START + HOUR))
      .resolvesOnce(answer('ASIASECOND', START + 2 * HOUR));
    const { member, clock } = credentials();
    expect((await member.credentialsFor('111111111111')).accessKeyId).toBe('ASIAFIRST');
    clock.advance(HOUR - REFRESH_MARGIN_MS - 1000); // 5 min 1 s left: still good
    expect((await member.credentialsFor('111111111111')).accessKeyId).toBe('ASIAFIRST');
    clock.advance(2000); // 4 min 59 s left: replaced
    expect((await member.credentialsFor('111111111111')).accessKeyId).toBe('ASIASECOND');
    expect((await member.credentialsFor('111111111111')).accessKeyId).toBe('ASIASECOND');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('paces AssumeRole with the limiter it is given', async () => {
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    };
    const sentAt: number[] = [];
    sts.on(AssumeRoleCommand).callsFake(() => {
      sentAt.push(now);
      return answer('ASIAMEMBER', START + HOUR);
    });
    const { member } = credentials({ limiter: createTokenBucket({ perSecond: 2, burst: 1 }, clock) });
    await Promise.all(
      ['111111111111', '222222222222', '333333333333'].map((id) => member.credentialsFor(id)),
    );
    expect(sentAt).toEqual([0, 500, 1000]);
  });

  describe('failures', () => {
    it('types a refused AssumeRole as access-denied, with the account, the role and the SDK error', async () => {
      const denied = sdkError(
        'AccessDenied',
        'User: arn:aws:sts::999999999999:assumed-role/Enforcer/ci is not authorized to perform: sts:AssumeRole',
        403,
      );
      sts.on(AssumeRoleCommand).rejects(denied);
      const error = await rejection(credentials().member.credentialsFor('111111111111'));
      expect(error).toMatchObject({
        accountId: '111111111111',
        roleArn: 'arn:aws:iam::111111111111:role/EnforceContactsMember',
        reason: 'access-denied',
      });
      expect(error.cause).toBe(denied);
      expect(error.message).toContain('account 111111111111');
      expect(error.message).toContain('trust policy');
    });

    it('types a role that does not exist as role-missing', async () => {
      sts.on(AssumeRoleCommand).rejects(sdkError('NoSuchEntity', 'The role cannot be found', 404));
      expect((await rejection(credentials().member.credentialsFor('111111111111'))).reason).toBe(
        'role-missing',
      );
      sts.reset();
      sts
        .on(AssumeRoleCommand)
        .rejects(sdkError('AccessDenied', 'Role EnforceContactsMember does not exist', 403));
      expect((await rejection(credentials().member.credentialsFor('111111111111'))).reason).toBe(
        'role-missing',
      );
    });

    it('keeps a denied or missing role for the run: one AssumeRole, every caller told', async () => {
      sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 'not authorized', 403));
      const { member } = credentials();
      const first = await rejection(member.credentialsFor('111111111111'));
      const second = await rejection(member.credentialsFor('111111111111'));
      expect(second).toBe(first);
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    });

    it('types anything else as other and tries again on the next call', async () => {
      sts
        .on(AssumeRoleCommand)
        .rejectsOnce(sdkError('ThrottlingException', 'Rate exceeded', 400))
        .resolvesOnce(answer('ASIAMEMBER1', START + HOUR));
      const { member } = credentials();
      const error = await rejection(member.credentialsFor('111111111111'));
      expect(error.reason).toBe('other');
      expect(error.message).toContain('ThrottlingException: Rate exceeded');
      expect((await member.credentialsFor('111111111111')).accessKeyId).toBe('ASIAMEMBER1');
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    });
  });
});
