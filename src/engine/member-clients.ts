import { AccountClient, type AccountClientConfig } from '@aws-sdk/client-account';
import type { MemberCredentials } from '../aws/member-credentials.js';
import type { Settings } from '../core/policy.js';
import type { Clock } from './clock.js';
import { paceAccountClient } from './pacing.js';
import type { RunStop } from './stop.js';

/** Where the aws partition serves the global Account API (as in clients.ts). */
const GLOBAL_SERVICE_REGION = 'us-east-1';

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
  rateLimits?: Settings['rateLimits'];
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
    paceAccountClient(client, options.rateLimits, options.clock, options.stop);
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
