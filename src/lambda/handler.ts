/**
 * The Lambda entry point (`handler.handler`): an SQS batch of EventBridge events in, a partial batch
 * response out. Configuration comes from the environment the deployment template sets:
 * - ENFORCE_POLICY_FILE: the policy (default: contacts.yaml packaged next to this file);
 * - ENFORCE_REDACT=1: mask contact values in the audit lines, as `--redact`;
 * - ENFORCE_ROLE_ARN: the function's own role, whose contact writes are not edits to undo;
 * - ENFORCE_LOG_LEVEL: `debug` (default: ignored events are logged) or `info`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClients } from '../aws/clients.js';
import { makeRunKey } from '../core/redact.js';
import { systemClock } from '../engine/clock.js';
import { type BatchResponse, type LambdaContext, processBatch, type SqsEvent } from './process-batch.js';

/**
 * As in the CLI: throttling caused by other callers sharing the per-account quota must not fail an item,
 * so the SDK is more patient than its default of 3 unless AWS_MAX_ATTEMPTS says otherwise.
 */
const DEFAULT_MAX_ATTEMPTS = 8;
const REQUEST_TIMEOUT_MS = 30_000;

export async function handler(event: SqsEvent, context: LambdaContext): Promise<BatchResponse> {
  const env = process.env;
  const clients = createClients({
    maxAttempts: env.AWS_MAX_ATTEMPTS ? undefined : DEFAULT_MAX_ATTEMPTS,
    // As the CLI's --request-timeout: a request that never answers must not use up the batch's time.
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  try {
    return await processBatch(
      event,
      context,
      {
        policyFile: env.ENFORCE_POLICY_FILE || fileURLToPath(new URL('contacts.yaml', import.meta.url)),
        redact: env.ENFORCE_REDACT === '1' || env.ENFORCE_REDACT === 'true',
        redactKey: makeRunKey(env, randomBytes).key,
        enforcerRoleArn: env.ENFORCE_ROLE_ARN || undefined,
        // Set by `enforce package-lambda` at bundle time; the unbundled build has no package.json next to it.
        toolVersion: process.env.ENFORCE_TOOL_VERSION ?? 'unbundled',
        logLevel: env.ENFORCE_LOG_LEVEL === 'info' ? 'info' : 'debug',
      },
      {
        clients,
        clock: systemClock,
        // Synchronous on Linux pipes, which is what Lambda's stdout is: a line is out before the next call.
        writeLine: (line) => {
          process.stdout.write(line);
        },
        newRunId: randomUUID,
      },
    );
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
