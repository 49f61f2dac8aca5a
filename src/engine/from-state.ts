import { describeOrganization, listAccounts } from '../aws/organizations.js';
import {
  type DecisionContext,
  type DesiredContact,
  decideAccount,
  managedTypes,
  policyUsesOus,
  policyUsesTags,
} from '../core/desired.js';
import { reportAccounts, skipItem } from '../core/plan.js';
import { planAlternateItem } from '../core/plan-kinds.js';
import type { DesiredPolicy } from '../core/policy.js';
import type { RedactFields } from '../core/redact.js';
import {
  type Account,
  type Caller,
  CONTACT_FIELDS,
  type Contact,
  type ContactType,
  type PlannedAccount,
  type PlannedItem,
  type SkipReason,
} from '../core/types.js';
import { createSeenOrganization, type SeenOrganization } from '../core/unmatched-selectors.js';
import { StateFileError, UsageError } from '../errors.js';
import { lintPolicy } from '../policy/lint.js';
import { resolvePolicy, ssmParameterNames } from '../policy/resolve.js';
import {
  accountFromSnapshot,
  createStoredContactComparer,
  missingSelectorData,
  observedContactFromSnapshot,
  type Snapshot,
  type SnapshotAccount,
  type StoredContactComparer,
  snapshotAge,
} from '../state/snapshot.js';
import type { PreparedRun, RunInputs } from './prepare.js';
import type { RunDeps, RunOptions, RunResult } from './run.js';
import { assembleReport, checkSelectors } from './run-report.js';

/**
 * `--dry-run --from-state FILE`: the plan against a saved observation snapshot instead of the listing and
 * the scan. No Account API call at all, no tag or OU read: online, Organizations only to check the
 * organization id and to list accounts created since the snapshot (planned as `not-in-snapshot`);
 * `--offline`, no AWS call whatsoever (see `prepareOfflineRun`). The core planning is the scan's own
 * (decideAccount, planAlternateItem, reportAccounts), so a plan from a fresh snapshot equals a fresh dry-run.
 */
export interface FromState {
  file: string;
  snapshot: Snapshot;
  offline: boolean;
  /** ENFORCE_REDACT_KEY: needed to compare with a snapshot whose values are hashed. */
  valueKey: string | undefined;
  /** The moment the plan is made, for the snapshot's age. */
  now: () => Date;
}

/**
 * What `prepareRun` does, without AWS, for `--offline`. No STS: the point of `--offline` is a plan that needs
 * no credentials at all (a fork's pull request); the management-account rule is decided for the caller that
 * saved the snapshot (the scheduled apply, whose writes the plan predicts). No SSM either: a policy with
 * `{ ssm: NAME }` values is refused, since those values cannot be known offline.
 */
export function prepareOfflineRun(
  inputs: RunInputs,
  state: Pick<FromState, 'file' | 'snapshot'>,
  redact: RedactFields,
): PreparedRun {
  const names = ssmParameterNames(inputs.loaded.document);
  if (names.length > 0) {
    throw new UsageError(
      `--offline: ${inputs.loaded.file} reads values from SSM Parameter Store (${names.join(', ')}), which needs AWS; ` +
        'plan without --offline (Organizations and SSM are then read, the Account API still not)',
    );
  }
  const policy = resolvePolicy(inputs.loaded, new Map(), { redact });
  const caller: Caller = state.snapshot.caller ?? {
    accountId: state.snapshot.organization.managementAccountId,
    arn: `unknown (offline, ${state.file} does not record its caller)`,
  };
  return { ...inputs, caller, policy, lint: lintPolicy(policy, inputs.loaded.file, inputs.loaded.lineOf) };
}

/** The run from the snapshot: same RunResult as executeRun, with `report.snapshot` saying how old it is. */
export async function executeFromState(
  prepared: PreparedRun,
  options: RunOptions,
  deps: Pick<RunDeps, 'clients' | 'redactionKeyId' | 'audit'>,
  state: FromState,
): Promise<RunResult> {
  if (options.mode !== 'dry-run') throw new UsageError('--from-state plans only: --apply always reads');
  const { policy } = prepared;
  const { snapshot, file } = state;
  checkSelectorData(snapshot, file, policy);
  const comparer = createStoredContactComparer(snapshot, file, state.valueKey);

  let organization = { ...snapshot.organization, featureSet: 'ALL' };
  let listed: Account[] | undefined;
  if (!state.offline) {
    const current = await describeOrganization(deps.clients.organizations);
    if (current.id !== snapshot.organization.id) {
      throw new StateFileError(
        file,
        `the snapshot is of organization ${snapshot.organization.id}, the credentials are for ${current.id}`,
      );
    }
    organization = current;
    listed = await listAccounts(deps.clients.organizations);
  }

  const decision: DecisionContext = {
    managementAccountId: organization.managementAccountId,
    callerAccountId: prepared.caller.accountId,
  };
  const { planned, seen } = planSnapshotAccounts(
    snapshot,
    listed,
    options.accounts,
    policy,
    decision,
    comparer,
  );
  const selectors = checkSelectors(prepared, options, deps.audit, seen);
  const age = snapshotAge(snapshot, state.now());
  const report = {
    ...assembleReport(
      prepared,
      options,
      { organization, redactionKeyId: deps.redactionKeyId, selectors },
      reportAccounts(planned, new Map()),
    ),
    snapshot: { file, observedAt: age.observedAt, ageSeconds: age.seconds },
  };
  return { report, organization, refusal: null };
}

