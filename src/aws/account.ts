import {
  type AccountClient,
  type ContactInformation,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
} from '@aws-sdk/client-account';
import type { PrimaryContact } from '../core/primary.js';
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
    if (isNotFound(error)) return null;
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

function isNotFound(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ResourceNotFoundException';
}

/**
 * Removes the contact of this type. DeleteAlternateContact answers ResourceNotFoundException when there is
 * none: the contact is then already absent, which is what was asked, so that is success
 * (`alreadyAbsent: true`), not a failure; a retried delete whose first attempt landed ends the same way.
 */
export async function deleteAlternateContact(
  client: AccountClient,
  type: ContactType,
  accountId?: string,
): Promise<{ attempts: number; alreadyAbsent: boolean }> {
  try {
    const output = await client.send(
      new DeleteAlternateContactCommand({ AlternateContactType: type, ...target(accountId) }),
    );
    return { attempts: output.$metadata?.attempts ?? 1, alreadyAbsent: false };
  } catch (error) {
    if (isNotFound(error)) {
      const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      return { attempts, alreadyAbsent: true };
    }
    throw AwsCallError.from('account:DeleteAlternateContact', error);
  }
}

/** SDK shape → domain shape; optional fields AWS did not return stay unset. */
function fromContactInformation(c: ContactInformation | undefined): PrimaryContact {
  const optional = {
    companyName: c?.CompanyName,
    addressLine2: c?.AddressLine2,
    addressLine3: c?.AddressLine3,
    stateOrRegion: c?.StateOrRegion,
    districtOrCounty: c?.DistrictOrCounty,
    websiteUrl: c?.WebsiteUrl,
  };
  return {
    fullName: c?.FullName ?? '',
    addressLine1: c?.AddressLine1 ?? '',
    city: c?.City ?? '',
    postalCode: c?.PostalCode ?? '',
    countryCode: c?.CountryCode ?? '',
    phone: c?.PhoneNumber ?? '',
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** Domain shape → SDK shape; an unset optional field is left out of the request, not sent empty. */
function toContactInformation(contact: PrimaryContact): ContactInformation {
  const optional = {
    CompanyName: contact.companyName,
    AddressLine2: contact.addressLine2,
    AddressLine3: contact.addressLine3,
    StateOrRegion: contact.stateOrRegion,
    DistrictOrCounty: contact.districtOrCounty,
    WebsiteUrl: contact.websiteUrl,
  };
  return {
    FullName: contact.fullName,
    AddressLine1: contact.addressLine1,
    City: contact.city,
    PostalCode: contact.postalCode,
    CountryCode: contact.countryCode,
    PhoneNumber: contact.phone,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
  };
}

/** The account's primary contact, or `null` when AWS has none for it (ResourceNotFoundException). */
export async function getContactInformation(
  client: AccountClient,
  accountId?: string,
): Promise<PrimaryContact | null> {
  try {
    const { ContactInformation } = await client.send(new GetContactInformationCommand(target(accountId)));
    return fromContactInformation(ContactInformation);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw AwsCallError.from('account:GetContactInformation', error);
  }
}

/** Replaces the primary contact (PutContactInformation is idempotent and sends the whole contact). */
export async function putContactInformation(
  client: AccountClient,
  contact: PrimaryContact,
  accountId?: string,
): Promise<{ attempts: number }> {
  try {
    const output = await client.send(
      new PutContactInformationCommand({
        ContactInformation: toContactInformation(contact),
        ...target(accountId),
      }),
    );
    return { attempts: output.$metadata?.attempts ?? 1 };
  } catch (error) {
    throw AwsCallError.from('account:PutContactInformation', error);
  }
}
