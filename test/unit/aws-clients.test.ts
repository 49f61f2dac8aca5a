import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import { ListRootsCommand } from '@aws-sdk/client-organizations';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AwsClients, createClients } from '../../src/aws/clients.js';

const savedEnv = { ...process.env };
let dir: string;

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  dir = mkdtempSync(join(tmpdir(), 'enforce-clients-'));
  // Isolate from the machine's ~/.aws; fake static keys so requests get as far as being built.
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The URL a client would send a command to. `config.endpoint` stays undefined until a request is made (the SDK
 * reads AWS_ENDPOINT_URL* lazily, in the endpoint middleware), so we let the request be built and stop it there.
 */
async function requestUrl(
  client: { send: (c: never) => Promise<unknown>; middlewareStack: unknown },
  command: unknown,
) {
  let url = '';
  const stack = client.middlewareStack as {
    add: (mw: unknown, options: { step: string; name: string }) => void;
  };
  stack.add(
    () => async (args: { request: { protocol: string; hostname: string; port?: number } }) => {
      const { protocol, hostname, port } = args.request;
      url = `${protocol}//${hostname}${port ? `:${port}` : ''}`;
      throw new Error('stop before sending');
    },
    { step: 'build', name: 'captureRequestUrl' },
  );
  await expect(client.send(command as never)).rejects.toThrow('stop before sending');
  return url;
}

const commands = (clients: AwsClients) =>
  [
    [clients.organizations, new ListRootsCommand({})],
    [clients.account, new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' })],
    [clients.ssm, new GetParametersCommand({ Names: ['/a'] })],
    [clients.sts, new GetCallerIdentityCommand({})],
  ] as const;

describe('createClients', () => {
  it('sends every client to AWS_ENDPOINT_URL when it is set', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5999';
    process.env.AWS_REGION = 'eu-west-1';
    for (const [client, command] of commands(createClients())) {
      expect(await requestUrl(client, command)).toBe('http://127.0.0.1:5999');
    }
  });

  it('lets a per-service endpoint variable win over the global one', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:5999';
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = 'http://127.0.0.1:6001';
    process.env.AWS_REGION = 'eu-west-1';
    const clients = createClients();
    expect(await requestUrl(clients.organizations, new ListRootsCommand({}))).toBe('http://127.0.0.1:6001');
    expect(await requestUrl(clients.sts, new GetCallerIdentityCommand({}))).toBe('http://127.0.0.1:5999');
  });

  it('falls back to us-east-1 for the global services when no region is configured anywhere', async () => {
    const clients = createClients();
    expect(await clients.organizations.config.region()).toBe('us-east-1');
    expect(await clients.account.config.region()).toBe('us-east-1');
    expect(await clients.sts.config.region()).toBe('us-east-1');
    // SSM is regional: guessing would read parameters from the wrong region.
    await expect(clients.ssm.config.region()).rejects.toThrow(/Region is missing/);
    expect(await requestUrl(clients.organizations, new ListRootsCommand({}))).toBe(
      'https://organizations.us-east-1.amazonaws.com',
    );
  });

  it('uses AWS_REGION when set; Organizations still resolves to its global endpoint', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    const clients = createClients();
    expect(await clients.organizations.config.region()).toBe('eu-west-1');
    expect(await clients.ssm.config.region()).toBe('eu-west-1');
    expect(await requestUrl(clients.organizations, new ListRootsCommand({}))).toBe(
      'https://organizations.us-east-1.amazonaws.com',
    );
    expect(await requestUrl(clients.ssm, new GetParametersCommand({ Names: ['/a'] }))).toBe(
      'https://ssm.eu-west-1.amazonaws.com',
    );
  });

  it('reads the region of the chosen profile from the shared config file', async () => {
    writeFileSync(process.env.AWS_CONFIG_FILE!, '[profile audit]\nregion = eu-central-1\n');
    const clients = createClients({ profile: 'audit' });
    expect(clients.organizations.config.profile).toBe('audit');
    expect(await clients.organizations.config.region()).toBe('eu-central-1');
    expect(await clients.ssm.config.region()).toBe('eu-central-1');
  });

  it('lets the region option win over the environment', async () => {
    process.env.AWS_REGION = 'eu-west-1';
    const clients = createClients({ region: 'ap-southeast-2' });
    for (const client of [clients.organizations, clients.account, clients.ssm, clients.sts]) {
      expect(await client.config.region()).toBe('ap-southeast-2');
    }
  });

  it('uses standard retries, maxAttempts from the option, else AWS_MAX_ATTEMPTS', async () => {
    const withOption = createClients({ maxAttempts: 7 });
    expect(await withOption.account.config.maxAttempts()).toBe(7);
    expect(await withOption.account.config.retryStrategy()).toMatchObject({ mode: 'standard' });

    process.env.AWS_MAX_ATTEMPTS = '4';
    const fromEnv = createClients();
    expect(await fromEnv.organizations.config.maxAttempts()).toBe(4);
  });
});
