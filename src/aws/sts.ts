import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Caller } from '../core/types.js';
import { AwsCallError, PreflightError } from '../errors.js';

/** Raised by the credential chain itself: nothing usable was found (or an SSO token could not be loaded). */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'TokenProviderError']);
/** Answered by STS: credentials were found but AWS rejects them (expired session, unknown or wrong key). */
const REJECTED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
]);

const HOW_TO_FIX =
  'Choose a profile with AWS_PROFILE or --profile (for IAM Identity Center run `aws sso login`), ' +
  'or provide credentials through the standard AWS SDK chain (environment, web identity, instance role).';

/** Who is calling. Credential problems become a PreflightError: nothing else can run without them. */
export async function getCaller(client: STSClient, options: { profile?: string } = {}): Promise<Caller> {
  try {
    const output = await client.send(new GetCallerIdentityCommand({}));
    return { accountId: output.Account ?? '', arn: output.Arn ?? '' };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    const name = e?.name ?? '';
    if (NO_CREDENTIALS.has(name)) {
      // The SDK's chain error hides which profile it tried: say it, since a misspelt one is the usual cause.
      const profile =
        options.profile === undefined
          ? ''
          : ` with the profile "${options.profile}" (is it in ~/.aws/config or ~/.aws/credentials, and are its credentials valid?)`;
      throw new PreflightError(`No AWS credentials found${profile}: ${e.message ?? name}. ${HOW_TO_FIX}`, {
        cause: error,
      });
    }
    if (REJECTED_CREDENTIALS.has(name)) {
      throw new PreflightError(
        `AWS rejected the credentials (${name}: ${e.message ?? ''}); they may have expired. ${HOW_TO_FIX}`,
        { cause: error },
      );
    }
    throw AwsCallError.from('sts:GetCallerIdentity', error);
  }
}
