import type { AuditLog } from '../audit/audit-log.js';
import type { AwsClients } from '../aws/clients.js';
import { systemWallClock, type WallClock } from '../aws/member-credentials.js';
import { listAccountTags } from '../aws/organizations.js';
import type { DecisionContext } from '../core/desired.js';
import { policyUsesTags } from '../core/desired.js';
import { isWrite, reportAccounts, reportItem, sortAccounts } from '../core/plan.js';
import type { MemberRoleSettings } from '../core/policy.js';
import {
  type Account,
  itemKey,
  type Mode,
  type Organization,
  type PlannedAccount,
  type ReportAccount,
  type RunReport,
  type WriteItem,
  type WriteOutcome,
} from '../core/types.js';
import { createSeenOrganization } from '../core/unmatched-selectors.js';
import { applyItem } from './apply.js';
import type { Clock } from './clock.js';
import { type ContactsGateway, createContactsGateway } from './contacts-gateway.js';
import { executeFromState, type FromState } from './from-state.js';
import { checkMaxChanges, type MaxChangesRefusal } from './max-changes.js';
import { createMemberRoutedGateway, type MemberRoutedGateway, withRoutes } from './member-gateway.js';
import { createMemberRoleAccess, type MemberRoleAccess } from './member-role.js';
import { listRunAccounts, preflight, streamRunAccounts, trackListing } from './observe.js';
import { paceRunClients } from './pacing.js';
import type { PreparedRun } from './prepare.js';
import { assembleReport, auditAndRefuse, checkSelectors, type SelectorFindings } from './run-report.js';
import {
  checkPlanOrganization,
  type MaskFn,
  pendingWrites,
  recheckSavedItem,
  type SavedPlan,
  selectPlanAccounts,
} from './saved-plan.js';
import { type ObservedContacts, scanAccounts } from './scan.js';
import type { RunStop } from './stop.js';
import { createWriteQueue, type WriteQueue } from './write-queue.js';

export const DEFAULT_CONCURRENCY = 8;
/**
 * Member-role mode: each account reads against its own quota, so more accounts in flight is the whole gain
 * (the caller's shared limits left are AssumeRole's pace and Organizations).
 */
export const MEMBER_ROLE_DEFAULT_CONCURRENCY = 32;

export interface RunOptions {
  mode: Mode;
  runId: string;
  /** CLI flag; wins over settings.concurrency. */
  concurrency?: number;
  /** CLI flag; wins over settings.maxChanges. */
  maxChanges?: number;
  /** `--accounts`: limit the run (and a saved plan) to these accounts. */
  accounts?: readonly string[];
  /** `--strict`: a selector that matches nothing rejects the policy (nothing is written). */
  strict?: boolean;
  /** An `accounts` id the organization does not list: a usage error (the CLI) or left out (Lambda). */
  unknownAccounts?: 'error' | 'ignore';
  /** `--dry-run --from-state FILE`: plan against a snapshot instead of listing and reading (from-state.ts). */
  fromState?: FromState;
  /** Member-role fan-out (`--member-role`, else settings.memberRole): see member-gateway.ts. */
  memberRole?: MemberRoleSettings;
  /** Read OU paths even when the policy uses none (`--state-out`: a later policy may select by OU). */
  readOus?: boolean;
}

/** Progress of a run, for the terminal display. */
export interface RunProgress {
  accountsDone: number;
  accountsTotal: number;
  /** Accounts are still being listed, so `accountsTotal` is a lower bound. */
  listing: boolean;
  writesDone: number;
  writesTotal: number;
}

export interface RunDeps {
  clients: AwsClients;
  clock: Clock;
  stop: RunStop;
  audit: AuditLog;
  /** Masks values as the saved plan's masks were made (keyed redaction). */
  mask: MaskFn;
  /** `keyFingerprint` of the run's redaction key, recorded in the report so a saved plan's masks can be checked. */
  redactionKeyId: string;
  onProgress?: (progress: RunProgress) => void;
  /** Each account as read, with its contacts and when each was read (`--state-out`, the report's read times). */
  onObserved?: (account: Account, contacts: ObservedContacts) => void;
  /** Member-role clients bound each request attempt like the run's (aws/clients.ts). */
  requestTimeoutMs?: number;
  /** Member-role credentials' expiry clock (default: the system's). */
  wallClock?: WallClock;
}

