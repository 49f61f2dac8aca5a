/** Human wording for the machine-readable skip reasons. */
const REASONS: Record<string, string> = {
  'out-of-scope': 'not in scope.include',
  excluded: 'excluded by scope.exclude',
  suspended: 'account is SUSPENDED',
  'pending-closure': 'account is PENDING_CLOSURE',
  closed: 'account is CLOSED',
  'pending-activation': 'account is PENDING_ACTIVATION',
  'management-account': 'management account (settings.managementAccount: skip)',
  'management-account-delegated-admin':
    'management account: only the management account itself can change its contacts, and the caller is a delegated administrator',
  stale: 'the account changed since the plan was made',
  'max-changes': 'not written: the plan exceeds max-changes',
  interrupted: 'not written: the run was interrupted',
};

export function describeReason(reason: string | null): string {
  if (reason === null) return 'no reason given';
  return REASONS[reason] ?? reason;
}
