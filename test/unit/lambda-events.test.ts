import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { accountsOfEvent, assumedRolePrefix, isNewAccountTrigger } from '../../src/lambda/events.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/events/', import.meta.url));
const ENFORCER = 'arn:aws:iam::111111111111:role/enforce-EnforcerRole-EXAMPLE';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8'));
}

const concern = (name: string) => accountsOfEvent(fixture(name), { enforcerRoleArn: ENFORCER });

/** Every fixture and what it must map to; a new fixture without an expectation fails the last test. */
const EXPECTED: Record<string, { trigger: string; accountIds: string[] } | { ignored: string }> = {
  'create-account-result-succeeded': { trigger: 'account-created', accountIds: ['222222222222'] },
  'create-account-result-failed': { ignored: 'not-succeeded' },
  'account-joined-organization': { trigger: 'account-joined', accountIds: ['777777777777'] },
  'controltower-create-managed-account': { trigger: 'managed-account-created', accountIds: ['888888888888'] },
  'controltower-create-managed-account-failed': { ignored: 'not-succeeded' },
  'controltower-update-managed-account': { trigger: 'managed-account-updated', accountIds: ['121212121212'] },
  'move-account': { trigger: 'account-moved', accountIds: ['333333333333'] },
  'tag-resource-account': { trigger: 'account-tags-changed', accountIds: ['444444444444'] },
  'untag-resource-account': { trigger: 'account-tags-changed', accountIds: ['444444444444'] },
  'tag-resource-ou': { ignored: 'not-an-account' },
  'put-alternate-contact': { trigger: 'contact-edited', accountIds: ['555555555555'] },
  'delete-alternate-contact-member': { trigger: 'contact-edited', accountIds: ['565656565656'] },
  'put-alternate-contact-by-enforcer': { ignored: 'own-change' },
};

describe('accountsOfEvent', () => {
  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`maps ${name}`, () => {
      const got = concern(name);
      const eventId = fixture(name).id;
      if ('ignored' in want) {
        expect(got).toMatchObject({ kind: 'ignored', reason: want.ignored, eventId });
      } else {
        expect(got).toEqual({ kind: 'accounts', eventId, ...want });
      }
    });
  }

  it('has an expectation for every fixture', () => {
    const names = readdirSync(FIXTURES).map((f) => f.replace(/\.json$/, ''));
    expect(names.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('ignores the enforcer’s own write by its assumed-role ARN even without a session issuer', () => {
    const event = fixture('put-alternate-contact-by-enforcer');
    const detail = event.detail as { userIdentity: Record<string, unknown> };
    delete detail.userIdentity.sessionContext;
    expect(accountsOfEvent(event, { enforcerRoleArn: ENFORCER })).toMatchObject({ reason: 'own-change' });
  });

  it('treats the enforcer’s write as an edit when no enforcer role is configured', () => {
    expect(accountsOfEvent(fixture('put-alternate-contact-by-enforcer'))).toMatchObject({
      kind: 'accounts',
      accountIds: ['555555555555'],
    });
  });

  it('ignores an API call AWS refused', () => {
    const event = fixture('move-account');
    (event.detail as Record<string, unknown>).errorCode = 'AccessDenied';
    expect(accountsOfEvent(event)).toMatchObject({ kind: 'ignored', reason: 'call-failed' });
  });

  it('ignores other Organizations calls and malformed bodies', () => {
    const event = fixture('move-account');
    (event.detail as Record<string, unknown>).eventName = 'CreateOrganizationalUnit';
    expect(accountsOfEvent(event)).toMatchObject({
      reason: 'unknown-event',
      eventName: 'CreateOrganizationalUnit',
    });
    expect(accountsOfEvent('not json')).toMatchObject({ reason: 'not-an-event' });
    expect(accountsOfEvent({ id: 'x', source: 'aws.organizations' })).toMatchObject({
      reason: 'not-an-event',
    });
  });

  it('ignores an event whose account id is not 12 digits', () => {
    const event = fixture('move-account');
    (event.detail as { requestParameters: Record<string, unknown> }).requestParameters.accountId = '12345';
    expect(accountsOfEvent(event)).toMatchObject({ reason: 'no-account-id' });
  });

  it('finds the joined account in the resources when the details do not name it', () => {
    const event = fixture('account-joined-organization');
    const detail = event.detail as { serviceEventDetails: Record<string, unknown> };
    delete detail.serviceEventDetails.accountId;
    event.resources = ['arn:aws:organizations::111111111111:account/o-exampleorg1/999888777666'];
    expect(accountsOfEvent(event)).toMatchObject({ accountIds: ['999888777666'] });
  });
});

describe('assumedRolePrefix', () => {
  it('drops the role path, which assumed-role ARNs do not carry', () => {
    expect(assumedRolePrefix('arn:aws:iam::111111111111:role/service/enforce-Role')).toBe(
      'arn:aws:sts::111111111111:assumed-role/enforce-Role/',
    );
    expect(assumedRolePrefix('not an arn')).toBeNull();
  });
});

describe('isNewAccountTrigger', () => {
  it('is true only where the account may not be readable yet', () => {
    expect(isNewAccountTrigger('account-created')).toBe(true);
    expect(isNewAccountTrigger('managed-account-created')).toBe(true);
    expect(isNewAccountTrigger('account-moved')).toBe(false);
    expect(isNewAccountTrigger('contact-edited')).toBe(false);
  });
});
