/**
 * Which accounts an EventBridge event concerns. Pure: no AWS, no I/O. The deployment template's rules
 * (templates/enforce.yaml) let only these shapes through; this module checks them again, because a rule
 * can be edited, an event can be replayed from an archive, and the loop guard must hold even then.
 */

import { assertNever } from '../core/plan.js';

/** Why an event concerns its accounts: a closed set, one per rule of the template. */
export const TRIGGERS = [
  'account-created',
  'account-joined',
  'managed-account-created',
  'managed-account-updated',
  'account-moved',
  'account-tags-changed',
  'contact-edited',
] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Why an event is ignored: a closed set. */
export const IGNORE_REASONS = [
  'not-an-event',
  'unknown-event',
  'not-succeeded',
  'call-failed',
  'not-an-account',
  'own-change',
  'no-account-id',
] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

export type EventConcern =
  | { kind: 'accounts'; eventId: string; trigger: Trigger; accountIds: string[] }
  | { kind: 'ignored'; eventId: string | null; reason: IgnoreReason; eventName: string | null };

export interface EventContext {
  /** The enforcer's own role (`arn:aws:iam::ACCOUNT:role/NAME`): its own writes must not trigger it again. */
  enforcerRoleArn?: string;
}

/** Triggers whose account may not be readable yet: a failed read is worth retrying within the batch. */
export function isNewAccountTrigger(trigger: Trigger): boolean {
  switch (trigger) {
    case 'account-created':
    case 'account-joined':
    case 'managed-account-created':
      return true;
    case 'managed-account-updated':
    case 'account-moved':
    case 'account-tags-changed':
    case 'contact-edited':
      return false;
    default:
      return assertNever(trigger);
  }
}

const SERVICE_EVENT = 'AWS Service Event via CloudTrail';
const API_CALL = 'AWS API Call via CloudTrail';
const ACCOUNT_ID = /^\d{12}$/;

/** Maps one EventBridge event (an SQS message body, parsed) to the accounts it concerns. */
export function accountsOfEvent(event: unknown, context: EventContext = {}): EventConcern {
  if (!isRecord(event) || !isRecord(event.detail)) {
    return { kind: 'ignored', eventId: null, reason: 'not-an-event', eventName: null };
  }
  const eventId = typeof event.id === 'string' ? event.id : null;
  const detail = event.detail;
  const eventName = typeof detail.eventName === 'string' ? detail.eventName : null;
  const ignored = (reason: IgnoreReason): EventConcern => ({ kind: 'ignored', eventId, reason, eventName });
  const found = (trigger: Trigger, accountId: unknown): EventConcern => {
    if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) return ignored('no-account-id');
    return { kind: 'accounts', eventId: eventId ?? '', trigger, accountIds: [accountId] };
  };
  const serviceDetails = record(detail.serviceEventDetails);
  const request = record(detail.requestParameters);
  const key = `${String(event.source)}|${String(event['detail-type'])}|${eventName}`;

  // An API call that AWS refused changed nothing.
  if (event['detail-type'] === API_CALL && detail.errorCode !== undefined) return ignored('call-failed');

  switch (key) {
    case `aws.organizations|${SERVICE_EVENT}|CreateAccountResult`: {
      const status = record(serviceDetails.createAccountStatus);
      if (status.state !== 'SUCCEEDED') return ignored('not-succeeded');
      return found('account-created', status.accountId);
    }
    case `aws.organizations|${SERVICE_EVENT}|AccountJoinedOrganization`:
      return found('account-joined', joinedAccountId(event, detail, serviceDetails));
    case `aws.controltower|${SERVICE_EVENT}|CreateManagedAccount`: {
      const status = record(serviceDetails.createManagedAccountStatus);
      if (status.state !== 'SUCCEEDED') return ignored('not-succeeded');
      return found('managed-account-created', record(status.account).accountId);
    }
    case `aws.controltower|${SERVICE_EVENT}|UpdateManagedAccount`: {
      const status = record(serviceDetails.updateManagedAccountStatus);
      if (status.state !== 'SUCCEEDED') return ignored('not-succeeded');
      return found('managed-account-updated', record(status.account).accountId);
    }
    case `aws.organizations|${API_CALL}|MoveAccount`:
      return found('account-moved', request.accountId);
    case `aws.organizations|${API_CALL}|TagResource`:
    case `aws.organizations|${API_CALL}|UntagResource`:
      // Tags on an OU, the root or a policy do not change which accounts a tag selector matches.
      if (typeof request.resourceId !== 'string' || !ACCOUNT_ID.test(request.resourceId)) {
        return ignored('not-an-account');
      }
      return found('account-tags-changed', request.resourceId);
    case `aws.account|${API_CALL}|PutAlternateContact`:
    case `aws.account|${API_CALL}|DeleteAlternateContact`: {
      if (isEnforcer(record(detail.userIdentity), context.enforcerRoleArn)) return ignored('own-change');
      // Without AccountId the caller changed its own account's contact.
      const identity = record(detail.userIdentity);
      return found('contact-edited', request.accountId ?? identity.accountId ?? event.account);
    }
    default:
      return ignored('unknown-event');
  }
}

/**
 * AccountJoinedOrganization is new (2026) and AWS documents its fields (`joinedMethod`, `joinedTime`) but
 * no full example, so the member account id is looked for where Organizations' other events put it.
 */
function joinedAccountId(
  event: Record<string, unknown>,
  detail: Record<string, unknown>,
  serviceDetails: Record<string, unknown>,
): unknown {
  const arns = [
    ...(Array.isArray(detail.resources) ? detail.resources.map((r) => record(r).ARN) : []),
    ...(Array.isArray(event.resources) ? event.resources : []),
  ];
  const fromResources = arns
    .map((arn) => (typeof arn === 'string' ? /:account\/o-[a-z0-9]+\/(\d{12})$/.exec(arn)?.[1] : undefined))
    .find((id) => id !== undefined);
  return serviceDetails.accountId ?? record(detail.requestParameters).accountId ?? fromResources;
}

/**
 * True when the call was made by the enforcer's role. CloudTrail names the role in the session issuer;
 * the assumed-role ARN (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`) is checked too, as the
 * template's event pattern does, because it is present on every assumed-role call.
 */
export function isEnforcer(identity: Record<string, unknown>, enforcerRoleArn: string | undefined): boolean {
  if (enforcerRoleArn === undefined || enforcerRoleArn === '') return false;
  const issuer = record(record(identity.sessionContext).sessionIssuer).arn;
  if (issuer === enforcerRoleArn) return true;
  const prefix = assumedRolePrefix(enforcerRoleArn);
  return prefix !== null && typeof identity.arn === 'string' && identity.arn.startsWith(prefix);
}

/** `arn:aws:iam::111111111111:role/path/NAME` → `arn:aws:sts::111111111111:assumed-role/NAME/`. */
export function assumedRolePrefix(roleArn: string): string | null {
  const match = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (match === null) return null;
  const [, partition, account, name] = match;
  return `arn:${partition}:sts::${account}:assumed-role/${name}/`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