/** What a run found and did: the report (the SPEC JSON document) and a refusal, if the guard refused. */
export interface RunResult {
  report: RunReport;
  organization: Organization;
  refusal: MaxChangesRefusal | null;
}

/**
 * One run, in one direction: get (check the organization, list its accounts) → plan (read each managed
 * contact and compare) → apply (write what differs, in apply mode). Throws before anything is written
 * when the organization is not ready or a saved plan is for another organization.
 */
export async function executeRun(
  prepared: PreparedRun,
  options: RunOptions,
  deps: RunDeps,
): Promise<RunResult> {
  const { policy } = prepared;
  paceRunClients(deps.clients, policy.settings.rateLimits, deps.clock, deps.stop);
  // Planned from a snapshot: no listing, no scan, no Account API call (from-state.ts).
  if (options.fromState !== undefined) return executeFromState(prepared, options, deps, options.fromState);
  const organization = await preflight(deps.clients.organizations);
  if (prepared.saved !== null) checkPlanOrganization(prepared.saved, prepared.planFile!, organization);
  const decision: DecisionContext = {
    managementAccountId: organization.managementAccountId,
    callerAccountId: prepared.caller.accountId,
  };
  const organizationGateway = createContactsGateway(deps.clients.account, prepared.caller.accountId);
  const memberRole = options.memberRole ?? policy.settings.memberRole;
  const fanOut =
    memberRole === undefined
      ? null
      : await memberFanOut(memberRole, prepared, options, deps, organizationGateway);
  const run: Run = {
    prepared,
    options,
    deps,
    decision,
    gateway: fanOut?.gateway ?? organizationGateway,
    concurrency:
      options.concurrency ??
      policy.settings.concurrency ??
      (fanOut === null ? DEFAULT_CONCURRENCY : MEMBER_ROLE_DEFAULT_CONCURRENCY),
    maxChanges: options.maxChanges ?? policy.settings.maxChanges,
  };
  let planned: Awaited<ReturnType<typeof planAndApply>>;
  try {
    planned =
      prepared.saved === null ? await planAndApply(run) : await applySavedPlanChecked(run, prepared.saved);
  } finally {
    fanOut?.access.destroy();
  }
  const { refusal, selectors } = planned;
  const accounts = fanOut === null ? planned.accounts : withRoutes(planned.accounts, fanOut.gateway.routes());

  const report = assembleReport(
    prepared,
    options,
    { organization, redactionKeyId: deps.redactionKeyId, selectors },
    accounts,
  );
  return { report, organization, refusal };
}

/** Member-role mode: per-account member clients behind the run's gateway (destroyed at the run's end). */
async function memberFanOut(
  role: MemberRoleSettings,
  prepared: PreparedRun,
  options: RunOptions,
  deps: RunDeps,
  organization: ContactsGateway,
): Promise<{ access: MemberRoleAccess; gateway: MemberRoutedGateway }> {
  const base = deps.clients.account.config;
  const access = createMemberRoleAccess({
    sts: deps.clients.sts,
    role,
    runId: options.runId,
    callerArn: prepared.caller.arn,
    clock: deps.clock,
    wallClock: deps.wallClock ?? systemWallClock,
    stop: deps.stop,
    clients: {
      region: base.region,
      // The run's patience (run-command.ts DEFAULT_MAX_ATTEMPTS, or AWS_MAX_ATTEMPTS) for member clients too.
      maxAttempts: await base.maxAttempts(),
      rateLimits: prepared.policy.settings.rateLimits,
      // Its own handler (not the run's: destroying a member client would close the shared sockets).
      ...(deps.requestTimeoutMs === undefined
        ? {}
        : {
            clientConfig: {
              requestHandler: {
                requestTimeout: deps.requestTimeoutMs,
                connectionTimeout: deps.requestTimeoutMs,
                throwOnRequestTimeout: true,
              },
            },
          }),
    },
  });
  const gateway = createMemberRoutedGateway({
    access,
    organization,
    callerAccountId: prepared.caller.accountId,
  });
  return { access, gateway };
}

