import type { AccountClient } from '@aws-sdk/client-account';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { RateLimit, Settings } from '../core/policy.js';
import { WriteNotSentError } from '../errors.js';
import type { Clock } from './clock.js';
import { createTokenBucket, DEFAULT_RATE_LIMITS, type RateLimiter } from './rate-limiter.js';
import type { RunStop } from './stop.js';

type Handler = (args: { input?: object }) => Promise<unknown>;
/** The slice of the SDK's middleware stack used here; the SDK's own generics do not survive a union. */
interface RelativeStack {
  addRelativeTo(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { relation: 'before'; toMiddleware: string; name: string; override: boolean },
  ): void;
}

/** Commands that change an account: after a stop, none is sent that was not sent before. */
const WRITE_COMMANDS = new Set([
  'PutAlternateContactCommand',
  'DeleteAlternateContactCommand',
  'PutContactInformationCommand',
]);

/**
 * Makes every attempt of a command wait for its operation's token — SDK retries included, since the
 * middleware sits after the retry middleware (and before signing, so a wait never ages a signature).
 *
 * It is also the last gate before a write leaves the process: once the run is stopped, a write that was
 * waiting for its token is not sent (a retry of one already sent still is, unless the audit log failed:
 * then nothing more is sent, because its outcome could not be recorded).
 */
export function paceClient(
  client: AccountClient | OrganizationsClient,
  limiterFor: (commandName: string) => RateLimiter | undefined,
  stop: RunStop,
): void {
  // The SDK hands every attempt of one command the same input object: seen = sent at least once.
  const sent = new WeakSet<object>();
  (client.middlewareStack as unknown as RelativeStack).addRelativeTo(
    (next, context) => async (args) => {
      const name = context.commandName;
      const limiter = name === undefined ? undefined : limiterFor(name);
      if (limiter !== undefined) await limiter.acquire();
      if (name !== undefined && WRITE_COMMANDS.has(name) && args.input !== undefined) {
        const retry = sent.has(args.input);
        if (stop.reason === 'audit-log-failed' || (stop.reason === 'interrupted' && !retry)) {
          throw new WriteNotSentError(stop.reason);
        }
        sent.add(args.input);
      }
      return next(args);
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'enforcePacing', override: true },
  );
}

/**
 * Client-side token buckets at AWS's per-caller quotas (or the policy's raised ones), so throttling is
 * rare; the SDK's retries absorb what other callers sharing the quota cause.
 */
export function paceRunClients(
  clients: { account: AccountClient; organizations: OrganizationsClient },
  rateLimits: Settings['rateLimits'],
  clock: Clock,
  stop: RunStop,
): void {
  const limits = { ...DEFAULT_RATE_LIMITS, ...rateLimits };
  const organizations = createTokenBucket(limits.organizations, clock);
  paceAccountClient(clients.account, rateLimits, clock, stop);
  paceClient(clients.organizations, () => organizations, stop);
}

/**
 * One bucket per Account API operation, since AWS's quotas are per operation and per calling account:
 * the run's own client, and each member account's client in member-role mode, get a set each.
 */
export function paceAccountClient(
  client: AccountClient,
  rateLimits: Settings['rateLimits'],
  clock: Clock,
  stop: RunStop,
): void {
  const limits = { ...DEFAULT_RATE_LIMITS, ...rateLimits };
  const bucket = (limit: RateLimit) => createTokenBucket(limit, clock);
  const byCommand: Record<string, RateLimiter> = {
    GetAlternateContactCommand: bucket(limits.getAlternateContact),
    PutAlternateContactCommand: bucket(limits.putAlternateContact),
    DeleteAlternateContactCommand: bucket(limits.deleteAlternateContact),
    GetContactInformationCommand: bucket(limits.getContactInformation),
    PutContactInformationCommand: bucket(limits.putContactInformation),
  };
  paceClient(client, (command) => byCommand[command], stop);
}
