import { GetParametersCommand, InternalServerError, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { getParameters } from '../../src/aws/ssm.js';
import { AwsCallError } from '../../src/errors.js';

const mock = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1' });

beforeEach(() => mock.reset());

describe('getParameters', () => {
  it('makes no call for no names', async () => {
    const result = await getParameters(client, []);
    expect(result.values.size).toBe(0);
    expect(result.missing).toEqual([]);
    expect(mock.calls()).toHaveLength(0);
  });

  it('asks for at most 10 names per call, with decryption', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/org/p${i}`);
    mock.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
      Parameters: Names.map((Name) => ({ Name, Value: `v${Name}`, Type: 'String' })),
    }));
    const result = await getParameters(client, names);
    const calls = mock.commandCalls(GetParametersCommand);
    expect(calls.map((c) => c.args[0].input.Names?.length)).toEqual([10, 10, 3]);
    expect(calls.every((c) => c.args[0].input.WithDecryption === true)).toBe(true);
    expect(calls.flatMap((c) => c.args[0].input.Names)).toEqual(names);
    expect(result.values.size).toBe(23);
    expect(result.values.get('/org/p22')).toEqual({ value: 'v/org/p22', secure: false });
  });

  it('reports InvalidParameters as missing and flags SecureString values', async () => {
    mock.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/org/email', Value: 'sec@example.com', Type: 'SecureString' },
        { Name: '/org/phone', Value: '+1 555', Type: 'String' },
      ],
      InvalidParameters: ['/org/nope'],
    });
    const result = await getParameters(client, ['/org/email', '/org/phone', '/org/nope']);
    expect(result.values.get('/org/email')).toEqual({ value: 'sec@example.com', secure: true });
    expect(result.values.get('/org/phone')).toEqual({ value: '+1 555', secure: false });
    expect(result.missing).toEqual(['/org/nope']);
  });

  it('asks for a repeated name once', async () => {
    mock.on(GetParametersCommand).resolves({ Parameters: [{ Name: '/a', Value: 'x', Type: 'String' }] });
    await getParameters(client, ['/a', '/a']);
    expect(mock.commandCalls(GetParametersCommand)[0]!.args[0].input.Names).toEqual(['/a']);
  });

  it('wraps failures as AwsCallError', async () => {
    mock.on(GetParametersCommand).rejects(new InternalServerError({ message: 'boom', $metadata: {} }));
    const error = await getParameters(client, ['/a']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ operation: 'ssm:GetParameters', code: 'InternalServerError' });
  });
});
