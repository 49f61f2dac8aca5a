import { type DecisionContext, type DesiredContact, decideAccount, managedTypes } from '../core/desired.js';
import { assertNever, reportItem, skipItem, sortAccounts } from '../core/plan.js';
import { planAlternateItem } from '../core/plan-kinds.js';
import type { DesiredPolicy } from '../core/policy.js';
import {
  type Contact,
  type ContactField,
  type ContactType,
  type ReportAccount as PlanAccount,
  type ReportItem as PlanItem,
  SKIP_REASONS,
  type SkipReason,
} from '../core/types.js';
import {
  accountFromSnapshot,
  observedContactFromSnapshot,
  type Snapshot,
  type StoredContactComparer,
} from '../state/snapshot.js';
import type { ReportInput, ReportItem } from './rows.js';

/**
 * The report's input, from a plan (the SPEC document of a dry-run, fresh or saved) or from a snapshot.
 * Pure: the caller read the files and the OU tree. The plan's action decides the status:
 * noop → compliant, update → drift, create → missing, skip → skipped, error → error.
 */

export interface PlanContext {
  runId: string;
  runAt: string;
  organizationId: string;
  policy: { file: string; sha256: string };
  /** OU names from the root down; [] when unknown (a saved plan records no OUs). */
  ouNames(accountId: string): readonly string[];
  /** When this account's contact of this type was read; null when it was not read. */
  readAt(accountId: string, type: ContactType): string | null;
  /** `--accounts`: only these. */
  accounts?: readonly string[];
}

export function reportInputFromPlan(accounts: readonly PlanAccount[], context: PlanContext): ReportInput {
  const wanted = context.accounts === undefined ? undefined : new Set(context.accounts);
  return {
    runId: context.runId,
    runAt: context.runAt,
    organizationId: context.organizationId,
    policy: context.policy,
    accounts: accounts
      .filter((account) => wanted === undefined || wanted.has(account.accountId))
      .map((account) => ({
        accountId: account.accountId,
        accountName: account.accountName,
        state: account.state,
        ouNames: context.ouNames(account.accountId),
        // The report is about the alternate contacts the controls name; the primary contact is not one.
        items: account.items.flatMap((item) =>
          item.type === 'PRIMARY'
            ? []
            : [itemOf(item as AlternateReportItem, context.readAt(item.accountId, item.type), context)],
        ),
      })),
  };
}

/** A report item of an alternate contact type. */
type AlternateReportItem = PlanItem & {
  type: ContactType;
  before: Contact | null;
  changedFields: ContactField[];
};

function itemOf(item: AlternateReportItem, readAt: string | null, context: PlanContext): ReportItem {
  // A read item without a recorded time (a saved plan records none): the run's time stands for it.
  const read = readAt ?? context.runAt;
  switch (item.action) {
    case 'noop':
      return { type: item.type, status: 'compliant', contact: item.before, readAt: read };
    case 'update':
      return {
        type: item.type,
        status: 'drift',
        contact: required(item.before, item),
        changedFields: item.changedFields,
        readAt: read,
      };
    case 'create':
      return { type: item.type, status: 'missing', readAt: read };
    // The policy wants the type absent and the account has one: not what the policy says.
    case 'delete':
      return {
        type: item.type,
        status: 'drift',
        contact: required(item.before, item),
        changedFields: [],
        readAt: read,
      };
    case 'skip':
      return { type: item.type, status: 'skipped', reason: skipReason(item) };
    case 'error':
      return {
        type: item.type,
        status: 'error',
        error: item.error ?? { code: 'Unknown', message: 'no error recorded' },
        readAt,
      };
    default:
      return assertNever(item.action);
  }
}

function required(contact: Contact | null, item: PlanItem): Contact {
  if (contact === null) throw new Error(`plan item ${item.accountId}/${item.type}: an update without before`);
  return contact;
}

function skipReason(item: PlanItem): SkipReason {
  const reason = item.reason;
  if (reason !== null && (SKIP_REASONS as readonly string[]).includes(reason)) return reason as SkipReason;
  throw new Error(`plan item ${item.accountId}/${item.type}: a skip without a skip reason (${reason})`);
}

/**
 * Plans the policy against a snapshot with the core functions (decideAccount, the desired contacts,
 * planAlternateItem against what the snapshot stored), then reports it like a run. The management account
 * is judged with the caller the snapshot recorded (as if it were the caller, for snapshots that recorded
 * none), and a type the snapshot holds no reading of is skipped `not-read`.
 */
export function reportInputFromSnapshot(
  snapshot: Snapshot,
  policy: DesiredPolicy,
  comparer: StoredContactComparer,
  context: { runId: string; policy: { file: string; sha256: string }; accounts?: readonly string[] },
): ReportInput {
  const types = managedTypes(policy);
  const decision: DecisionContext = {
    managementAccountId: snapshot.organization.managementAccountId,
    // The caller of the run that saved the snapshot, when it recorded one (as --from-state plans do).
    callerAccountId: snapshot.caller?.accountId ?? snapshot.organization.managementAccountId,
  };
  const readAt = new Map<string, string>();
  const ouNames = new Map<string, readonly string[]>();
  const planned: PlanAccount[] = snapshot.accounts.map((stored) => {
    ouNames.set(stored.id, stored.ouNames ?? []);
    const account = accountFromSnapshot(stored);
    const decided = decideAccount(account, policy, decision);
    const items = types.map((type) => {
      if (decided.kind === 'skip') return skipItem(account.id, type, decided.reason);
      const desired = decided.contacts[type]!;
      const reading = observedContactFromSnapshot(stored, type, wholeDesired(desired), comparer);
      if (reading === undefined) return skipItem(account.id, type, 'not-read');
      readAt.set(`${account.id}/${type}`, reading.readAt);
      return planAlternateItem(account.id, type, desired, reading.observed);
    });
    return {
      accountId: account.id,
      accountName: account.name,
      state: account.state,
      items: items.map((item) => reportItem(item, undefined)),
    };
  });
  return reportInputFromPlan(sortAccounts(planned), {
    runId: context.runId,
    runAt: snapshot.observedAt,
    organizationId: snapshot.organization.id,
    policy: context.policy,
    ouNames: (id) => ouNames.get(id) ?? [],
    readAt: (id, type) => readAt.get(`${id}/${type}`) ?? null,
    ...(context.accounts === undefined ? {} : { accounts: context.accounts }),
  });
}

/**
 * The whole contact a hashed snapshot's values are compared with: the listed fields (and createWith);
 * an unlisted field is '' so its stored hash never matches and it is shown masked — planAlternateItem
 * compares only the listed fields, so it cannot make a difference.
 */
function wholeDesired(desired: DesiredContact): Contact {
  if (desired.kind === 'absent') return { name: '', title: '', email: '', phone: '' };
  const fields = { ...desired.createWith, ...desired.fields };
  return {
    name: fields.name ?? '',
    title: fields.title ?? '',
    email: fields.email ?? '',
    phone: fields.phone ?? '',
  };
}
