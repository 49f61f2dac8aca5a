import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { DestinationStream } from 'pino';
import { type AuditLog, createAuditLog } from '../audit/audit-log.js';
import type { AwsClients } from '../aws/clients.js';
import { listAccountTags } from '../aws/organizations.js';
import { getParameters } from '../aws/ssm.js';
import { getCaller } from '../aws/sts.js';
import { type DecisionContext, decideAccount, policyUsesTags } from '../core/desired.js';
import { isWrite, sortAccounts, summarise } from '../core/plan.js';
import { desiredAfter } from '../core/plan-contact.js';
import type { DesiredPolicy } from '../core/policy.js';
import { createRedactor, type Redactor } from '../core/redact.js';
import type { Account, Caller, Mode, Organization, Plan, PlanAccount, PlanItem } from '../core/types.js';
import { GuardError } from '../errors.js';
import { type LintWarning, lintPolicy } from '../policy/lint.js';
import { type LoadedPolicy, readPolicy } from '../policy/load.js';
import { resolvePolicy, ssmParameterNames } from '../policy/resolve.js';
import { applyItem } from './apply.js';
import type { Clock } from './clock.js';
import { createContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';
import { listRunAccounts, preflight, streamRunAccounts } from './observe.js';
import { paceClient } from './pacing.js';
import { createTokenBucket, DEFAULT_RATE_LIMITS } from './rate-limiter.js';
import { checkPlanMatches, plannedWriteAccounts, readSavedPlan, sameAsPlanned } from './saved-plan.js';
import { scanAccounts } from './scan.js';

export interface RunOptions {
  mode: Mode;
  policyFile: string;
  /** CLI flag; wins over settings.concurrency. */
  concurrency?: number;
  /** CLI flag; wins over settings.maxChanges. */
  maxChanges?: number;
  accounts?: readonly string[];
  /** `--plan`: apply exactly the items of this saved plan. */
  planFile?: string;
  redact: boolean;
  toolVersion: string;
}

export interface RunContext {
  clients: AwsClients;
  clock: Clock;
  interrupt: Interrupt;
  openAuditLog: () => DestinationStream;
  runId?: string;
  /** `listing`: accounts are still being listed, so `total` is a lower bound. */
  onAccountDone?: (done: number, total: number, listing: boolean) => void;
  /** Contact-quality findings, once the SSM values are known; throwing rejects the policy before any write. */
  onLint?: (warnings: LintWarning[]) => void;
  /** Registers what to log synchronously if the process is forced to exit (a second SIGINT). */
  onForcedExit?: (lastWords: () => void) => void;
  /** The exit code `run.end` records when the run fails with an error. */
  exitCodeForError?: (error: unknown) => number;
}

const FORCED_EXIT_ERROR = {
  code: 'Interrupted',
  message: 'the process was stopped before AWS answered: the write may or may not have been applied',
};

/** Everything the CLI needs to render the run and decide its exit code. */
export interface RunOutcome {
  plan: Plan;
  policy: DesiredPolicy;
  redactor: Redactor;
  /** Set when a guard refused the apply before anything was written. */
  refusal: GuardError | null;
  interrupted: boolean;
  /** Writes `run.end`: called by the CLI once it has decided the exit code. */
  finish(exitCode: number): void;
}

export const DEFAULT_CONCURRENCY = 8;

/** Replaces `{ ssm: NAME }` values, read once per run; a missing or invalid value rejects the policy. */
export async function resolveSsmValues(
  loaded: LoadedPolicy,
  clients: Pick<AwsClients, 'ssm'>,
  redact: boolean,
) {
  const names = ssmParameterNames(loaded.document);
  const parameters = names.length === 0 ? new Map() : (await getParameters(clients.ssm, names)).values;
  return resolvePolicy(loaded, parameters, { redact });
}

/**
 * One run: load and resolve the policy, check the organization, read every account, plan, and in apply
 * mode write what differs. Throws PolicyError/PreflightError/UsageError before anything is written.
 */
export async function runEnforce(options: RunOptions, ctx: RunContext): Promise<RunOutcome> {
  const started = ctx.clock.now();
  const runId = ctx.runId ?? randomUUID();
  // The policy file (and a saved plan) are checked before any AWS call; SSM values only once the
  // credentials are known good.
  const saved = options.planFile === undefined ? null : await readSavedPlan(options.planFile);
  const loaded = await readPolicy(options.policyFile);
  if (saved !== null) checkPlanMatches(saved, options.planFile!, loaded);
  const caller = await getCaller(ctx.clients.sts);
  const policy = await resolveSsmValues(loaded, ctx.clients, options.redact);
  ctx.onLint?.(lintPolicy(policy, loaded.file));

  // From here on the run is in the audit log, including a preflight that fails.
  const redactor = createRedactor({ redactAll: options.redact, secretValues: policy.secretValues });
  const audit = createAuditLog(ctx.openAuditLog(), runId, redactor);
  audit.runStart({
    mode: options.mode,
    policyFile: loaded.file,
    policySha256: loaded.sha256,
    callerAccountId: caller.accountId,
    callerArn: caller.arn,
    toolVersion: options.toolVersion,
    ...(options.planFile === undefined ? {} : { planFile: options.planFile }),
  });
  const finish = (exitCode: number, summary: Plan['summary'] | null, organizationId?: string) =>
    audit.runEnd({
      summary,
      exitCode,
      durationMs: Math.round(ctx.clock.now() - started),
      interrupted: ctx.interrupt.requested,
      ...(organizationId === undefined ? {} : { organizationId }),
    });

  const inFlight = new Set<PlanItem>();
  ctx.onForcedExit?.(() => {
    // A second signal exits at once: say, synchronously, that these writes' outcome is unknown.
    for (const item of inFlight) audit.changeFailed(item, FORCED_EXIT_ERROR, 1, null);
    finish(130, null);
  });

  try {
    paceClients(ctx.clients, policy, ctx.clock);
    const organization = await preflight(ctx.clients.organizations);
    if (saved !== null) checkPlanMatches(saved, options.planFile!, loaded, organization);
    // Without --accounts or a saved plan, accounts are scanned while ListAccounts is still paging.
    const accounts =
      saved === null && options.accounts === undefined
        ? streamRunAccounts(ctx.clients.organizations, policy)
        : saved === null
          ? await listRunAccounts(ctx.clients.organizations, policy, options.accounts)
          : await listRunAccounts(
              ctx.clients.organizations,
              policy,
              plannedWriteAccounts(saved),
              'ignore-unknown',
            );
    const setup = {
      options,
      ctx,
      policy,
      audit,
      inFlight,
      decision: decisionContext(organization, caller),
      accounts,
    };
    const { planAccounts, refusal } =
      saved === null ? await reconcile(setup) : await reconcileSaved(setup, saved);
    const plan: Plan = {
      version: 1,
      runId,
      mode: options.mode,
      policy: { file: loaded.file, sha256: loaded.sha256 },
      organization: { id: organization.id, managementAccountId: organization.managementAccountId },
      summary: summarise(planAccounts),
      accounts: sortAccounts(planAccounts),
    };
    return {
      plan,
      policy,
      redactor,
      refusal,
      interrupted: ctx.interrupt.requested,
      finish: (exitCode) => finish(exitCode, plan.summary, organization.id),
    };
  } catch (error) {
    finish(ctx.exitCodeForError?.(error) ?? 1, null);
    throw error;
  }
}

interface Setup {
  options: RunOptions;
  ctx: RunContext;
  policy: DesiredPolicy;
  audit: AuditLog;
  inFlight: Set<PlanItem>;
  decision: DecisionContext;
  /** Listed up front, or (a run without --accounts or --plan) as ListAccounts pages arrive. */
  accounts: Account[] | AsyncIterable<Account>;
}

function decisionContext(organization: Organization, caller: Caller): DecisionContext {
  return { managementAccountId: organization.managementAccountId, callerAccountId: caller.accountId };
}

/**
 * Client-side token buckets at AWS's per-caller quotas (or the policy's raised ones), so throttling is rare;
 * the SDK's retries absorb what other callers sharing the quota cause.
 */
function paceClients(clients: AwsClients, policy: DesiredPolicy, clock: Clock) {
  const limits = { ...DEFAULT_RATE_LIMITS, ...policy.settings.rateLimits };
  const get = createTokenBucket(limits.getAlternateContact, clock);
  const put = createTokenBucket(limits.putAlternateContact, clock);
  const organizations = createTokenBucket(limits.organizations, clock);
  paceClient(clients.account, (command) =>
    command === 'GetAlternateContactCommand'
      ? get
      : command === 'PutAlternateContactCommand'
        ? put
        : undefined,
  );
  paceClient(clients.organizations, () => organizations);
}

/** The writer shared by fresh and saved plans: rate-limited gateway, bounded parallel writes. */
function createWriter(setup: Setup) {
  const { options, ctx, policy, audit, decision } = setup;
  const concurrency = options.concurrency ?? policy.settings.concurrency ?? DEFAULT_CONCURRENCY;
  const gateway = createContactsGateway(ctx.clients.account, decision.callerAccountId);
  const applyDeps = { gateway, audit, interrupt: ctx.interrupt, clock: ctx.clock, inFlight: setup.inFlight };
  const limit = pLimit(concurrency);
  const writes: Promise<void>[] = [];
  return {
    gateway,
    concurrency,
    maxChanges: options.maxChanges ?? policy.settings.maxChanges,
    /** Runs `before` (if any) and then the write, within the concurrency limit. */
    write(item: PlanItem, before?: () => Promise<boolean>) {
      writes.push(
        limit(async () => {
          if (before === undefined || (await before())) await applyItem(item, applyDeps);
        }),
      );
    },
    settled: () => Promise.all(writes),
  };
}

/** Marks every pending write as refused when it exceeds max-changes; nothing is written then. */
function guardMaxChanges(pending: PlanItem[], maxChanges: number | undefined): GuardError | null {
  if (maxChanges === undefined || pending.length <= maxChanges) return null;
  for (const item of pending) {
    item.result = 'skipped';
    item.reason = 'max-changes';
  }
  return new GuardError(
    `refusing to apply: the plan writes ${pending.length} contacts, more than max-changes ${maxChanges}`,
  );
}

async function reconcile(setup: Setup): Promise<{ planAccounts: PlanAccount[]; refusal: GuardError | null }> {
  const { options, ctx, policy, audit, accounts } = setup;
  const writer = createWriter(setup);
  const { gateway, concurrency, maxChanges } = writer;
  // Reads start with the first page of accounts; writes wait until every account is listed, so a run whose
  // listing fails writes nothing. Reads are the bottleneck: the wait costs nothing.
  let total = 0;
  let listing = true;
  let markListed: (complete: boolean) => void = () => {};
  const listed = new Promise<boolean>((resolve) => {
    markListed = (complete) => {
      listing = false;
      resolve(complete);
    };
  });
  async function* tracked() {
    let complete = false;
    try {
      for await (const account of accounts) {
        total++;
        yield account;
      }
      complete = true;
    } finally {
      markListed(complete);
    }
  }
  const write = (item: PlanItem) => writer.write(item, () => listed);
  // Without a max-changes guard, an account's writes start as soon as it is planned, so writing account A
  // does not wait for the scan of account Z. With the guard, nothing may be written until the total is known.
  const streamWrites = options.mode === 'apply' && maxChanges === undefined;
  const readTags = (id: string) => listAccountTags(ctx.clients.organizations, id);
  let done = 0;
  const planAccounts = await scanAccounts(tracked(), policy, setup.decision, concurrency, {
    gateway,
    audit,
    interrupt: ctx.interrupt,
    onWrite: streamWrites ? write : undefined,
    // While accounts are still being listed, the total grows.
    onAccountDone: () => ctx.onAccountDone?.(++done, total, listing),
    // Tags are read per account by the scan, in parallel with other accounts' contact reads.
    ...(policyUsesTags(policy) ? { readTags } : {}),
  });

  let refusal: GuardError | null = null;
  if (options.mode === 'apply' && !streamWrites) {
    const pending = planAccounts.flatMap((a) => a.items.filter(isWrite));
    refusal = guardMaxChanges(pending, maxChanges);
    if (refusal === null) pending.forEach(write);
  }
  await writer.settled();
  return { planAccounts, refusal };
}

/**
 * `--apply --plan FILE`: writes exactly the plan's items. Each item is re-derived from the (identical)
 * policy and its account re-read first; an item whose account changed since the plan was made is not
 * written and is reported `stale`.
 */
async function reconcileSaved(
  setup: Setup,
  saved: Plan,
): Promise<{ planAccounts: PlanAccount[]; refusal: GuardError | null }> {
  const { policy, audit, decision } = setup;
  const writer = createWriter(setup);
  if (!Array.isArray(setup.accounts)) throw new Error('a saved plan lists its accounts up front');
  const byId = new Map(setup.accounts.map((a) => [a.id, a]));
  const pending = saved.accounts.flatMap((a) => a.items.filter((i) => isWrite(i) && i.result === 'planned'));
  const refusal = guardMaxChanges(pending, writer.maxChanges);
  if (refusal === null) {
    for (const item of pending) {
      writer.write(item, async () => {
        const account = byId.get(item.accountId);
        const decided = account === undefined ? null : decideAccount(account, policy, decision);
        const desired =
          decided?.kind === 'manage' ? desiredAfter(decided.contacts[item.type], item.before) : undefined;
        if (desired === undefined || !sameAsPlanned(item.after, desired)) return markStale(item);
        const observed = await writer.gateway.read(item.accountId, item.type);
        if (observed.kind === 'error') {
          item.result = 'failed';
          item.error = observed.error;
          audit.accountError(item.accountId, item.type, observed.error);
          return false;
        }
        const current = observed.kind === 'present' ? observed.contact : null;
        if (!sameAsPlanned(item.before, current)) return markStale(item);
        item.before = current;
        item.after = desired;
        audit.drift(item);
        return true;
      });
    }
  }
  await writer.settled();
  return { planAccounts: saved.accounts, refusal };
}

function markStale(item: PlanItem): false {
  item.result = 'skipped';
  item.reason = 'stale';
  return false;
}
