import { AccountClient } from '@aws-sdk/client-account';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

export interface ClientOptions {
  region?: string;
  profile?: string;
  maxAttempts?: number;
  /** Bounds every attempt of every request (connection and answer): a black-holed endpoint cannot hang a run. */
  requestTimeoutMs?: number;
}

export interface AwsClients {
  organizations: OrganizationsClient;
  account: AccountClient;
  ssm: SSMClient;
  sts: STSClient;
}

/** Where the aws partition serves the global Organizations and Account APIs. */
const GLOBAL_SERVICE_REGION = 'us-east-1';

/**
 * One client per service, all configured by the SDK's standard chain (credentials, AWS_PROFILE, AWS_REGION,
 * AWS_ENDPOINT_URL[_<SERVICE>], AWS_MAX_ATTEMPTS, shared config files). We never set `endpoint`: an explicit
 * endpoint would silence the endpoint environment variables the emulator and users rely on.
 */
export function createClients(options: ClientOptions = {}): AwsClients {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.requestTimeoutMs !== undefined
      ? {
          requestHandler: {
            requestTimeout: options.requestTimeoutMs,
            connectionTimeout: options.requestTimeoutMs,
            // Without it the handler only logs a warning when the timeout passes and goes on waiting.
            throwOnRequestTimeout: true,
          },
        }
      : {}),
  };
  // SSM is regional: it keeps the SDK's own region resolution and fails clearly when none is configured.
  const ssm = new SSMClient(common);
  // Organizations and Account are global (endpoint in us-east-1 for the aws partition), so a missing region
  // must not stop the run. The SSM client's region provider *is* the SDK's default chain (env, then the
  // profile's `region`), so we ask it first and fall back only when it has nothing.
  let resolved: Promise<string> | undefined;
  const globalRegion = () => {
    resolved ??= ssm.config.region().catch(() => GLOBAL_SERVICE_REGION);
    return resolved;
  };
  const global = { ...common, region: options.region ?? globalRegion };
  return {
    organizations: new OrganizationsClient(global),
    account: new AccountClient(global),
    ssm,
    sts: new STSClient(global),
  };
}
