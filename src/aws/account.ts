import {
  type AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from '@aws-sdk/client-account';
import type { Contact, ContactType } from '../core/types.js';
import { AwsCallError } from '../errors.js';

/**
 * The ONE place that decides whether a call names its target account.
 * AWS rule: the management account can only manage its own contacts "using the standalone context", i.e.
 * WITHOUT AccountId; passing its own id is answered with 403 AccessDeniedException. Every other target is a
 * member account and must be named. So: no AccountId exactly when the target is the caller itself.
 */
export function accountIdParam(targetAccountId: string, callerAccountId: string): string | undefined {
  return targetAccountId === callerAccountId ? undefined : targetAccountId;
}

/** The key is left out entirely (not set to undefined) so the request body never carries it. */
function target(accountId: string | undefined): { AccountId?: string } {
  return accountId === undefined ? {} : { AccountId: accountId };
}

/** The account's contact of this type, or `null` when it has none (AWS answers ResourceNotFoundException). */
export async function getAlternateContact(
  client: AccountClient,
  type: ContactType,
  accountId?: string,
): Promise<Contact | null> {
  try {
    const { AlternateContact: c } = await client.send(
      new GetAlternateContactCommand({ AlternateContactType: type, ...target(accountId) }),
    );
    return {
      name: c?.Name ?? '',
      title: c?.Title ?? '',
      email: c?.EmailAddress ?? '',
      phone: c?.PhoneNumber ?? '',
    };
  } catch (error) {
    if ((error as { name?: string })?.name === 'ResourceNotFoundException') return null;
    throw AwsCallError.from('account:GetAlternateContact', error);
  }
}

/** Creates or replaces the contact (PutAlternateContact is idempotent and requires all four fields). */
export async function putAlternateContact(
  client: AccountClient,
  type: ContactType,
  contact: Contact,
  accountId?: string,
): Promise<{ attempts: number }> {
  try {
    const output = await client.send(
      new PutAlternateContactCommand({
        AlternateContactType: type,
        Name: contact.name,
        Title: contact.title,
        EmailAddress: contact.email,
        PhoneNumber: contact.phone,
        ...target(accountId),
      }),
    );
    return { attempts: output.$metadata?.attempts ?? 1 };
  } catch (error) {
    throw AwsCallError.from('account:PutAlternateContact', error);
  }
}