interface Run {
  prepared: PreparedRun;
  options: RunOptions;
  deps: RunDeps;
  decision: DecisionContext;
  gateway: ContactsGateway;
  concurrency: number;
  maxChanges: number | undefined;
}

/** A fresh run: accounts are planned as they are listed, and (apply) written as soon as they may be. */
async function planAndApply(
  run: Run,
): Promise<{ accounts: ReportAccount[]; refusal: MaxChangesRefusal | null; selectors: SelectorFindings }> {
  const { prepared, options, deps } = run;
  const { policy } = prepared;
  const readOus = options.readOus === true;
  const source =
    options.accounts === undefined
      ? streamRunAccounts(deps.clients.organizations, policy, deps.stop, readOus)
      : await listRunAccounts(
          deps.clients.organizations,
          policy,
          options.accounts,
          options.unknownAccounts === 'ignore' ? 'ignore-unknown' : 'error',
          readOus,
        );
  const listing = trackListing(source, deps.stop);
  let accountsDone = 0;
  const progress = () =>
    deps.onProgress?.({
      accountsDone,
      accountsTotal: listing.listed,
      listing: listing.listing,
      writesDone: queue.counts.done,
      writesTotal: queue.counts.queued,
    });
  // Reads start with the first page of accounts; writes wait until every account is listed, so a run
  // whose listing fails writes nothing. Reads are the bottleneck: the wait costs nothing.
  const queue = createWriteQueue({ concurrency: run.concurrency, ready: listing.complete, onDone: progress });
  const queueWrites = (account: PlannedAccount) => {
    for (const item of account.items.filter(isWrite)) queueWrite(run, queue, item, account.accountName);
  };
  // Without a max-changes guard, an account's writes start as soon as it is planned, so writing account A
  // does not wait for the scan of account Z. With the guard, nothing may be written until the total is
  // known; with --strict, until every selector was checked against the whole organization.
  const streamWrites = options.mode === 'apply' && run.maxChanges === undefined && options.strict !== true;
  const seen = createSeenOrganization();
  const readTags = (id: string) => listAccountTags(deps.clients.organizations, id);
  const planned = await scanAccounts(listing.accounts, policy, run.decision, run.concurrency, {
    gateway: run.gateway,
    audit: deps.audit,
    stop: deps.stop,
    onObserved: (account, contacts) => {
      seen.add(account);
      deps.onObserved?.(account, contacts);
    },
    onPlanned: (account) => {
      accountsDone += 1;
      if (streamWrites) queueWrites(account);
      progress();
    },
    ...(policyUsesTags(policy) ? { readTags } : {}),
  });

  const complete = options.accounts === undefined && (await listing.complete) && deps.stop.reason === null;
  const selectors = checkSelectors(run.prepared, run.options, deps.audit, seen.seen(complete));

  let refusal: MaxChangesRefusal | null = null;
  const writes = planned.flatMap((a) => a.items.filter(isWrite));
  if (options.mode === 'apply' && !streamWrites) {
    refusal = checkMaxChanges(writes.length, run.maxChanges);
    if (refusal === null) for (const account of planned) queueWrites(account);
  }
  const outcomes = await queue.settled();
  if (options.mode === 'apply') markNotWritten(run, writes, outcomes, refusal);
  return { accounts: reportAccounts(planned, outcomes), refusal, selectors };
}

function queueWrite(run: Run, queue: WriteQueue, item: WriteItem, accountName: string): void {
  queue.push(item, () => applyItem(item, accountName, applyDeps(run)));
}

/**
 * Every planned write that got no outcome was not written: the guard refused the plan, or the run was
 * stopped (a signal, a broken audit log) before the write could start.
 */
