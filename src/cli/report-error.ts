import { AwsCallError, EnforceError, PolicyError } from '../errors.js';
import type { Io } from './io.js';

/** Errors of the network rather than of AWS: the request never got an answer. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'TimeoutError',
  'RequestTimeout',
]);
const THROTTLED = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'RequestLimitExceeded',
]);

/** Service prefixes of our operation names, with their names and endpoint variables. */
const SERVICES: Record<string, { name: string; env: string }> = {
  sts: { name: 'AWS STS', env: 'AWS_ENDPOINT_URL_STS' },
  ssm: { name: 'AWS Systems Manager (SSM)', env: 'AWS_ENDPOINT_URL_SSM' },
  organizations: { name: 'AWS Organizations', env: 'AWS_ENDPOINT_URL_ORGANIZATIONS' },
  account: { name: 'AWS Account Management', env: 'AWS_ENDPOINT_URL_ACCOUNT' },
};

/** One line (or a few, for a policy) that says what failed and what to do; never a stack for these. */
export function describeError(
  error: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): string {
  if (error instanceof PolicyError) return `invalid policy\n${error.message}`;
  if (error instanceof AwsCallError) return describeAwsCallError(error, env);
  if (error instanceof EnforceError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function describeAwsCallError(
  error: AwsCallError,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const [prefix = '', operation = error.operation] = error.operation.split(':');
  const service = SERVICES[prefix] ?? { name: prefix, env: 'AWS_ENDPOINT_URL' };
  const attempts =
    error.attempts === undefined ? '' : ` after ${error.attempts} attempt${error.attempts === 1 ? '' : 's'}`;
  if (UNREACHABLE.has(error.code)) {
    const endpoint = env[service.env] ?? env.AWS_ENDPOINT_URL;
    const where = endpoint === undefined ? '' : ` at ${endpoint}`;
    return (
      `cannot reach ${service.name}${where} (${operation}: ${error.code}: ${error.message})${attempts}. ` +
      `Check the network, the region, and the endpoint settings ${service.env} / AWS_ENDPOINT_URL; ` +
      '--request-timeout bounds each attempt.'
    );
  }
  if (THROTTLED.has(error.code)) {
    return (
      `${service.name} throttled ${operation} (${error.code}: ${error.message})${attempts}. ` +
      'Other callers share the quota: retry later, or allow more attempts with AWS_MAX_ATTEMPTS.'
    );
  }
  return `${service.name} ${operation} failed: ${error.code}: ${error.message}`;
}

/** Our errors are problems of the input or the environment; anything else is a bug and shows its stack. */
export function reportError(error: unknown, io: Io): void {
  const known = error instanceof EnforceError;
  io.stderr(`${known ? 'error' : 'internal error'}: ${describeError(error, io.env)}\n`);
}
