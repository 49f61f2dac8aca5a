import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getAlternateContact, putAlternateContact } from '../../src/aws/account.js';
import type { MemberCredentials } from '../../src/aws/member-credentials.js';
import type { Clock } from '../../src/engine/clock.js';
import { createMemberAccountClients } from '../../src/engine/member-clients.js';
import { neverStopped } from '../../src/engine/stop.js';
import { SECURITY } from '../support/builders.js';

/** What the in-memory handler saw: the whole SDK stack ran (endpoint, pacing, signing, serialisation). */
interface SentRequest {
  hostname: string;
  path: string;
  body: Record<string, unknown>;
  accessKeyId: string;
  at: number;
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
}

function inMemoryAccountApi(sent: SentRequest[], clock: Clock) {
  return {
    metadata: { handlerProtocol: 'h1' },
    async handle(request: {
      hostname: string;
      path: string;
      headers: Record<string, string>;
      body?: unknown;
    }) {
      const authorization = request.headers.authorization ?? request.headers.Authorization ?? '';
      sent.push({
        hostname: request.hostname,
        path: request.path,
        body: JSON.parse(bodyText(request.body) || '{}'),
        accessKeyId: /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '',
        at: clock.now(),
      });
      const answer =
        request.path === '/getAlternateContact'
          ? { AlternateContact: { Name: 'N', Title: 'T', EmailAddress: 'e@example.com', PhoneNumber: '1' } }
          : {};
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'test' },
          body: new TextEncoder().encode(JSON.stringify(answer)),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
}

function fakeClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** Member credentials whose access key names the account, so a request shows whose identity signed it. */
function fakeCredentials(asked: string[]): MemberCredentials {
  return {
    roleArnFor: (id) => `arn:aws:iam::${id}:role/EnforceContactsMember`,
    credentialsFor: async (id) => {
      asked.push(id);
      return { accessKeyId: `ASIA${id}`, secretAccessKey: 'secret', sessionToken: 'token' };
    },
  };
}

const savedEndpoint = process.env.AWS_ENDPOINT_URL;
beforeEach(() => {
  process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4599';
});
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
});

type Options = Parameters<typeof createMemberAccountClients>[0];

function setup(overrides: Partial<Options> = {}) {
  const clock = fakeClock();
  const sent: SentRequest[] = [];
  const asked: string[] = [];
  const clients = createMemberAccountClients({
    credentials: fakeCredentials(asked),
    clock,
    stop: neverStopped,
    region: 'us-east-1',
    maxAttempts: 1,
    clientConfig: { requestHandler: inMemoryAccountApi(sent, clock) },
    ...overrides,
  });
  return { clock, sent, asked, clients };
}

describe('member account clients', () => {
  it("reads and writes in standalone context with the member account's own credentials", async () => {
    const { clients, sent, asked } = setup();
    await getAlternateContact(clients.clientFor('111111111111'), 'SECURITY');
    await putAlternateContact(clients.clientFor('222222222222'), 'SECURITY', SECURITY);
    expect(sent.map((r) => [r.path, r.accessKeyId])).toEqual([
      ['/getAlternateContact', 'ASIA111111111111'],
      ['/putAlternateContact', 'ASIA222222222222'],
    ]);
    expect(sent[0]!.body).toEqual({ AlternateContactType: 'SECURITY' });
    expect(sent[1]!.body).not.toHaveProperty('AccountId');
    expect(asked).toEqual(['111111111111', '222222222222']);
    clients.destroy();
  });

  it('honours AWS_ENDPOINT_URL (no endpoint is set on the clients)', async () => {
    const { clients, sent } = setup();
    await getAlternateContact(clients.clientFor('111111111111'), 'SECURITY');
    expect(sent[0]!.hostname).toBe('127.0.0.1');
    clients.destroy();
  });

  it('resolves the region like the run clients: the SDK chain, else us-east-1 (the Account API is global)', async () => {
    const saved = { region: process.env.AWS_REGION, config: process.env.AWS_CONFIG_FILE };
    try {
      process.env.AWS_CONFIG_FILE = '/nonexistent/enforce-test-config';
      process.env.AWS_REGION = 'eu-west-2';
      const fromEnv = setup({ region: undefined });
      expect(await fromEnv.clients.clientFor('111111111111').config.region()).toBe('eu-west-2');
      fromEnv.clients.destroy();
      delete process.env.AWS_REGION;
      const fallback = setup({ region: undefined });
      const client = fallback.clients.clientFor('111111111111');
      expect(await client.config.region()).toBe('us-east-1');
      // And a request goes out with it (the region resolution does not fail the call).
      await getAlternateContact(client, 'SECURITY');
      expect(fallback.sent).toHaveLength(1);
      fallback.clients.destroy();
    } finally {
      for (const [key, value] of [
        ['AWS_REGION', saved.region],
        ['AWS_CONFIG_FILE', saved.config],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('creates one client per account, lazily, and destroys them all at the end', () => {
    const { clients } = setup();
    expect(clients.size).toBe(0);
    const a = clients.clientFor('111111111111');
    expect(clients.clientFor('111111111111')).toBe(a);
    clients.clientFor('222222222222');
    expect(clients.size).toBe(2);
    clients.destroy();
    expect(clients.size).toBe(0);
  });

  it('gives each account its own token buckets: one account spending its burst does not slow another', async () => {
    const { clients, clock, sent } = setup({
      rateLimits: { getAlternateContact: { perSecond: 1, burst: 2 } },
    });
    const a = clients.clientFor('111111111111');
    const b = clients.clientFor('222222222222');
    await getAlternateContact(a, 'SECURITY');
    await getAlternateContact(a, 'SECURITY');
    await getAlternateContact(b, 'SECURITY');
    await getAlternateContact(b, 'SECURITY');
    expect(clock.sleeps).toEqual([]);
    await getAlternateContact(a, 'SECURITY');
    expect(clock.sleeps).toEqual([1000]);
    expect(sent.map((r) => [r.accessKeyId, r.at])).toEqual([
      ['ASIA111111111111', 0],
      ['ASIA111111111111', 0],
      ['ASIA222222222222', 0],
      ['ASIA222222222222', 0],
      ['ASIA111111111111', 1000],
    ]);
    clients.destroy();
  });

  it('paces writes at the published PutAlternateContact quota per account by default (5/s, burst 8)', async () => {
    const { clients, clock } = setup();
    const a = clients.clientFor('111111111111');
    for (let i = 0; i < 9; i++) await putAlternateContact(a, 'SECURITY', SECURITY);
    expect(clock.sleeps).toEqual([200]);
    clients.destroy();
  });
});
