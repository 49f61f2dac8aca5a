import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { RateLimit } from '../core/policy.js';
import { MemberRoleError, type MemberRoleFailure } from '../errors.js';

/**
 * Pace of sts:AssumeRole. STS throttles per calling account and Region with token buckets (AWS Security
 * Blog, "How to monitor and query IAM resources at scale – Part 2") and its quota is shared with every other
 * tool of the account, so we stay well below it; the SDK's retries absorb the rest. One AssumeRole per
 * account per hour-long session: 1,000 accounts cost 10 s of it, against 100 s of GetAlternateContact at the
 * central 10/s quota.
 */
export const ASSUME_ROLE_RATE_LIMIT = { perSecond: 100, burst: 100 } as const satisfies RateLimit;

/**
 * Credentials are replaced this long before they expire. The SDK treats an identity as expired 5 minutes
 * before its expiration (@smithy/core EXPIRATION_MS) and asks again: the margin must not be shorter.
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** RoleSessionName: 2–64 characters of `[\w+=,.@-]` (STS API reference). */
const SESSION_NAME_MAX = 64;
const SESSION_NAME_DISALLOWED = /[^\w+=,.@-]/g;

/**
 * Wall-clock time in epoch milliseconds: credential expirations are absolute dates. Not the run's
 * monotonic Clock (performance.now), which would make every credential look fresh forever.
 */
/** Paces AssumeRole (the engine's token bucket fits: aws/ depends on no engine module). */
interface Limiter {
  acquire(): Promise<void>;
}

export interface WallClock {
  epochMs(): number;
}

export const systemWallClock: WallClock = { epochMs: () => Date.now() };

export interface MemberCredentialsOptions {
  /** The run's STS client, with the caller's own credentials. */
  sts: STSClient;
  roleName: string;
  externalId?: string;
  /** 900–43200; AWS's default (3600) when absent. Role chaining (the caller is itself a role) caps it at 3600. */
  sessionDurationSeconds?: number;
  runId: string;
  /** The caller's ARN (sts:GetCallerIdentity): the role ARN uses its partition (aws, aws-cn, aws-us-gov). */
  callerArn?: string;
  clock: WallClock;
  /** Paces AssumeRole; `createTokenBucket(ASSUME_ROLE_RATE_LIMIT, clock)` unless the caller shares one. */
  limiter: Limiter;
}

export interface MemberCredentials {
  roleArnFor(accountId: string): string;
  /**
   * Credentials inside the account's member role, assumed once and kept for the run, replaced before they
   * expire. Callers asking at the same time share one AssumeRole. Rejects with a MemberRoleError.
   */
  credentialsFor(accountId: string): Promise<AwsCredentialIdentity>;
}

/** `enforce-<run id>`, reduced to the characters STS allows, so CloudTrail ties each session to the run. */
export function memberSessionName(runId: string): string {
  return `enforce-${runId}`.replace(SESSION_NAME_DISALLOWED, '-').slice(0, SESSION_NAME_MAX);
}

export function partitionOf(arn: string | undefined): string {
  return /^arn:([a-z-]+):/.exec(arn ?? '')?.[1] ?? 'aws';
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
const NO_SUCH_ENTITY = new Set(['NoSuchEntity', 'NoSuchEntityException']);

function classify(error: unknown): MemberRoleFailure {
  const e = error as { name?: string; message?: string };
  if (NO_SUCH_ENTITY.has(e?.name ?? '')) return 'role-missing';
  if (ACCESS_DENIED.has(e?.name ?? '')) {
    // Real STS answers a missing role and a refusing trust policy alike (AccessDenied, "not authorized to
    // perform sts:AssumeRole"); only an answer that says so is taken as "missing".
    return /does not exist|cannot be found|not found/i.test(e.message ?? '')
      ? 'role-missing'
      : 'access-denied';
  }
  return 'other';
}

function describeFailure(
  reason: MemberRoleFailure,
  roleArn: string,
  accountId: string,
  error: unknown,
): string {
  const e = error as { name?: string; message?: string };
  const sdk = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  switch (reason) {
    case 'role-missing':
      return `cannot assume ${roleArn} in account ${accountId}: the role does not exist there (${sdk})`;
    case 'access-denied':
      return (
        `cannot assume ${roleArn} in account ${accountId}: access denied — the role is missing there or its ` +
        `trust policy does not allow this caller (AWS answers both alike) (${sdk})`
      );
    case 'other':
      return `cannot assume ${roleArn} in account ${accountId}: ${sdk}`;
  }
}

interface CacheEntry {
  promise: Promise<AwsCredentialIdentity>;
  /** Epoch ms; undefined while AssumeRole is in flight; Infinity for a failure kept for the run. */
  expiresAt: number | undefined;
}

export function createMemberCredentials(options: MemberCredentialsOptions): MemberCredentials {
  const { sts, clock, limiter } = options;
  const partition = partitionOf(options.callerArn);
  const sessionName = memberSessionName(options.runId);
  const cache = new Map<string, CacheEntry>();
  const roleArnFor = (accountId: string) => `arn:${partition}:iam::${accountId}:role/${options.roleName}`;

  const assume = async (accountId: string): Promise<AwsCredentialIdentity> => {
    const roleArn = roleArnFor(accountId);
    const requestedAt = clock.epochMs();
    try {
      await limiter.acquire();
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
          ...(options.sessionDurationSeconds === undefined
            ? {}
            : { DurationSeconds: options.sessionDurationSeconds }),
        }),
      );
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) {
        throw new Error('AssumeRole answered without credentials');
      }
      const lifetimeMs = (options.sessionDurationSeconds ?? 3600) * 1000;
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
        expiration: c.Expiration ?? new Date(requestedAt + lifetimeMs),
      };
    } catch (error) {
      const reason = classify(error);
      throw new MemberRoleError(
        accountId,
        roleArn,
        reason,
        describeFailure(reason, roleArn, accountId, error),
        {
          cause: error,
        },
      );
    }
  };

  const usable = (entry: CacheEntry) =>
    entry.expiresAt === undefined || entry.expiresAt - REFRESH_MARGIN_MS > clock.epochMs();

  return {
    roleArnFor,
    credentialsFor(accountId) {
      const cached = cache.get(accountId);
      if (cached !== undefined && usable(cached)) return cached.promise;
      const entry: CacheEntry = { promise: assume(accountId), expiresAt: undefined };
      cache.set(accountId, entry);
      entry.promise.then(
        (credentials) => {
          entry.expiresAt = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
        },
        (error: MemberRoleError) => {
          // A missing or refused role stays so for the run: one attempt, one report. Anything else (throttling
          // past the retries, a network fault) may pass: the next caller tries again.
          if (error.reason === 'other') {
            if (cache.get(accountId) === entry) cache.delete(accountId);
          } else {
            entry.expiresAt = Number.POSITIVE_INFINITY;
          }
        },
      );
      return entry.promise;
    },
  };
}
