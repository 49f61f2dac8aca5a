import type { AccountClient } from '@aws-sdk/client-account';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  ASSUME_ROLE_RATE_LIMIT,
  createMemberCredentials,
  type WallClock,
} from '../aws/member-credentials.js';
import type { MemberRoleSettings } from '../core/policy.js';
import { MemberRoleError, type MemberRoleFailure } from '../errors.js';
import type { Clock } from './clock.js';
import { createMemberAccountClients, type MemberAccountClientsOptions } from './member-clients.js';
import { createTokenBucket } from './rate-limiter.js';
import type { RunStop } from './stop.js';

/** How one account's contacts are reached in member-role mode. */
export type MemberAccess =
  | { via: 'member'; client: AccountClient; roleArn: string }
  /** The role could not be assumed: use the caller's client with AccountId, and report why. */
  | { via: 'organization'; reason: MemberRoleFailure; error: MemberRoleError };

export interface MemberRoleAccessOptions {
  sts: STSClient;
  role: MemberRoleSettings;
  runId: string;
  callerArn: string;
  /** The run's monotonic clock, for the token buckets. */
  clock: Clock;
  wallClock: WallClock;
  stop: RunStop;
  /** Passed to every member client (region provider, maxAttempts, request handler…). */
  clients?: Omit<MemberAccountClientsOptions, 'credentials' | 'clock' | 'stop'>;
}

export interface MemberRoleAccess {
  /**
   * Assumes the role (once per account for the run) and answers with the account's own client, or with the
   * reason to fall back. Never throws for a role problem: every account ends up reached one way or the other.
   */
  accessFor(accountId: string): Promise<MemberAccess>;
  destroy(): void;
}

/** The one entry for member-role mode: credentials, paced AssumeRole, per-account clients and the fallback. */
export function createMemberRoleAccess(options: MemberRoleAccessOptions): MemberRoleAccess {
  const credentials = createMemberCredentials({
    sts: options.sts,
    roleName: options.role.name,
    externalId: options.role.externalId,
    sessionDurationSeconds: options.role.sessionDuration,
    runId: options.runId,
    callerArn: options.callerArn,
    clock: options.wallClock,
    limiter: createTokenBucket(ASSUME_ROLE_RATE_LIMIT, options.clock),
  });
  const clients = createMemberAccountClients({
    ...options.clients,
    credentials,
    clock: options.clock,
    stop: options.stop,
  });
  return {
    async accessFor(accountId) {
      try {
        await credentials.credentialsFor(accountId);
        return {
          via: 'member',
          client: clients.clientFor(accountId),
          roleArn: credentials.roleArnFor(accountId),
        };
      } catch (error) {
        if (!(error instanceof MemberRoleError)) throw error;
        return { via: 'organization', reason: error.reason, error };
      }
    },
    destroy: () => clients.destroy(),
  };
}
