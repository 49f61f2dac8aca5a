import type { AccountClient } from '@aws-sdk/client-account';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { RateLimiter } from './rate-limiter.js';

type Handler = (args: unknown) => Promise<unknown>;
/** The slice of the SDK's middleware stack used here; the SDK's own generics do not survive a union. */
interface RelativeStack {
  addRelativeTo(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { relation: 'before'; toMiddleware: string; name: string; override: boolean },
  ): void;
}

/**
 * Makes every attempt of a command wait for its operation's token — SDK retries included, since the
 * middleware sits after the retry middleware (and before signing, so a wait never ages a signature).
 * Commands without a limiter pass straight through.
 */
export function paceClient(
  client: AccountClient | OrganizationsClient,
  limiterFor: (commandName: string) => RateLimiter | undefined,
): void {
  (client.middlewareStack as unknown as RelativeStack).addRelativeTo(
    (next, context) => async (args) => {
      const limiter = context.commandName === undefined ? undefined : limiterFor(context.commandName);
      if (limiter !== undefined) await limiter.acquire();
      return next(args);
    },
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'enforcePacing', override: true },
  );
}