/** The snapshot cannot decide scope for a policy that selects by what the saving run did not read. */
function checkSelectorData(snapshot: Snapshot, file: string, policy: DesiredPolicy): void {
  const missing = missingSelectorData(snapshot, { ous: policyUsesOus(policy), tags: policyUsesTags(policy) });
  if (missing.length === 0) return;
  const what = missing.map((m) => (m === 'ouPath' ? 'OU paths' : 'tags')).join(' and ');
  throw new StateFileError(
    file,
    `the policy selects accounts by ${what}, which the run that saved this snapshot did not read: ` +
      'plan without --from-state (a fresh read), and save the next snapshot with this policy',
  );
}

/**
 * Plans every account of the snapshot (or of the organization, online): accounts the listing has and the
 * snapshot lacks are `not-in-snapshot`; accounts that left the organization since are not planned.
 */
export function planSnapshotAccounts(
  snapshot: Snapshot,
  listed: readonly Account[] | undefined,
  selected: readonly string[] | undefined,
  policy: DesiredPolicy,
  decision: DecisionContext,
  comparer: StoredContactComparer,
): { planned: PlannedAccount[]; seen: SeenOrganization } {
  const types = managedTypes(policy);
  const stored = new Map(snapshot.accounts.map((a) => [a.id, a]));
  const universe: readonly { id: string; name: string; state: Account['state'] }[] =
    listed ?? snapshot.accounts;
  if (selected !== undefined) {
    const known = new Set(universe.map((a) => a.id));
    const unknown = selected.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UsageError(
        `--accounts: not an account of ${listed === undefined ? 'the snapshot' : 'this organization'}: ${unknown.join(', ')}`,
      );
    }
  }
  const wanted = selected === undefined ? null : new Set(selected);
  const seen = createSeenOrganization();
  const planned: PlannedAccount[] = [];
  for (const account of universe) {
    if (wanted !== null && !wanted.has(account.id)) continue;
    const inSnapshot = stored.get(account.id);
    if (inSnapshot === undefined) {
      planned.push(skipped(account, types, 'not-in-snapshot'));
      continue;
    }
    // Online, state and name are the listing's (fresher, and free); OU path, tags and contacts the snapshot's.
    const planning = { ...accountFromSnapshot(inSnapshot), name: account.name, state: account.state };
    seen.add(planning);
    const decided = decideAccount(planning, policy, decision);
    if (decided.kind === 'skip') {
      planned.push(skipped(account, types, decided.reason));
      continue;
    }
    planned.push({
      accountId: account.id,
      accountName: account.name,
      state: account.state,
      items: types.map((type) => planStoredItem(inSnapshot, type, decided.contacts[type]!, comparer)),
    });
  }
  return { planned, seen: seen.seen(wanted === null) };
}

function planStoredItem(
  account: SnapshotAccount,
  type: ContactType,
  desired: DesiredContact,
  comparer: StoredContactComparer,
): PlannedItem {
  const reading = observedContactFromSnapshot(account, type, comparable(desired), comparer);
  if (reading === undefined) return skipItem(account.id, type, 'not-in-snapshot');
  return planAlternateItem(account.id, type, desired, reading.observed);
}

/**
 * A whole contact to compare hashed values against: the policy's fields; a field the policy leaves to the
 * account gets a value no stored hash can equal, so a hashed snapshot shows it as its mask (its clear value
 * is not known) and the planner, which compares only the policy's fields, never counts it as drift.
 */
const UNLISTED = '\u0000enforce: field not set by the policy';
function comparable(desired: DesiredContact): Contact {
  const fields = desired.kind === 'fields' ? desired.fields : {};
  return Object.fromEntries(CONTACT_FIELDS.map((f) => [f, fields[f] ?? UNLISTED])) as unknown as Contact;
}

function skipped(
  account: { id: string; name: string; state: Account['state'] },
  types: readonly ContactType[],
  reason: SkipReason,
): PlannedAccount {
  return {
    accountId: account.id,
    accountName: account.name,
    state: account.state,
    items: types.map((type) => skipItem(account.id, type, reason)),
  };
}
