import type { NotWrittenReason, Reason, SkipReason } from '../core/types.js';

/** Why an account's contacts are not managed: one wording per skip reason, checked complete by the compiler. */
const SKIP_REASON_TEXT: Record<SkipReason, string> = {
  suspended: 'account is SUSPENDED',
  closed: 'account is CLOSED',
  'pending-closure': 'account is PENDING_CLOSURE',
  'pending-activation': 'account is PENDING_ACTIVATION',
  'out-of-scope': 'not in scope.include',
  excluded: 'excluded by scope.exclude',
  'management-account': 'management account (settings.managementAccount: skip)',
  'management-account-delegated-admin':
    'management account: only the management account itself can change its contacts, and the caller is a delegated administrator',
  'not-read': 'not read: the run was stopped first',
  'not-in-snapshot': 'not in the snapshot: created since, or not read by the run that saved it',
};

/** Why a planned write was not made. */
const NOT_WRITTEN_TEXT: Record<NotWrittenReason, string> = {
  stale: 'the account changed since the plan was made (stale)',
  'already-in-sync': 'already in sync when the plan was applied',
  'max-changes': 'not written: the plan exceeds max-changes',
  interrupted: 'not written: the run was interrupted',
  'audit-log-failed': 'not written: the audit log could not be written',
};

const REASON_TEXT: Record<Reason, string> = { ...SKIP_REASON_TEXT, ...NOT_WRITTEN_TEXT };

export function describeReason(reason: Reason | null): string {
  return reason === null ? 'no reason given' : REASON_TEXT[reason];
}
