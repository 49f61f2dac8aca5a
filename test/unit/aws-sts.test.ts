import { ExpiredTokenException, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getCaller } from '../../src/aws/sts.js';
import { AwsCallError, PreflightError } from '../../src/errors.js';

const mock = mockClient(STSClient);
const client = new STSClient({ region: 'us-east-1' });

beforeEach(() => mock.reset());

/** What the SDK's credential chain throws when it finds nothing (its own class lives in @smithy internals). */
function credentialsProviderError(message: string): Error {
  const error = new Error(message);
  error.name = 'CredentialsProviderError';
  return error;
}

describe('getCaller', () => {
  it('maps Account and Arn', async () => {
    mock.on(GetCallerIdentityCommand).resolves({
      Account: '111111111111',
      Arn: 'arn:aws:sts::111111111111:assumed-role/ci/run',
      UserId: 'AROA:run',
    });
    await expect(getCaller(client)).resolves.toEqual({
      accountId: '111111111111',
      arn: 'arn:aws:sts::111111111111:assumed-role/ci/run',
    });
  });

  it('turns a missing-credentials error into a PreflightError naming the fixes', async () => {
    const cause = credentialsProviderError('Could not load credentials from any providers');
    mock.on(GetCallerIdentityCommand).rejects(cause);
    const error = await getCaller(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as Error).message).toMatch(/^No AWS credentials found: Could not load credentials/);
    expect((error as Error).message).toContain('AWS_PROFILE');
    expect((error as Error).message).toContain('aws sso login');
    expect((error as Error).cause).toBe(cause);
  });

  it.each([
    ['ExpiredTokenException', new ExpiredTokenException({ message: 'expired', $metadata: {} })],
    ['InvalidClientTokenId', Object.assign(new Error('bad key'), { name: 'InvalidClientTokenId' })],
    ['ExpiredToken', Object.assign(new Error('expired'), { name: 'ExpiredToken' })],
  ])('turns rejected credentials (%s) into a PreflightError', async (code, cause) => {
    mock.on(GetCallerIdentityCommand).rejects(cause);
    const error = await getCaller(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as Error).message).toContain(code);
    expect((error as Error).message).toContain('aws sso login');
    expect((error as Error).cause).toBe(cause);
  });

  it('wraps other failures as AwsCallError', async () => {
    mock.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('down'), { name: 'InternalFailure' }));
    const error = await getCaller(client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'sts:GetCallerIdentity', code: 'InternalFailure' });
  });
});
