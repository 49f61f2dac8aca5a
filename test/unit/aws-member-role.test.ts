import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/engine/clock.js';
import { createMemberRoleAccess } from '../../src/engine/member-role.js';
import { neverStopped } from '../../src/engine/stop.js';
import { MemberRoleError } from '../../src/errors.js';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const clock: Clock = { now: () => 0, sleep: async () => undefined };
const ROLE = 'arn:aws:iam::%s:role/EnforceContactsMember';

describe('member-role access', () => {
  it('reaches accounts through their role, and falls back to the organization path with the reason', async () => {
    sts
      .on(AssumeRoleCommand, { RoleArn: ROLE.replace('%s', '111111111111') })
      .resolves({
        Credentials: {
          AccessKeyId: 'ASIAMEMBER1',
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(Date.now() + 3600_000),
        },
      })
      .on(AssumeRoleCommand, { RoleArn: ROLE.replace('%s', '222222222222') })
      .rejects(
        Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }),
      );
    const access = createMemberRoleAccess({
      sts: new STSClient({ region: 'us-east-1' }),
      role: { name: 'EnforceContactsMember', externalId: 'enforce-ci-1', sessionDuration: 900 },
      runId: 'run-1',
      callerArn: 'arn:aws:sts::999999999999:assumed-role/enforce-apply/ci',
      clock,
      wallClock: { epochMs: () => Date.now() },
      stop: neverStopped,
      clients: { region: 'us-east-1' },
    });

    const member = await access.accessFor('111111111111');
    expect(member).toMatchObject({ via: 'member', roleArn: ROLE.replace('%s', '111111111111') });
    const fallback = await access.accessFor('222222222222');
    expect(fallback).toMatchObject({ via: 'organization', reason: 'access-denied' });
    expect(fallback.via === 'organization' && fallback.error).toBeInstanceOf(MemberRoleError);

    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)[0]).toEqual({
      RoleArn: ROLE.replace('%s', '111111111111'),
      RoleSessionName: 'enforce-run-1',
      ExternalId: 'enforce-ci-1',
      DurationSeconds: 900,
    });
    // Asking again costs nothing: both outcomes are kept for the run.
    await access.accessFor('111111111111');
    await access.accessFor('222222222222');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    access.destroy();
  });
});