function markNotWritten(
  run: Run,
  writes: readonly WriteItem[],
  outcomes: Map<string, WriteOutcome>,
  refusal: MaxChangesRefusal | null,
): void {
  const reason = refusal !== null ? 'max-changes' : (run.deps.stop.reason ?? 'interrupted');
  for (const item of writes) {
    if (!outcomes.has(itemKey(item))) outcomes.set(itemKey(item), { kind: 'not-written', reason });
  }
}

/**
 * A saved plan's selector warnings were made over the whole organization when it was planned (an apply of
 * the plan lists only the accounts it writes): they are carried into the apply's report and audit log,
 * and with --strict they refuse the plan before anything is written.
 */
async function applySavedPlanChecked(run: Run, saved: SavedPlan) {
  const selectors: SelectorFindings = { warnings: saved.warnings ?? [], notChecked: saved.notChecked ?? [] };
  auditAndRefuse(run.prepared, run.options, run.deps.audit, selectors.warnings);
  return { ...(await applySavedPlan(run, saved)), selectors };
}

/**
 * `--apply --plan FILE`: writes exactly the plan's items (of the `--accounts` named, when given). Each
 * item is re-checked against its account as it is now (saved-plan.ts) just before it is written.
 */
async function applySavedPlan(
  run: Run,
  saved: SavedPlan,
): Promise<{ accounts: ReportAccount[]; refusal: MaxChangesRefusal | null }> {
  const { prepared, options, deps } = run;
  const selected = selectPlanAccounts(saved, options.accounts);
  const pending = pendingWrites(selected);
  const refusal = checkMaxChanges(pending.length, run.maxChanges);
  const outcomes = new Map<string, WriteOutcome>();
  // What was written: a re-checked item carries what the account held just before the write.
  const written = new Map<string, WriteItem>();

  if (refusal === null && pending.length > 0) {
    const listed = await listRunAccounts(
      deps.clients.organizations,
      prepared.policy,
      [...new Set(pending.map((i) => i.accountId))],
      'ignore-unknown',
    );
    const byId = new Map<string, Account>(listed.map((a) => [a.id, a]));
    const names = new Map(selected.map((a) => [a.accountId, a.accountName]));
    const queue = createWriteQueue({
      concurrency: run.concurrency,
      ready: Promise.resolve(true),
      onDone: (counts) =>
        deps.onProgress?.({
          accountsDone: selected.length,
          accountsTotal: selected.length,
          listing: false,
          writesDone: counts.done,
          writesTotal: counts.queued,
        }),
    });
    for (const item of pending) {
      const accountName = names.get(item.accountId) ?? '';
      queue.push(item, async () => {
        if (deps.stop.reason !== null) return { kind: 'not-written', reason: deps.stop.reason };
        const found = await recheckSavedItem(
          item,
          byId.get(item.accountId),
          prepared.policy,
          run.decision,
          run.gateway,
          deps.mask,
        );
        switch (found.kind) {
          case 'not-written':
            return { kind: 'not-written', reason: found.reason };
          case 'error':
            deps.audit.accountError(item.accountId, accountName, item.type, found.error);
            return { kind: 'failed', error: found.error, attempts: 0, written: false };
          case 'write':
            written.set(itemKey(found.item), found.item);
            deps.audit.drift(found.item, accountName);
            return applyItem(found.item, accountName, applyDeps(run));
        }
      });
    }
    for (const [key, outcome] of await queue.settled()) outcomes.set(key, outcome);
  }
  markNotWritten(run, pending, outcomes, refusal);

  const pendingByKey = new Map(pending.map((i) => [itemKey(i), i]));
  const accounts = selected.map((account) => ({
    ...account,
    items: account.items.map((saved) => {
      const key = itemKey(saved);
      const item = written.get(key) ?? pendingByKey.get(key);
      // Items the plan did not write (in sync, skipped, unreadable) are reported as the plan recorded them.
      return item === undefined ? saved : reportItem(item, outcomes.get(key));
    }),
  }));
  return { accounts: sortAccounts(accounts), refusal };
}

function applyDeps(run: Run) {
  return { gateway: run.gateway, audit: run.deps.audit, stop: run.deps.stop, clock: run.deps.clock };
}
