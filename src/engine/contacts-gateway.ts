import type { AccountClient } from '@aws-sdk/client-account';
import { accountIdParam, getAlternateContact, putAlternateContact } from '../aws/account.js';
import type { Contact, ContactType, ObservedContact } from '../core/types.js';
import { AwsCallError } from '../errors.js';

/**
 * Reads and writes alternate contacts for the run, applying the management-account rule (no AccountId for
 * the caller's own account) in one place. Pacing is on the client (see pacing.ts).
 */
export interface ContactsGateway {
  read(accountId: string, type: ContactType): Promise<ObservedContact>;
  /** Throws AwsCallError when the write fails after the SDK's retries. */
  write(accountId: string, type: ContactType, contact: Contact): Promise<{ attempts: number }>;
}

export function createContactsGateway(client: AccountClient, callerAccountId: string): ContactsGateway {
  return {
    async read(accountId, type) {
      try {
        const contact = await getAlternateContact(client, type, accountIdParam(accountId, callerAccountId));
        return contact === null ? { kind: 'missing' } : { kind: 'present', contact };
      } catch (error) {
        const e = AwsCallError.from('account:GetAlternateContact', error);
        return { kind: 'error', error: { code: e.code, message: e.message } };
      }
    },
    async write(accountId, type, contact) {
      return putAlternateContact(client, type, contact, accountIdParam(accountId, callerAccountId));
    },
  };
}
