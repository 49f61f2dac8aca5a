import {
  AccessDeniedException,
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-account';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  accountIdParam,
  deleteAlternateContact,
  getAlternateContact,
  getContactInformation,
  putAlternateContact,
  putContactInformation,
} from '../../src/aws/account.js';
import type { PrimaryContact } from '../../src/core/primary.js';
import { AwsCallError } from '../../src/errors.js';

const mock = mockClient(AccountClient);
const client = new AccountClient({ region: 'us-east-1' });

const contact = {
  name: 'Security Operations',
  title: 'Security Team',
  email: 'security@example.com',
  phone: '+1-555-0142',
};

beforeEach(() => mock.reset());

describe('accountIdParam', () => {
  it('omits the AccountId for the caller itself (management standalone context)', () => {
    expect(accountIdParam('111111111111', '111111111111')).toBeUndefined();
  });
  it('names any other account', () => {
    expect(accountIdParam('222222222222', '111111111111')).toBe('222222222222');
  });
});

describe('getAlternateContact', () => {
  it('reads a member account with AccountId and maps the fields', async () => {
    mock.on(GetAlternateContactCommand).resolves({
      AlternateContact: {
        AlternateContactType: 'SECURITY',
        Name: contact.name,
        Title: contact.title,
        EmailAddress: contact.email,
        PhoneNumber: contact.phone,
      },
    });
    await expect(getAlternateContact(client, 'SECURITY', '222222222222')).resolves.toEqual(contact);
    const [call] = mock.commandCalls(GetAlternateContactCommand);
    expect(call!.args[0].input).toEqual({ AlternateContactType: 'SECURITY', AccountId: '222222222222' });
  });

  it('sends no AccountId key at all for the management account', async () => {
    mock.on(GetAlternateContactCommand).resolves({ AlternateContact: { Name: 'Ops' } });
    await expect(getAlternateContact(client, 'OPERATIONS')).resolves.toEqual({
      name: 'Ops',
      title: '',
      email: '',
      phone: '',
    });
    const input = mock.commandCalls(GetAlternateContactCommand)[0]!.args[0].input;
    expect(input).toEqual({ AlternateContactType: 'OPERATIONS' });
    expect(Object.hasOwn(input, 'AccountId')).toBe(false);
  });

  it('returns null when the account has no contact of that type', async () => {
    mock.on(GetAlternateContactCommand).rejects(
      new ResourceNotFoundException({
        message: 'No contact of the inputted alternate contact type found.',
        $metadata: {},
      }),
    );
    await expect(getAlternateContact(client, 'BILLING', '222222222222')).resolves.toBeNull();
  });

  it('wraps AccessDeniedException as AwsCallError keeping the cause', async () => {
    const denied = new AccessDeniedException({ message: 'not authorized', $metadata: { attempts: 1 } });
    mock.on(GetAlternateContactCommand).rejects(denied);
    const error = await getAlternateContact(client, 'SECURITY', '222222222222').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      operation: 'account:GetAlternateContact',
      code: 'AccessDeniedException',
      message: 'not authorized',
      attempts: 1,
    });
    expect((error as AwsCallError).cause).toBe(denied);
  });
});

describe('putAlternateContact', () => {
  it('sends every field for a member account and returns the attempts', async () => {
    mock.on(PutAlternateContactCommand).resolves({ $metadata: { attempts: 2 } });
    await expect(putAlternateContact(client, 'SECURITY', contact, '222222222222')).resolves.toEqual({
      attempts: 2,
    });
    expect(mock.commandCalls(PutAlternateContactCommand)[0]!.args[0].input).toEqual({
      AlternateContactType: 'SECURITY',
      Name: contact.name,
      Title: contact.title,
      EmailAddress: contact.email,
      PhoneNumber: contact.phone,
      AccountId: '222222222222',
    });
  });

  it('sends no AccountId key for the management account; attempts default to 1', async () => {
    mock.on(PutAlternateContactCommand).resolves({});
    await expect(putAlternateContact(client, 'SECURITY', contact)).resolves.toEqual({ attempts: 1 });
    const input = mock.commandCalls(PutAlternateContactCommand)[0]!.args[0].input;
    expect(Object.hasOwn(input, 'AccountId')).toBe(false);
  });

  it('wraps failures as AwsCallError', async () => {
    mock
      .on(PutAlternateContactCommand)
      .rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));
    await expect(putAlternateContact(client, 'SECURITY', contact, '222222222222')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'account:PutAlternateContact',
      code: 'AccessDeniedException',
    });
  });
});

const notFound = (attempts?: number) =>
  new ResourceNotFoundException({ message: 'No contact found.', $metadata: { attempts } });

