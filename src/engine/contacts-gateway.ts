import type { AccountClient } from '@aws-sdk/client-account';
import {
  accountIdParam,
  deleteAlternateContact,
  getAlternateContact,
  getContactInformation,
  putAlternateContact,
  putContactInformation,
} from '../aws/account.js';
import type { PrimaryContact } from '../core/primary.js';
import type { Contact, ContactType, ObservedContact, ObservedPrimary } from '../core/types.js';
import { AwsCallError } from '../errors.js';

/**
 * Reads and writes an account's contacts (alternate and primary) for the run, applying the
 * management-account rule (no AccountId for the caller's own account) in one place. Pacing is on the
 * client (see pacing.ts).
 */
export interface ContactsGateway {
  read(accountId: string, type: ContactType): Promise<ObservedContact>;
  /** Throws AwsCallError when the write fails after the SDK's retries. */
  write(accountId: string, type: ContactType, contact: Contact): Promise<{ attempts: number }>;
  /** ResourceNotFound (already absent) counts as done. Throws AwsCallError otherwise. */
  delete(accountId: string, type: ContactType): Promise<{ attempts: number }>;
  readPrimary(accountId: string): Promise<ObservedPrimary>;
  /** Throws AwsCallError when the write fails after the SDK's retries. */
  writePrimary(accountId: string, contact: PrimaryContact): Promise<{ attempts: number }>;
}

export function createContactsGateway(client: AccountClient, callerAccountId: string): ContactsGateway {
  const target = (accountId: string) => accountIdParam(accountId, callerAccountId);
  return {
    async read(accountId, type) {
      try {
        const contact = await getAlternateContact(client, type, target(accountId));
        return contact === null ? { kind: 'missing' } : { kind: 'present', contact };
      } catch (error) {
        const e = AwsCallError.from('account:GetAlternateContact', error);
        return { kind: 'error', error: { code: e.code, message: e.message } };
      }
    },
    async write(accountId, type, contact) {
      return putAlternateContact(client, type, contact, target(accountId));
    },
    async delete(accountId, type) {
      const { attempts } = await deleteAlternateContact(client, type, target(accountId));
      return { attempts };
    },
    async readPrimary(accountId) {
      try {
        const contact = await getContactInformation(client, target(accountId));
        return contact === null ? { kind: 'missing' } : { kind: 'present', contact };
      } catch (error) {
        const e = AwsCallError.from('account:GetContactInformation', error);
        return { kind: 'error', error: { code: e.code, message: e.message } };
      }
    },
    async writePrimary(accountId, contact) {
      return putContactInformation(client, contact, target(accountId));
    },
  };
}
