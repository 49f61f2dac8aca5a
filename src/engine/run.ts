import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { DestinationStream } from 'pino';
import { type AuditLog, createAuditLog } from '../audit/audit-log.js';
import type { AwsClients } from '../aws/clients.js';
import { getParameters } from '../aws/ssm.js';
import { getCaller } from '../aws/sts.js';
import { isWrite, sortAccounts, summarise } from '../core/plan.js';
import type { DesiredPolicy } from '../core/policy.js';
import { createRedactor, type Redactor } from '../core/redact.js';
import type { Caller, Mode, Organization, Plan, PlanAccount, PlanItem } from '../core/types.js';
import { GuardError } from '../errors.js';
import { type LoadedPolicy, readPolicy } from '../policy/load.js';
import { resolvePolicy, ssmParameterNames } from '../policy/resolve.js';
import { applyItem } from './apply.js';
import type { Clock } from './clock.js';
import { createContactsGateway } from './contacts-gateway.js';
import type { Interrupt } from './interrupt.js';
import { listRunAccounts, preflight } from './observe.js';
import { createTokenBucket, DEFAULT_RATE_LIMITS } from './rate-limiter.js';
import { scanAccounts } from './scan.js';

export interface RunOptions {
  mode: Mode;
  policyFile: string;
  /** CLI flag; wins over settings.concurrency. */
  concurrency?: number;
  /** CLI flag; wins over settings.maxChanges. */
  maxChanges?: number;
  accounts?: readonly string[];
  redact: boolean;
  toolVersion: string;
}

export interface RunContext {
  clients: AwsClients;
  clock: Clock;
  interrupt: Interrupt;
  openAuditLog: () => DestinationStream;
  runId?: string;
  onAccountDone?: (done: number, total: number) => void;
}

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
export async function resolveSsmValues(loaded: LoadedPolicy, clients: Pick<AwsClients, 'ssm'>) {
  const names = ssmParameterNames(loaded.document);
  const parameters = names.length === 0 ? new Map() : (await getParameters(clients.ssm, names)).values;
  return resolvePolicy(loaded, parameters);
}

/**
 * One run: load and resolve the policy, check the organization, read every account, plan, and in apply
 * mode write what differs. Throws PolicyError/PreflightError/UsageError before anything is written.
 */
export async function runEnforce(options: RunOptions, ctx: RunContext): Promise<RunOutcome> {
  const started = ctx.clock.now();
  const runId = ctx.runId ?? randomUUID();
  // The policy file is checked before any AWS call; SSM values only once the credentials are known good.
  const loaded = await readPolicy(options.policyFile);
  const caller = await getCaller(ctx.clients.sts);
  const policy = await resolveSsmValues(loaded, ctx.clients);
  const organization = await preflight(ctx.clients.organizations);
  const accounts = await listRunAccounts(ctx.clients.organizations, policy, options.accounts);

  const redactor = createRedactor({ redactAll: options.redact, secretValues: policy.secretValues });
  const audit = createAuditLog(ctx.openAuditLog(), runId, redactor);
  audit.runStart({
    mode: options.mode,
    policyFile: loaded.file,
    policySha256: loaded.sha256,
    callerAccountId: caller.accountId,
    callerArn: caller.arn,
    organizationId: organization.id,
    toolVersion: options.toolVersion,
  });

  const finish = (exitCode: number, summary: Plan['summary'] | null) =>
    audit.runEnd({
      summary,
      exitCode,
      durationMs: Math.round(ctx.clock.now() - started),
      interrupted: ctx.interrupt.requested,
    });

  try {
    const { planAccounts, refusal } = await reconcile(
      options,
      ctx,
      policy,
      caller,
      organization,
      accounts,
      audit,
    );
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
      finish: (exitCode) => finish(exitCode, plan.summary),
    };
  } catch (error) {
    finish(1, null);
    throw error;
  }
}

async function reconcile(
  options: RunOptions,
  ctx: RunContext,
  policy: DesiredPolicy,
  caller: Caller,
  organization: Organization,
  accounts: Awaited<ReturnType<typeof listRunAccounts>>,
  audit: AuditLog,
): Promise<{ planAccounts: PlanAccount[]; refusal: GuardError | null }> {
  const concurrency = options.concurrency ?? policy.settings.concurrency ?? DEFAULT_CONCURRENCY;
  const maxChanges = options.maxChanges ?? policy.settings.maxChanges;
  const limits = { ...DEFAULT_RATE_LIMITS, ...policy.settings.rateLimits };
  const gateway = createContactsGateway(ctx.clients.account, caller.accountId, {
    get: createTokenBucket(limits.getAlternateContact, ctx.clock),
    put: createTokenBucket(limits.putAlternateContact, ctx.clock),
  });
  const applyDeps = { gateway, audit, interrupt: ctx.interrupt, clock: ctx.clock };
  const writeLimit = pLimit(concurrency);
  const writes: Promise<void>[] = [];
  const write = (item: PlanItem) => writes.push(writeLimit(() => applyItem(item, applyDeps)));

  // Without a max-changes guard, an account's writes start as soon as it is planned, so writing account A
  // does not wait for the scan of account Z. With the guard, nothing may be written until the total is known.
  const streamWrites = options.mode === 'apply' && maxChanges === undefined;
  let done = 0;
  const planAccounts = await scanAccounts(
    accounts,
    policy,
    { managementAccountId: organization.managementAccountId, callerAccountId: caller.accountId },
    concurrency,
    {
      gateway,
      audit,
      interrupt: ctx.interrupt,
      onWrite: streamWrites ? write : undefined,
      onAccountDone: () => ctx.onAccountDone?.(++done, accounts.length),
    },
  );

  let refusal: GuardError | null = null;
  if (options.mode === 'apply' && !streamWrites) {
    const pending = planAccounts.flatMap((a) => a.items.filter(isWrite));
    if (maxChanges !== undefined && pending.length > maxChanges) {
      refusal = new GuardError(
        `refusing to apply: the plan writes ${pending.length} contacts, more than max-changes ${maxChanges}`,
      );
      for (const item of pending) {
        item.result = 'skipped';
        item.reason = 'max-changes';
      }
    } else {
      pending.forEach(write);
    }
  }
  await Promise.all(writes);
  return { planAccounts, refusal };
}