describe('deleteAlternateContact', () => {
  it('deletes a member account’s contact with AccountId', async () => {
    mock.on(DeleteAlternateContactCommand).resolves({ $metadata: { attempts: 1 } });
    await expect(deleteAlternateContact(client, 'BILLING', '222222222222')).resolves.toEqual({
      attempts: 1,
      alreadyAbsent: false,
    });
    expect(mock.commandCalls(DeleteAlternateContactCommand)[0]!.args[0].input).toEqual({
      AlternateContactType: 'BILLING',
      AccountId: '222222222222',
    });
  });

  it('sends no AccountId key for the management account', async () => {
    mock.on(DeleteAlternateContactCommand).resolves({});
    await deleteAlternateContact(client, 'BILLING');
    const input = mock.commandCalls(DeleteAlternateContactCommand)[0]!.args[0].input;
    expect(input).toEqual({ AlternateContactType: 'BILLING' });
    expect(Object.hasOwn(input, 'AccountId')).toBe(false);
  });

  it('treats ResourceNotFoundException as success: the contact is already absent', async () => {
    mock.on(DeleteAlternateContactCommand).rejects(notFound(2));
    await expect(deleteAlternateContact(client, 'OPERATIONS', '222222222222')).resolves.toEqual({
      attempts: 2,
      alreadyAbsent: true,
    });
  });

  it('wraps other failures as AwsCallError keeping the cause', async () => {
    const throttled = new TooManyRequestsException({ message: 'slow down', $metadata: { attempts: 3 } });
    mock.on(DeleteAlternateContactCommand).rejects(throttled);
    const error = await deleteAlternateContact(client, 'BILLING', '222222222222').catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'AwsCallError',
      operation: 'account:DeleteAlternateContact',
      code: 'TooManyRequestsException',
      attempts: 3,
    });
    expect((error as AwsCallError).cause).toBe(throttled);
  });
});

const primary: PrimaryContact = {
  fullName: 'Example Corp Cloud Team',
  companyName: 'Example Corp',
  addressLine1: '1 Example Street',
  city: 'Springfield',
  stateOrRegion: 'WA',
  postalCode: '98101',
  countryCode: 'US',
  phone: '+1-555-0100',
};

describe('getContactInformation', () => {
  it('reads a member account with AccountId and maps every returned field, leaving the rest unset', async () => {
    mock.on(GetContactInformationCommand).resolves({
      ContactInformation: {
        FullName: primary.fullName,
        CompanyName: primary.companyName,
        AddressLine1: primary.addressLine1,
        City: primary.city,
        StateOrRegion: primary.stateOrRegion,
        PostalCode: primary.postalCode,
        CountryCode: primary.countryCode,
        PhoneNumber: primary.phone,
      },
    });
    const read = await getContactInformation(client, '222222222222');
    expect(read).toEqual(primary);
    expect(Object.hasOwn(read!, 'addressLine2')).toBe(false);
    expect(mock.commandCalls(GetContactInformationCommand)[0]!.args[0].input).toEqual({
      AccountId: '222222222222',
    });
  });

  it('sends no AccountId key for the management account', async () => {
    mock.on(GetContactInformationCommand).resolves({ ContactInformation: { FullName: 'Mgmt' } as never });
    await expect(getContactInformation(client)).resolves.toMatchObject({ fullName: 'Mgmt', city: '' });
    expect(mock.commandCalls(GetContactInformationCommand)[0]!.args[0].input).toEqual({});
  });

  it('returns null when AWS has no primary contact for the account', async () => {
    mock.on(GetContactInformationCommand).rejects(notFound());
    await expect(getContactInformation(client, '222222222222')).resolves.toBeNull();
  });

  it('wraps AccessDeniedException as AwsCallError', async () => {
    mock
      .on(GetContactInformationCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    await expect(getContactInformation(client, '222222222222')).rejects.toMatchObject({
      name: 'AwsCallError',
      operation: 'account:GetContactInformation',
      code: 'AccessDeniedException',
    });
  });
});

describe('putContactInformation', () => {
  it('sends the whole contact for a member account, leaving unset optional fields out', async () => {
    mock.on(PutContactInformationCommand).resolves({ $metadata: { attempts: 2 } });
    await expect(putContactInformation(client, primary, '222222222222')).resolves.toEqual({ attempts: 2 });
    expect(mock.commandCalls(PutContactInformationCommand)[0]!.args[0].input).toEqual({
      AccountId: '222222222222',
      ContactInformation: {
        FullName: primary.fullName,
        CompanyName: primary.companyName,
        AddressLine1: primary.addressLine1,
        City: primary.city,
        StateOrRegion: primary.stateOrRegion,
        PostalCode: primary.postalCode,
        CountryCode: primary.countryCode,
        PhoneNumber: primary.phone,
      },
    });
  });

  it('sends no AccountId key for the management account', async () => {
    mock.on(PutContactInformationCommand).resolves({});
    await expect(putContactInformation(client, primary)).resolves.toEqual({ attempts: 1 });
    const input = mock.commandCalls(PutContactInformationCommand)[0]!.args[0].input;
    expect(Object.hasOwn(input, 'AccountId')).toBe(false);
  });

  it('wraps failures as AwsCallError', async () => {
    mock
      .on(PutContactInformationCommand)
      .rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    await expect(putContactInformation(client, primary, '222222222222')).rejects.toMatchObject({
      operation: 'account:PutContactInformation',
      code: 'AccessDeniedException',
    });
  });
});
