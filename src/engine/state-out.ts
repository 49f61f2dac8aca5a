import type { Account, Caller, Contact, Organization, RunReport } from '../core/types.js';
import { type ObservedAccount, type Snapshot, snapshotFromObservation } from '../state/snapshot.js';
import type { ObservedContacts } from './scan.js';

/**
 * `--state-out`: collects what the scan observed (scan.ts `onObserved`) and turns it, with the run's report,
 * into the snapshot. Kept out of the plan types: the plan says what to do, this says what was seen.
 */
export interface ObservationRecorder {
  /** Pass as ScanDeps.onObserved. */
  record(account: Account, contacts: ObservedContacts): void;
  /** Accounts observed so far (a later record of the same account replaces the earlier). */
  readonly size: number;
  snapshot(input: {
    observedAt: Date;
    toolVersion: string;
    organization: Pick<Organization, 'id' | 'managementAccountId'>;
    caller: Caller;
    /** The run's report: contacts it applied are stored as written, not as they were before the write. */
    report: RunReport;
    valueKey?: string;
    /** When the writes' read-back confirmed them (the run's end is close enough). */
    writtenAt: Date;
  }): Snapshot;
}

export function createObservationRecorder(): ObservationRecorder {
  const accounts = new Map<string, ObservedAccount>();
  return {
    record(account, contacts) {
      accounts.set(account.id, {
        id: account.id,
        name: account.name,
        state: account.state,
        ...(account.ous === undefined ? {} : { ous: account.ous }),
        ...(account.tags === undefined ? {} : { tags: account.tags }),
        contacts: { ...contacts },
      });
    },
    get size() {
      return accounts.size;
    },
    snapshot({ observedAt, toolVersion, organization, caller, report, valueKey, writtenAt }) {
      // An applied write was read back equal to `after` (apply.ts): the account now holds it. Storing the
      // value from before the write would make the next plan from this snapshot show drift already fixed.
      for (const reported of report.accounts) {
        const observed = accounts.get(reported.accountId);
        if (observed === undefined) continue;
        for (const item of reported.items) {
          // Snapshots hold the alternate contacts; a delete's read-back found none (`after` is null).
          if (item.type === 'PRIMARY' || item.result !== 'applied') continue;
          observed.contacts[item.type] = {
            observed:
              item.after === null ? { kind: 'missing' } : { kind: 'present', contact: item.after as Contact },
            readAt: writtenAt,
          };
        }
      }
      return snapshotFromObservation({
        observedAt,
        toolVersion,
        organization: { id: organization.id, managementAccountId: organization.managementAccountId },
        caller: { accountId: caller.accountId, arn: caller.arn },
        accounts: accounts.values(),
        ...(valueKey === undefined ? {} : { valueKey }),
      });
    },
  };
}
