/**
 * The one place the Lambda handler calls the engine (prepareRun once per batch, executeRun per attempt)
 * and reads the report's items.
 */
import { type AuditLog, createAuditLog } from '../audit/audit-log.js';
import type { AwsClients } from '../aws/clients.js';
import { isWriteAction, sortAccounts, summarise } from '../core/plan.js';
import { createRedactor, type RedactFields, type Redactor } from '../core/redact.js';
import type { ItemError, ReportAccount } from '../core/types.js';
import type { Clock } from '../engine/clock.js';
import { type PreparedRun, prepareRun, readRunInputs } from '../engine/prepare.js';
import { executeRun } from '../engine/run.js';
import { createRunStop } from '../engine/stop.js';

export interface BatchRequest {
  policyFile: string;
  redact: boolean;
  /** The masks' key: ENFORCE_REDACT_KEY, or one made for the batch. */
  redactKey: Buffer;
  /** Shared by every line the batch writes, across retries. */
  runId: string;
  /** The EventBridge event ids that triggered the batch: on its run.start and run.end. */
  eventIds: readonly string[];
  toolVersion: string;
}

export interface BatchDeps {
  clients: AwsClients;
  clock: Clock;
  /** Writes one NDJSON line synchronously (stdout in Lambda, which CloudWatch Logs collects). */
  writeLine: (line: string) => void;
}

/** What became of one account in one engine run. */
export type AccountOutcome =
  /** Every managed contact is in sync, was written and read back, or is skipped by the policy. */
  | { status: 'done' }
  /** At least one contact could not be read or written; the codes are AWS's error names (or NotWritten). */
  | { status: 'failed'; errors: ItemError[] }
  /** The organization does not list the account (yet), or it is still being activated. */
  | { status: 'not-ready'; why: 'not-listed' | 'pending-activation' };

export interface EnforcementBatch {
  /**
   * One engine run (apply mode) over these accounts. `maxChanges` is what is left of the policy's limit
   * for the whole batch. Throws what the engine throws (preflight, listing) after logging it.
   */
  enforce(accountIds: readonly string[]): Promise<Map<string, AccountOutcome>>;
  /**
   * Writes the batch's single run.end: the last run's, with the summary of every account's latest run.
   * False when no engine run got as far as its run.start: the caller then writes the pair itself.
   */
  close(exitCode: number): boolean;
}

/**
 * Opens a batch: checks the policy (a PolicyError is thrown before any AWS call, so nothing is written),
 * then lets the handler run the engine once per attempt. The batch owns its audit lifecycle: one run.start
 * (with the triggering event ids) before the first engine run, one run.end at `close`, however many
 * attempts it took.
 */
export async function openEnforcementBatch(
  request: BatchRequest,
  deps: BatchDeps,
): Promise<EnforcementBatch> {
  const inputs = await readRunInputs({ policyFile: request.policyFile });
  const started = deps.clock.now();
  const stop = createRunStop();
  const fields: RedactFields = request.redact ? 'all' : 'none';
  const latest = new Map<string, ReportAccount>();
  let session: { prepared: PreparedRun; audit: AuditLog; redactor: Redactor } | undefined;
  let written = 0;

  /** STS, SSM and the audit log's run.start, once per batch and only when there is something to do. */
  const open = async () => {
    if (session !== undefined) return session;
    const prepared = await prepareRun(inputs, deps.clients, { redact: fields });
    const redactor = createRedactor({
      key: request.redactKey,
      fields,
      secretValues: prepared.policy.secretValues,
    });
    const audit = createAuditLog({ write: deps.writeLine }, request.runId, {
      redactor,
      onFailure: () => stop.stop('audit-log-failed'),
    });
    audit.runStart({
      mode: 'apply',
      policyFile: inputs.loaded.file,
      policySha256: inputs.loaded.sha256,
      callerAccountId: prepared.caller.accountId,
      callerArn: prepared.caller.arn,
      toolVersion: request.toolVersion,
      eventIds: request.eventIds,
    });
    session = { prepared, audit, redactor };
    return session;
  };

  return {
    async enforce(accountIds) {
      const { prepared, audit, redactor } = await open();
      const maxChanges = prepared.policy.settings.maxChanges;
      const result = await executeRun(
        prepared,
        {
          mode: 'apply',
          runId: request.runId,
          accounts: accountIds,
          // A just-created account may not be listed yet: it is reported not ready, not a usage error.
          unknownAccounts: 'ignore',
          ...(maxChanges === undefined ? {} : { maxChanges: Math.max(0, maxChanges - written) }),
        },
        {
          clients: deps.clients,
          clock: deps.clock,
          stop,
          audit,
          mask: redactor.mask,
          redactionKeyId: redactor.keyId,
        },
      );
      const outcomes = new Map<string, AccountOutcome>();
      for (const account of result.report.accounts) {
        latest.set(account.accountId, account);
        written += account.items.filter((i) => i.result === 'applied').length;
        outcomes.set(account.accountId, outcomeOfAccount(account));
      }
      for (const id of accountIds)
        if (!outcomes.has(id)) outcomes.set(id, { status: 'not-ready', why: 'not-listed' });
      return outcomes;
    },
    close(exitCode) {
      if (session === undefined) return false;
      const accounts = sortAccounts([...latest.values()]);
      session.audit.runEnd({
        summary: accounts.length === 0 ? null : summarise(accounts),
        exitCode,
        durationMs: Math.round(deps.clock.now() - started),
        interrupted: false,
        eventIds: request.eventIds,
      });
      return true;
    },
  };
}

/** Reads one account's fate from the plan. The only code that knows the plan item's fields. */
export function outcomeOfAccount(account: ReportAccount): AccountOutcome {
  if (account.state === 'PENDING_ACTIVATION') return { status: 'not-ready', why: 'pending-activation' };
  const errors: ItemError[] = [];
  for (const item of account.items) {
    if (item.error !== null && (item.action === 'error' || item.result === 'failed')) errors.push(item.error);
    else if (item.result === 'failed') errors.push({ code: 'Failed', message: String(item.reason) });
    // Planned but refused by a guard (max-changes) or never started: the account is not in its desired state.
    else if (item.result === 'skipped' && isWriteAction(item.action)) {
      errors.push({ code: 'NotWritten', message: `not written: ${String(item.reason)}` });
    }
  }
  return errors.length === 0 ? { status: 'done' } : { status: 'failed', errors };
}
