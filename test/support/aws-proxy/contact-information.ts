// The primary contact (GetContactInformation / PutContactInformation), which moto 5.2.1 does not implement:
// the proxy answers these itself, with its own state per account, and never forwards them.

import { CONTACT_INFORMATION_FIELDS, isObject } from './validation.js';
import { accountError, accountOk, type Reply } from './wire.js';

/** The Account API's `ContactInformation` structure, member names as on the wire. */
export interface ContactInformation {
  FullName: string;
  AddressLine1: string;
  AddressLine2?: string;
  AddressLine3?: string;
  City: string;
  StateOrRegion?: string;
  DistrictOrCounty?: string;
  PostalCode: string;
  CountryCode: string;
  PhoneNumber: string;
  CompanyName?: string;
  WebsiteUrl?: string;
}

/** Account id → its primary contact. Absent = none set. */
export type ContactInformationStore = Map<string, ContactInformation>;

/**
 * No primary contact: the model lists ResourceNotFoundException (404) for GetContactInformation, and
 * terraform-provider-aws reads it as "not set" (an account created by Organizations' CreateAccount can have
 * none). AWS does not document the message, so this one is ours.
 */
export function getContactInformation(store: ContactInformationStore, accountId: string): Reply {
  const info = store.get(accountId);
  if (info === undefined) {
    return accountError(
      404,
      'ResourceNotFoundException',
      'No contact information was found for the specified account.',
    );
  }
  return accountOk({ ContactInformation: { ...info } });
}

/**
 * Put replaces the whole contact: an optional member left out is cleared, as the console's form does. Only the
 * model's members are kept; input is expected to have passed validation when the proxy validates.
 */
export function putContactInformation(
  store: ContactInformationStore,
  accountId: string,
  input: Record<string, unknown>,
): { reply: Reply; stored: ContactInformation } {
  const given = isObject(input.ContactInformation) ? input.ContactInformation : {};
  const stored: Record<string, string> = {};
  for (const field of CONTACT_INFORMATION_FIELDS) {
    const value = given[field.name];
    if (typeof value === 'string') stored[field.name] = value;
  }
  const info = stored as unknown as ContactInformation;
  store.set(accountId, info);
  return { reply: accountOk({}), stored: { ...info } };
}
