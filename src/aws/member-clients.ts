import { AccountClient, type AccountClientConfig } from '@aws-sdk/client-account';
import type { RateLimit } from '../core/policy.js';
import type { Clock } from '../engine/clock.js';
import { paceClient } from '../engine/pacing.js';
import { createTokenBucket, DEFAULT_RATE_LIMITS } from '../engine/rate-limiter.js';
import type { RunStop } from '../engine/stop.js';
import type { MemberCredentials } from './member-credentials.js';

/** Where the aws partition serves the global Account API (as in clients.ts). */
const GLOBAL_SERVICE_REGION = 'us-east-1';

/** DeleteAlternateContact: 1/s, burst 6, per account (accounts/latest/reference/quotas.html). */
const DELETE_ALTERNATE_CONTACT_LIMIT = { perSecond: 1, burst: 6 } as const satisfies RateLimit;

export interface MemberAccountClientsOptions {
  credentials: MemberCredentials;
  /** Paces each account's own buckets. */
  clock: Clock;
  /** The run's stop: after a signal no write leaves the process (pacing.ts). */
  stop: RunStop;
  /**
   * The Account API's region: pass the run's (`clients.account.config.region`) to resolve it once, like
   * clients.ts. When absent it is resolved the same way: the SDK's chain (AWS_REGION, the profile), else
   * us-east-1, since the Account API is global.
   */
  region?: string | (() => Promise<string>);
  /** Only for region resolution from a shared-config profile: member clients never use its credentials. */
  profile?: string;
  maxAttempts?: number;
  /** Per-account quotas; AWS publishes them per account, so each member account gets buckets this size. */
  rateLimits?: { getAlternateContact?: RateLimit; putAlternateContact?: RateLimit };
  /** Anything else the run configures on its clients (request handler with timeouts, logger). */
  clientConfig?: Omit<AccountClientConfig, 'credentials' | 'endpoint' | 'region' | 'profile' | 'maxAttempts'>;
}

export interface MemberAccountClients {
  /**
   * The Account API inside a member account: its member-role credentials, its own token buckets. Use it in
   * standalone context (account.ts functions with `accountId` undefined): inside the account there is no
   * target to name, and the calls count against that account's quota, not the caller's.
   */
  clientFor(accountId: string): AccountClient;
  /** How many member clients exist (created on first use). */
  readonly size: number;
  /** Destroys every client made (their sockets); call once at the end of the run. */
  destroy(): void;
}

/**
 * Member-account Account API clients, created lazily, one per account. Never sets `endpoint`: the SDK keeps
 * honouring AWS_ENDPOINT_URL[_ACCOUNT], which the emulator and users rely on. Not for the management
 * account: it keeps the caller's own credentials and client.
 */
export function createMemberAccountClients(options: MemberAccountClientsOptions): MemberAccountClients {
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const clients = new Map<string, AccountClient>();
  let resolvedRegion: Promise<string> | undefined;

  const region =
    options.region ??
    (() => {
      // Resolved once for all member clients, with a client that is never used for a request.
      resolvedRegion ??= (() => {
        const probe = new AccountClient(options.profile ? { profile: options.profile } : {});
        return probe.config
          .region()
          .catch(() => GLOBAL_SERVICE_REGION)
          .finally(() => probe.destroy());
      })();
      return resolvedRegion;
    });

  const create = (accountId: string) => {
    const client = new AccountClient({
      ...options.clientConfig,
      region,
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      credentials: () => options.credentials.credentialsFor(accountId),
    });
    const get = createTokenBucket(limits.getAlternateContact, options.clock);
    const put = createTokenBucket(limits.putAlternateContact, options.clock);
    const del = createTokenBucket(DELETE_ALTERNATE_CONTACT_LIMIT, options.clock);
    paceClient(
      client,
      (command) => {
        switch (command) {
          case 'GetAlternateContactCommand':
            return get;
          case 'PutAlternateContactCommand':
            return put;
          case 'DeleteAlternateContactCommand':
            return del;
          default:
            return undefined;
        }
      },
      options.stop,
    );
    return client;
  };

  return {
    clientFor(accountId) {
      let client = clients.get(accountId);
      if (client === undefined) {
        client = create(accountId);
        clients.set(accountId, client);
      }
      return client;
    },
    get size() {
      return clients.size;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}
